from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smartcity.core.db import MAX_ROW_ID


class SpaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    lat: float
    lon: float
    datastream_id: int


class CarParkOut(BaseModel):
    id: int
    external_id: str = Field(description="Stable id, in the form ParkenDD uses (city + name)")
    name: str
    lot_type: str = Field(description="Parkhaus, Tiefgarage, Parkplatz, Park-Ride, Straße")
    address: str
    lat: float
    lon: float
    total: int | None = Field(description="Capacity, when known")
    free: int | None = Field(description="Free spaces now; null when no fresh reading")
    state: Literal["open", "closed", "nodata"] = Field(
        description="closed: closed by its operator; nodata: no reading of the last hour"
    )
    measured_at: datetime | None = Field(description="Time of the reading behind `free`")
    occupancy_source: Literal["counter", "spaces", "none"]
    datastream_id: int | None = Field(description="Counter Datastream (free spaces)")
    closed: bool
    forecast: bool = Field(description="Whether /forecast has history enough to answer")
    spaces: list[SpaceOut] = Field(description="Sensed spaces (for lots counted per space)")


class NearbyOut(BaseModel):
    distance_m: float = Field(description="Great-circle distance from the point, in metres")
    car_park: CarParkOut


class ForecastPoint(BaseModel):
    time: datetime
    free: int


class ForecastOut(BaseModel):
    car_park_id: int
    made_at: datetime
    based_on: datetime = Field(description="Time of the newest reading the forecast starts from")
    current: int = Field(description="Free spaces at `based_on`")
    points: list[ForecastPoint] = Field(description="Every 15 minutes, local slots")


class CarParkChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closed: bool | None = None
    total: int | None = Field(default=None, ge=0, le=100_000)
    datastream_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ROW_ID,
        description="Counter Datastream to read free spaces from; null unlinks it",
    )


class SpaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=60)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    datastream_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ROW_ID,
        description="Existing Datastream of the space sensor; without it one is created",
    )


class ImportResult(BaseModel):
    created: int
    updated: int
    skipped: int = Field(description="Features that are no car park (e.g. the city's own point)")
    duplicates: int = Field(description="Features whose id appeared earlier in the same document")
