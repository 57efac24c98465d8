from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class BenchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class IndexOut(BaseModel):
    level: str = Field(description="Machine key, e.g. fair")
    rank: int = Field(description="1 = best")
    label: str = Field(description="German label")
    label_en: str
    colour: str
    text_colour: str = Field(description="Readable text colour on `colour`")
    pollutant: str = Field(description="The worst pollutant, which decided")


class AirQualityOut(BaseModel):
    eaqi: IndexOut | None = Field(description="European Air Quality Index (EEA, 2024)")
    uba: IndexOut | None = Field(description="Luftqualitätsindex des Umweltbundesamtes")


class BenchOut(BaseModel):
    id: int
    name: str
    thing_id: int = Field(description="Its SensorThings Thing")
    datastreams: dict[str, int] = Field(description="Datastream id per quantity")
    updated_at: datetime | None
    temperature_c: float | None
    humidity_percent: float | None
    pollutants: dict[str, float | None] = Field(description="Hourly means, µg/m³")
    air_quality: AirQualityOut
    charging_available: bool | None
    wifi_online: bool | None


class MunicipalityAirQuality(BaseModel):
    air_quality: AirQualityOut = Field(description="Of the worst bench")
    worst_bench_id: int | None
    benches: list[BenchOut]


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alert_email: EmailStr | None = Field(
        description="Who is mailed when the municipality's EAQI reaches poor; null: nobody"
    )
