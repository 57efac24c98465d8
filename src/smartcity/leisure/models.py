"""Facilities with zones, slot rules and their exceptions, slots, products, orders, tickets
and the scan log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned

FACILITY_KINDS = ("pool", "sauna", "museum", "other")
PRODUCT_KINDS = ("adult", "reduced", "child", "family", "group")
# Order states; payment states follow payments.TRANSITIONS.
ORDER_CONFIRMED = "confirmed"
ORDER_CANCELLED = "cancelled"
TICKET_VALID = "valid"
TICKET_REFUNDED = "refunded"


class Facility(TenantOwned, Base):
    """A pool, a sauna, a museum: what a citizen books entry to."""

    __tablename__ = "leisure_facility"
    __table_args__ = (UniqueConstraint("municipality_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="other")
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    # A citizen may cancel until this many hours before the slot starts.
    cancel_hours: Mapped[int] = mapped_column(Integer, default=24)
    # Reserved for a per-facility retention of buyers' data; today the declaration's 30 days
    # after the visit apply to every facility (docs/leisure.md).
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Zone(TenantOwned, Base):
    """A part of a facility with its own capacity (pool hall 300, sauna 40)."""

    __tablename__ = "leisure_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_facility.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer)


class SlotRule(TenantOwned, Base):
    """Slots of a zone made from a rule: on these weekdays, every `every_minutes` from
    `first_start` to `last_start` (local time), each `duration_minutes` long."""

    __tablename__ = "leisure_slot_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_facility.id", ondelete="CASCADE"), index=True
    )
    zone_id: Mapped[int] = mapped_column(ForeignKey("leisure_zone.id", ondelete="CASCADE"))
    # ISO weekdays as digits, "12345" = Monday to Friday.
    weekdays: Mapped[str] = mapped_column(String(7), default="1234567")
    first_start: Mapped[str] = mapped_column(String(5))
    last_start: Mapped[str] = mapped_column(String(5))
    every_minutes: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, default=None)


class SlotException(TenantOwned, Base):
    """A day that differs from the rules: closed, or a reduced capacity."""

    __tablename__ = "leisure_slot_exception"
    __table_args__ = (UniqueConstraint("facility_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("leisure_facility.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str] = mapped_column(String(200), default="")


class Slot(TenantOwned, Base):
    """A time slot of a zone. `sold` counts the places of valid tickets; it only changes by a
    conditional UPDATE (`sold + n <= capacity`), so no two bookings can oversell it."""

    __tablename__ = "leisure_slot"
    __table_args__ = (
        UniqueConstraint("zone_id", "starts_at"),
        Index("ix_leisure_slot_listing", "facility_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("leisure_facility.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("leisure_zone.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(200), default="")


class Product(TenantOwned, Base):
    """What a ticket is for: adult, reduced, child, family (N places on one ticket). All
    products of a facility draw from the same slot quota."""

    __tablename__ = "leisure_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_facility.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    places: Mapped[int] = mapped_column(Integer, default=1)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    # VAT in basis points: 700 = 7 %, 1900 = 19 %.
    vat_basis_points: Mapped[int] = mapped_column(Integer, default=700)
    # The gate checks a proof (student card, disability card) for reduced tickets.
    proof_required: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class Order(TenantOwned, Base):
    """A booking of one slot: the buyer's e-mail address (or citizen login), its tickets and
    its payment state. `code` is the secret in the order's address."""

    __tablename__ = "leisure_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(43), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("leisure_facility.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("leisure_slot.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    citizen_subject: Mapped[str | None] = mapped_column(String(255), default=None)
    language: Mapped[str] = mapped_column(String(2), default="de")
    state: Mapped[str] = mapped_column(String(12), default=ORDER_CONFIRMED)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    payment_provider: Mapped[str] = mapped_column(String(20))
    payment_state: Mapped[str] = mapped_column(String(12))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The end of the visit: the retention of the buyer's data counts from here.
    visit_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(TenantOwned, Base):
    """One entry for `places` persons (a family ticket is one ticket). `token` is the signed
    QR payload; `code` is the short form staff can type."""

    __tablename__ = "leisure_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_order.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("leisure_slot.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("leisure_zone.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("leisure_product.id", ondelete="CASCADE"))
    places: Mapped[int] = mapped_column(Integer, default=1)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(12), default=TICKET_VALID)
    token: Mapped[str] = mapped_column(Text, default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Scan(TenantOwned, Base):
    """Every scan at a gate, accepted or not, with the device's nonce so that a retry counts
    once."""

    __tablename__ = "leisure_scan"
    __table_args__ = (UniqueConstraint("municipality_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_ticket.id", ondelete="CASCADE"), default=None, index=True
    )
    direction: Mapped[str] = mapped_column(String(5))
    result: Mapped[str] = mapped_column(String(20))
    nonce: Mapped[str | None] = mapped_column(String(64), default=None)
    zone_id: Mapped[int | None] = mapped_column(Integer, default=None)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(40))
