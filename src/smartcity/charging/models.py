"""Charging points: operators (OCPI parties), locations, EVSEs (each a SensorThings Thing
with a status Datastream), connectors, ad-hoc tariffs, and the roaming partners whose OCPI
token (stored hashed) lets them read the locations.

Rows are never deleted once published: OCPI forbids removing Locations, EVSEs and Connectors
(sessions of partners refer to them); an EVSE taken out of service is marked `removed_at` and
then answers with status REMOVED."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class Operator(TenantOwned, Base):
    """A charge-point operator (CPO) as OCPI knows it: country code and party id (ISO 15118)."""

    __tablename__ = "charging_operator"
    __table_args__ = (UniqueConstraint("municipality_id", "country_code", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    website: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Tariff(TenantOwned, Base):
    """An ad-hoc tariff (AFIR Art. 5 and 20): prices without VAT and the VAT rate."""

    __tablename__ = "charging_tariff"
    __table_args__ = (UniqueConstraint("municipality_id", "ocpi_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("charging_operator.id", ondelete="RESTRICT")
    )
    ocpi_id: Mapped[str] = mapped_column(String(36))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # Per kWh, per hour of charging, per session; excluding VAT.
    energy_price: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    time_price: Mapped[Decimal | None] = mapped_column(Numeric(10, 4), default=None)
    flat_price: Mapped[Decimal | None] = mapped_column(Numeric(10, 4), default=None)
    vat_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("19"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    operator: Mapped[Operator] = relationship(lazy="joined")


class ChargingLocation(TenantOwned, Base):
    __tablename__ = "charging_location"
    __table_args__ = (UniqueConstraint("municipality_id", "ocpi_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("charging_operator.id", ondelete="RESTRICT")
    )
    ocpi_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(45))
    city: Mapped[str] = mapped_column(String(45))
    postal_code: Mapped[str] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(3), default="DEU")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    parking_type: Mapped[str | None] = mapped_column(String(20), default=None)
    facilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    # AFIR "renewable energy yes/no": 100 % from renewable sources.
    green_energy: Mapped[bool] = mapped_column(Boolean, default=False)
    supplier_name: Mapped[str] = mapped_column(String(64), default="")
    energy_product_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    operator: Mapped[Operator] = relationship(lazy="joined")
    evses: Mapped[list[Evse]] = relationship(
        back_populates="location", order_by="Evse.id", cascade="all, delete-orphan"
    )


class Evse(TenantOwned, Base):
    """One charging point: a Thing whose status Datastream carries OCPI status values."""

    __tablename__ = "charging_evse"
    __table_args__ = (UniqueConstraint("municipality_id", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("charging_location.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(String(36))
    evse_id: Mapped[str] = mapped_column(String(48), default="")
    physical_reference: Mapped[str] = mapped_column(String(16), default="")
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    parking_restrictions: Mapped[list[str]] = mapped_column(JSON, default=list)
    tariff_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_tariff.id", ondelete="SET NULL"), default=None
    )
    thing_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_thing.id", ondelete="SET NULL"), default=None, unique=True
    )
    datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="SET NULL"), default=None
    )
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[ChargingLocation] = relationship(back_populates="evses")
    tariff: Mapped[Tariff | None] = relationship(lazy="joined")
    connectors: Mapped[list[Connector]] = relationship(
        back_populates="evse", order_by="Connector.id", cascade="all, delete-orphan"
    )


class Connector(TenantOwned, Base):
    __tablename__ = "charging_connector"
    __table_args__ = (UniqueConstraint("evse_id", "connector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evse_id: Mapped[int] = mapped_column(ForeignKey("charging_evse.id", ondelete="CASCADE"))
    connector_id: Mapped[str] = mapped_column(String(36))
    standard: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))
    power_type: Mapped[str] = mapped_column(String(20))
    max_voltage: Mapped[int] = mapped_column(Integer)
    max_amperage: Mapped[int] = mapped_column(Integer)
    max_electric_power: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evse: Mapped[Evse] = relationship(back_populates="connectors")


class Partner(TenantOwned, Base):
    """A roaming platform or the national access point that reads the locations over OCPI.
    Only the SHA-256 of its token is kept (the token has 256 bits of chance, so a fast hash
    suffices); the token itself is shown once, when it is made."""

    __tablename__ = "charging_partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
