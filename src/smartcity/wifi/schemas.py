"""The module's answers as the public and staff API show them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class HotspotOut(BaseModel):
    """A public WiFi hotspot with its state: online, number of connected devices (only the
    number), and when it was last seen."""

    id: int
    name: str
    lat: float
    lon: float
    online: bool | None = Field(description="null: no report yet")
    clients: int | None = Field(description="Connected devices now (a count, nothing more)")
    last_seen: datetime | None
    thing_id: int | None
    online_datastream_id: int | None
    clients_datastream_id: int | None
    last_seen_datastream_id: int | None


class ImportOut(BaseModel):
    format: str
    new: int = Field(description="Hotspots seen for the first time")
    known: int = Field(description="Hotspots already known")
    left_out: int = Field(description="Nodes without position or id, or not matching the prefix")
    observations: int = Field(description="Observations written (changed values only)")
