from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CarParkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str = Field(description="Stable id, in the form ParkenDD uses (city + name)")
    name: str
    lot_type: str = Field(description="Parkhaus, Tiefgarage, Parkplatz, ...")
    address: str
    lat: float
    lon: float
    total: int | None = Field(description="Capacity, when known")


class ImportResult(BaseModel):
    created: int
    updated: int
    skipped: int = Field(description="Features that are no car park (e.g. the city's own point)")
    duplicates: int = Field(description="Features whose id appeared earlier in the same document")
