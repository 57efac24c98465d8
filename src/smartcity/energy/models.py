"""Municipal buildings and their meters. A building is a SensorThings Thing; each meter is a
Datastream of that Thing whose Observations are the meter's cumulative readings (kWh or m³),
so readings arrive over HTTP and MQTT like any sensor's, or by CSV import.

A meter exchange is kept as its own row: the old meter's final reading and the new meter's
start reading at one time, so that consumption runs on across the exchange."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class Building(TenantOwned, Base):
    __tablename__ = "energy_building"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(60))
    # A key of `vocabulary.USE_TYPES`: decides the reference values it is compared with.
    use_type: Mapped[str] = mapped_column(String(40))
    # Net floor area (Nettogrundfläche) in m², the area the reference values are given per.
    floor_area_m2: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    thing_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_thing.id", ondelete="SET NULL"), default=None, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meters: Mapped[list[Meter]] = relationship(
        back_populates="building", order_by="Meter.id", cascade="all, delete-orphan"
    )


class Meter(TenantOwned, Base):
    __tablename__ = "energy_meter"
    __table_args__ = (UniqueConstraint("municipality_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("energy_building.id", ondelete="CASCADE"), index=True
    )
    # "electricity", "heat", "gas" or "water" (`vocabulary.METER_KINDS`).
    kind: Mapped[str] = mapped_column(String(20))
    # The number printed on the meter (or the metering point's id); CSV rows name it.
    number: Mapped[str] = mapped_column(String(40))
    # Digits before the decimal point: a reading lower than the last one is the counter
    # running over (all nines to zero). None: such a reading is an error.
    digits: Mapped[int | None] = mapped_column(Integer, default=None)
    # Gas meters count m³; the supplier's calorific value × z-number turns them into kWh.
    kwh_per_m3: Mapped[float | None] = mapped_column(Float, default=None)
    datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="SET NULL"), default=None, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building: Mapped[Building] = relationship(back_populates="meters")
    exchanges: Mapped[list[MeterExchange]] = relationship(
        back_populates="meter", order_by="MeterExchange.exchanged_at", cascade="all, delete-orphan"
    )


class MeterExchange(TenantOwned, Base):
    """A meter replaced by a new one at `exchanged_at`: the old one's final reading and the
    new one's first. Readings after that time are the new meter's."""

    __tablename__ = "energy_meter_exchange"
    __table_args__ = (UniqueConstraint("meter_id", "exchanged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(
        ForeignKey("energy_meter.id", ondelete="CASCADE"), index=True
    )
    exchanged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    old_final: Mapped[float] = mapped_column(Float)
    new_start: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meter: Mapped[Meter] = relationship(back_populates="exchanges")


class ReferenceValue(TenantOwned, Base):
    """What a building of a use type should use per m² and year, with where the figure comes
    from (the energy manager enters it, e.g. from the federal Vergleichswerte)."""

    __tablename__ = "energy_reference"
    __table_args__ = (UniqueConstraint("municipality_id", "use_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_type: Mapped[str] = mapped_column(String(40))
    heat_kwh_m2: Mapped[float] = mapped_column(Float)
    electricity_kwh_m2: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnergyAlert(TenantOwned, Base):
    """An anomaly of a meter the energy manager was told of by a case, so that it is told
    only once. A sudden rise or a lower reading is one reading interval (`at`, its end); a
    high base load at night lasts: `at` is when it was first seen, and `closed_at` is set
    (and its case closed) when a later check finds the night normal again."""

    __tablename__ = "energy_alert"
    __table_args__ = (UniqueConstraint("meter_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("energy_building.id", ondelete="CASCADE"), index=True
    )
    meter_id: Mapped[int] = mapped_column(
        ForeignKey("energy_meter.id", ondelete="CASCADE"), index=True
    )
    # "jump", "night" or "lower" (`consumption.Anomaly.kind`).
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    expected: Mapped[float] = mapped_column(Float, default=0.0)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="SET NULL"), default=None, index=True
    )
    tracking_code: Mapped[str | None] = mapped_column(String(20), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
