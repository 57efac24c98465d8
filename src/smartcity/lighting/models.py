from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class LightingGroup(TenantOwned, Base):
    """Luminaires controlled by one program (a street, a park)."""

    __tablename__ = "lighting_group"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    program: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    luminaires: Mapped[list[Luminaire]] = relationship(
        back_populates="group", order_by="Luminaire.name"
    )


class Luminaire(TenantOwned, Base):
    """A street light: its Thing carries the Datastreams (power W, energy kWh, dim level %,
    operating hours h, motion) and the TaskingCapability for its dim level."""

    __tablename__ = "luminaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("lighting_group.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    rated_power_w: Mapped[float] = mapped_column(Float)
    single_lamp: Mapped[bool] = mapped_column(Boolean, default=True)
    thing_id: Mapped[int] = mapped_column(
        ForeignKey("sta_thing.id", ondelete="CASCADE"), unique=True
    )
    power_datastream_id: Mapped[int] = mapped_column(ForeignKey("sta_datastream.id"))
    energy_datastream_id: Mapped[int] = mapped_column(ForeignKey("sta_datastream.id"))
    dim_datastream_id: Mapped[int] = mapped_column(ForeignKey("sta_datastream.id"))
    hours_datastream_id: Mapped[int] = mapped_column(ForeignKey("sta_datastream.id"))
    motion_datastream_id: Mapped[int] = mapped_column(ForeignKey("sta_datastream.id"))
    tasking_capability_id: Mapped[int] = mapped_column(ForeignKey("sta_tasking_capability.id"))
    # The last level sent as a Task, and when: a new Task only when the target changes.
    commanded_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    commanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[LightingGroup] = relationship(back_populates="luminaires")


class LampFault(TenantOwned, Base):
    """A detected fault; open until the luminaire reports normal again. Each opens one repair
    case (a submission of the lighting-fault service, in the lighting department's inbox)."""

    __tablename__ = "lamp_fault"

    id: Mapped[int] = mapped_column(primary_key=True)
    luminaire_id: Mapped[int] = mapped_column(
        ForeignKey("luminaire.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="SET NULL"), nullable=True
    )
    tracking_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
