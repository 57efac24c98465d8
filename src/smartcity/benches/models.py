from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class Bench(TenantOwned, Base):
    """A smart bench: a SensorThings Thing whose Datastreams are recognised by their
    ObservedProperty (quantities.py)."""

    __tablename__ = "bench"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    thing_id: Mapped[int] = mapped_column(
        ForeignKey("sta_thing.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AirQualityState(TenantOwned, Base):
    """The municipality's air quality as last assessed (the worst bench), so that an alert
    goes out once when it turns poor, not at every check."""

    __tablename__ = "air_quality_state"
    __table_args__ = (UniqueConstraint("municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # EAQI rank 1..6 (0: no bench measured anything).
    eaqi_rank: Mapped[int] = mapped_column(Integer, default=0)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    alert_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
