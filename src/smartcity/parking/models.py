from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class CarPark(TenantOwned, Base):
    """A car park, or a stretch of street whose spaces have sensors (lot_type "Straße").

    Occupancy comes from SensorThings: either one counter Datastream whose results are the
    free spaces (`datastream_id`), or one Datastream per space (`ParkingSpace`) whose results
    say whether it is occupied."""

    __tablename__ = "car_park"
    __table_args__ = (UniqueConstraint("municipality_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lot_type: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="SET NULL"), nullable=True
    )
    # Closed by its operator (building works, an event); wins over any sensor.
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    spaces: Mapped[list[ParkingSpace]] = relationship(
        back_populates="car_park", cascade="all, delete-orphan", order_by="ParkingSpace.label"
    )


class ParkingSpace(TenantOwned, Base):
    """One sensed space (on-street, or a car park without a counter)."""

    __tablename__ = "parking_space"
    __table_args__ = (UniqueConstraint("car_park_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    car_park_id: Mapped[int] = mapped_column(
        ForeignKey("car_park.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(60))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    datastream_id: Mapped[int] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="CASCADE"), index=True
    )

    car_park: Mapped[CarPark] = relationship(back_populates="spaces")
