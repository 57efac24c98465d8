"""What staff enter: buildings, meters, meter exchanges and reference values."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from smartcity.energy.vocabulary import METER_KINDS, USE_TYPES


def _use_type(value: str) -> str:
    if value not in USE_TYPES:
        raise ValueError("unknown use type")
    return value


def _meter_kind(value: str) -> str:
    if value not in METER_KINDS:
        raise ValueError("unknown kind of meter")
    return value


UseType = Annotated[str, AfterValidator(_use_type)]
Text = Annotated[str, Field(min_length=1, max_length=100)]


class BuildingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    address: Text
    postal_code: Annotated[str, Field(min_length=1, max_length=10)]
    city: Annotated[str, Field(min_length=1, max_length=60)]
    use_type: UseType
    # Net floor area in m²: from a kiosk (5 m²) to a large school campus.
    floor_area_m2: Annotated[float, Field(gt=0, le=1_000_000)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class MeterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Annotated[str, AfterValidator(_meter_kind)]
    number: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z.\-/ ]+$")]
    digits: Annotated[int | None, Field(ge=3, le=12)] = None
    # Calorific value × z-number of the gas supplied, about 8 to 13 kWh per m³.
    kwh_per_m3: Annotated[float | None, Field(ge=5, le=15)] = None


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exchanged_at: datetime
    old_final: Annotated[float, Field(ge=0, le=1e12)]
    new_start: Annotated[float, Field(ge=0, le=1e12)]


class ReferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    use_type: UseType
    heat_kwh_m2: Annotated[float, Field(ge=0, le=5000)]
    electricity_kwh_m2: Annotated[float, Field(ge=0, le=5000)]
    source: Annotated[str, Field(min_length=3, max_length=300)]
