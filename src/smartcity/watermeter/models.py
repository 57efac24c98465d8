from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class WaterMeter(TenantOwned, Base):
    """A household water meter. Readings are kept in litres (whole numbers): a meter shows
    cubic metres with up to three decimals, and integers add up without rounding."""

    __tablename__ = "water_meter"
    __table_args__ = (UniqueConstraint("municipality_id", "meter_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_number: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    digits: Mapped[int] = mapped_column(Integer)
    last_reading_liters: Mapped[int] = mapped_column(BigInteger)
    last_read_on: Mapped[date] = mapped_column(Date)
    # Litres per day between the last two accepted readings; None until there are two.
    daily_liters: Mapped[float | None] = mapped_column(Float, nullable=True)
    persons: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeterReading(TenantOwned, Base):
    """A reading as submitted, with what the plausibility check found."""

    __tablename__ = "meter_reading"

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(
        ForeignKey("water_meter.id", ondelete="CASCADE"), index=True
    )
    reading_liters: Mapped[int] = mapped_column(BigInteger)
    read_on: Mapped[date] = mapped_column(Date, index=True)
    previous_liters: Mapped[int] = mapped_column(BigInteger)
    previous_read_on: Mapped[date] = mapped_column(Date)
    consumption_liters: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    daily_liters: Mapped[float | None] = mapped_column(Float, nullable=True)
    rollover: Mapped[bool] = mapped_column(default=False)
    # accepted | flagged (waits for staff) | confirmed (by staff) | rejected (by staff)
    status: Mapped[str] = mapped_column(String(12), index=True)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(10), default="citizen")
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    receipt: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)


# Data-subject requests match e-mail addresses regardless of case (privacy0002).
Index("ix_meter_reading_contact_email_lower", func.lower(MeterReading.contact_email))
