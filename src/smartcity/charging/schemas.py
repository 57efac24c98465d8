"""What staff send to create operators, tariffs, locations, EVSEs and partners (API and
forms), with OCPI's lengths and value lists, and the public answer of the charging API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smartcity.charging import vocabulary as v
from smartcity.core.db import MAX_ROW_ID

# CiString of OCPI, restricted to characters that stay one URL path segment.
OcpiId = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9*._:-]+$")]
Text = Annotated[str, Field(max_length=255)]
# A row's id as a client sends it: larger numbers are no row and would overflow the column.
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OperatorIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    party_id: Annotated[str, Field(pattern=r"^[A-Z0-9]{3}$")]
    website: Annotated[str, Field(max_length=255, pattern=r"^(https://\S+)?$")] = ""


class TariffIn(Strict):
    operator_id: RowId
    ocpi_id: OcpiId
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    energy_price: Annotated[Decimal, Field(ge=0, le=100, max_digits=10, decimal_places=4)]
    time_price: Annotated[Decimal | None, Field(ge=0, le=1000, max_digits=10, decimal_places=4)] = (
        None
    )
    flat_price: Annotated[Decimal | None, Field(ge=0, le=1000, max_digits=10, decimal_places=4)] = (
        None
    )
    vat_percent: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] = Decimal(
        "19"
    )


class LocationIn(Strict):
    operator_id: RowId
    ocpi_id: OcpiId
    name: Annotated[str, Field(min_length=1, max_length=255)]
    address: Annotated[str, Field(min_length=1, max_length=45)]
    city: Annotated[str, Field(min_length=1, max_length=45)]
    postal_code: Annotated[str, Field(min_length=1, max_length=10)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "DEU"
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    parking_type: str | None = None
    facilities: list[str] = []
    time_zone: Annotated[str, Field(max_length=64)] = "Europe/Berlin"
    green_energy: bool = False
    supplier_name: Annotated[str, Field(max_length=64)] = ""
    energy_product_name: Annotated[str, Field(max_length=64)] = ""

    @field_validator("parking_type")
    @classmethod
    def _parking(cls, value: str | None) -> str | None:
        if value is not None and value not in v.PARKING_TYPES:
            raise ValueError(f"parking_type must be one of: {', '.join(v.PARKING_TYPES)}")
        return value

    @field_validator("facilities")
    @classmethod
    def _facilities(cls, value: list[str]) -> list[str]:
        unknown = [f for f in value if f not in v.FACILITIES]
        if unknown:
            raise ValueError(f"unknown facilities: {', '.join(unknown)}")
        return sorted(set(value))


class ConnectorIn(Strict):
    connector_id: OcpiId = "1"
    standard: str
    format: Literal["SOCKET", "CABLE"]
    power_type: Literal["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"]
    max_voltage: Annotated[int, Field(ge=1, le=2000)]
    max_amperage: Annotated[int, Field(ge=1, le=1000)]
    max_electric_power: Annotated[int | None, Field(ge=1, le=1_000_000)] = None

    @field_validator("standard")
    @classmethod
    def _standard(cls, value: str) -> str:
        if value not in v.CONNECTOR_TYPES:
            raise ValueError("standard must be an OCPI connector type, e.g. IEC_62196_T2")
        return value


class EvseIn(Strict):
    uid: OcpiId
    evse_id: Annotated[
        str, Field(max_length=48, pattern=r"^([A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9*]{1,30})?$")
    ] = ""
    physical_reference: Annotated[str, Field(max_length=16)] = ""
    capabilities: list[str] = []
    parking_restrictions: list[str] = []
    tariff_id: RowId | None = None
    connectors: Annotated[list[ConnectorIn], Field(min_length=1, max_length=8)]

    @field_validator("capabilities")
    @classmethod
    def _capabilities(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in v.CAPABILITIES]
        if unknown:
            raise ValueError(f"unknown capabilities: {', '.join(unknown)}")
        return sorted(set(value))

    @field_validator("parking_restrictions")
    @classmethod
    def _restrictions(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if r not in v.PARKING_RESTRICTIONS]
        if unknown:
            raise ValueError(f"unknown parking restrictions: {', '.join(unknown)}")
        return sorted(set(value))

    @field_validator("connectors")
    @classmethod
    def _distinct(cls, value: list[ConnectorIn]) -> list[ConnectorIn]:
        ids = [c.connector_id for c in value]
        if len(set(ids)) != len(ids):
            raise ValueError("two connectors of one EVSE have the same id")
        return value


class PartnerIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class CreatedOut(BaseModel):
    id: int


class PartnerOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class PartnerCreatedOut(PartnerOut):
    # Shown once; only its hash is kept.
    token: str


class ConnectorOut(BaseModel):
    id: str
    standard: str
    format: str
    power_type: str
    max_power_kw: float


class EvseOut(BaseModel):
    uid: str
    evse_id: str
    status: str
    status_since: datetime | None
    datastream_id: int | None
    connectors: list[ConnectorOut]
    price_per_kwh_incl_vat: Decimal | None
    currency: str | None


class LocationOut(BaseModel):
    """A charging location with the AFIR data points (static, availability, ad-hoc price,
    renewable energy)."""

    id: str
    name: str
    address: str
    postal_code: str
    city: str
    lat: float
    lon: float
    operator: str
    green_energy: bool
    available: int
    evses: list[EvseOut]
    last_updated: datetime
