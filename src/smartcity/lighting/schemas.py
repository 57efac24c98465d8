from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    program: dict[str, Any] = Field(
        default_factory=dict, description="Control program (docs/lighting.md)"
    )


class ProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    program: dict[str, Any]


class LuminaireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    rated_power_w: float = Field(gt=0, le=10_000)
    single_lamp: bool = True


class FaultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    luminaire_id: int
    kind: str
    opened_at: datetime
    closed_at: datetime | None
    case_id: int | None
    tracking_code: str | None


class LuminaireOut(BaseModel):
    id: int
    group_id: int
    name: str
    lat: float
    lon: float
    rated_power_w: float
    single_lamp: bool
    thing_id: int
    datastreams: dict[str, int]
    tasking_capability_id: int
    commanded_level: int | None
    commanded_at: datetime | None
    power_w: float | None = Field(description="Newest power reading")
    power_at: datetime | None
    open_faults: list[str]


class GroupOut(BaseModel):
    id: int
    name: str
    program: dict[str, Any]
    active_now: bool
    switch_on: datetime = Field(description="Start of the current (or next) active period")
    switch_off: datetime
    luminaires: list[LuminaireOut]


class EnergyLineOut(BaseModel):
    luminaire_id: int
    name: str
    kwh: float | None
    baseline_kwh: float = Field(description="At rated power over the hours measured")
    measured_hours: float


class EnergyOut(BaseModel):
    group_id: int
    first_night: date
    last_night: date
    nights: int
    hours: float = Field(description="Active hours of these nights")
    kwh: float
    baseline_kwh: float = Field(description="At rated power over the hours measured")
    savings_percent: float | None
    luminaires: list[EnergyLineOut]
