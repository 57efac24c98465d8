"""Facilities with zones, slot rules and their exceptions, slots, products, orders, tickets
and the scan log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned

FACILITY_KINDS = ("pool", "sauna", "museum", "other")
# Multi-use products: a card of N entries, a ticket valid for a number of days.
PUNCH_CARD = "punch_card"
PERIOD = "period"
PASS_KINDS = (PUNCH_CARD, PERIOD)
GROUP = "group"
# A course: a series of dates (leisure_course_date) with their own capacity, booked as a
# whole or, where the course allows it, per date.
COURSE = "course"
# Kinds of product not booked for a time slot.
NOT_FOR_SLOTS = (*PASS_KINDS, COURSE)
PRODUCT_KINDS = ("adult", "reduced", "child", "family", GROUP, *PASS_KINDS, COURSE)
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
    # Days after the visit until the buyer's data is anonymised (the job `leisure.retention`).
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    # How long a cart holds its places before they are free again (minutes).
    hold_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # How long a freed place offered to the waiting list is held for the one offered it.
    offer_minutes: Mapped[int] = mapped_column(Integer, default=60)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The facility's SensorThings Thing (its occupancy as city data); None until provisioned,
    # and again when someone deletes the Thing through the SensorThings API.
    thing_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_thing.id", ondelete="SET NULL"), default=None
    )


class Zone(TenantOwned, Base):
    """A part of a facility with its own capacity (pool hall 300, sauna 40)."""

    __tablename__ = "leisure_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_facility.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer)
    # The zone's occupancy Datastream ("Belegung <zone>"), written at every admitted scan,
    # and the FeatureOfInterest its Observations carry (the facility's Location's), so that
    # a scan inserts its Observation without looking anything up.
    datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="SET NULL"), default=None
    )
    feature_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_feature_of_interest.id", ondelete="SET NULL"), default=None
    )


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
    """A time slot of a zone. `sold` counts the places of valid tickets and `held` those in
    carts; they only grow by a conditional UPDATE (`sold + held + n <= capacity`), so no two
    bookings can oversell it."""

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
    # Places in carts not yet booked (holds); sold + held never exceeds capacity.
    held: Mapped[int] = mapped_column(Integer, default=0)
    # The last `reserved` places are only for buyers with a voucher that unlocks them.
    reserved: Mapped[int] = mapped_column(Integer, default=0)
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
    # Multi-use tickets (kind punch_card or period) are bought for the facility, not a slot:
    # a punch card has `entries`, a period ticket is valid `valid_days` from its first day;
    # either may allow only one entry per day.
    entries: Mapped[int | None] = mapped_column(Integer, default=None)
    valid_days: Mapped[int | None] = mapped_column(Integer, default=None)
    one_per_day: Mapped[bool] = mapped_column(default=False)
    # A group: the buyer books between `min_places` and `max_places` persons on one ticket,
    # priced per person.
    min_places: Mapped[int | None] = mapped_column(Integer, default=None)
    max_places: Mapped[int | None] = mapped_column(Integer, default=None)
    # For ages `age_min` to `age_max` (a child ticket): the buyer confirms it, the gate checks.
    age_min: Mapped[int | None] = mapped_column(Integer, default=None)
    age_max: Mapped[int | None] = mapped_column(Integer, default=None)
    # A multi-use ticket's or a course's zones, comma-separated ids ("" = the first zone).
    zone_ids: Mapped[str] = mapped_column(String(200), default="")
    # A course bookable per date: the price of one date (None = only as a whole series).
    date_price_cents: Mapped[int | None] = mapped_column(Integer, default=None)


class CourseDate(TenantOwned, Base):
    """One date of a course (a product of the kind `course`). `sold` only grows by a
    conditional UPDATE (`sold + n <= capacity`), as a slot's does."""

    __tablename__ = "leisure_course_date"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_product.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)


class Order(TenantOwned, Base):
    """A booking of one slot: the buyer's e-mail address (or citizen login), its tickets and
    its payment state. `code` is the secret in the order's address."""

    __tablename__ = "leisure_order"
    # A partner's retried POST finds the booking its first one made (see `idempotency_key`).
    __table_args__ = (UniqueConstraint("municipality_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(43), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("leisure_facility.id", ondelete="CASCADE"))
    # None for an order of multi-use tickets (bought for the facility, not a slot).
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_slot.id", ondelete="CASCADE"), default=None
    )
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
    # A voucher and what it took off the tickets' prices (total_cents is after it).
    voucher_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_voucher.id", ondelete="SET NULL"), default=None
    )
    voucher_cents: Mapped[int] = mapped_column(Integer, default=0)
    # A booking through the API: the API key's actor and the client's Idempotency-Key
    # ("apikey:3:<key>"), so that a retried request books once.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
    # The staff account (its audit name, "user:12") that took the money at the cash desk, and
    # the one that cancelled and paid it back (None: the buyer cancelled online).
    paid_by: Mapped[str | None] = mapped_column(String(40), default=None)
    refunded_by: Mapped[str | None] = mapped_column(String(40), default=None)
    # The end of the visit: the retention of the buyer's data counts from here.
    visit_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


_INSIDE = text("checked_in_at IS NOT NULL AND checked_out_at IS NULL")


class Ticket(TenantOwned, Base):
    """One entry for `places` persons (a family ticket is one ticket). `token` is the signed
    QR payload; `code` is the short form staff can type."""

    __tablename__ = "leisure_ticket"
    __table_args__ = (
        # Who is inside a zone (the count every admitted scan makes): only the tickets that
        # are in, a few hundred per zone however many were ever sold.
        Index(
            "ix_leisure_ticket_inside",
            "zone_id",
            "checked_in_at",
            postgresql_where=_INSIDE,
            sqlite_where=_INSIDE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_order.id", ondelete="CASCADE"), index=True
    )
    # None for a multi-use ticket: it is valid from `valid_from` to `valid_until` instead.
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_slot.id", ondelete="CASCADE"), default=None
    )
    zone_id: Mapped[int] = mapped_column(ForeignKey("leisure_zone.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("leisure_product.id", ondelete="CASCADE"))
    places: Mapped[int] = mapped_column(Integer, default=1)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    # The VAT rate it was sold at (basis points): a product's rate changed later does not
    # change what was sold. None only for a ticket made without it (the product's rate then).
    vat_basis_points: Mapped[int | None] = mapped_column(Integer, default=None)
    state: Mapped[str] = mapped_column(String(12), default=TICKET_VALID)
    token: Mapped[str] = mapped_column(Text, default="")
    # The latest entry and exit (a multi-use ticket: of its latest visit).
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A punch card: how many entries it had and how many are used.
    entries_total: Mapped[int | None] = mapped_column(Integer, default=None)
    entries_used: Mapped[int] = mapped_column(Integer, default=0)
    one_per_day: Mapped[bool] = mapped_column(default=False)
    # A multi-use ticket's zones, comma-separated ids ("" = `zone_id` alone).
    zone_ids: Mapped[str] = mapped_column(String(200), default="")
    # A course ticket for one date (None with a course: the whole series).
    course_date_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_course_date.id", ondelete="RESTRICT"), default=None
    )


HOLD_ACTIVE = "active"
HOLD_BOOKED = "booked"
HOLD_EXPIRED = "expired"
HOLD_RELEASED = "released"


class Hold(TenantOwned, Base):
    """A cart: places of one slot held for a buyer until `expires_at`, counted in the slot's
    `held`. It ends booked (an order), released by the buyer, or expired (by the periodic job
    or by the next reader, whichever comes first: one conditional UPDATE of `state` decides,
    so the places go back exactly once). `code` is the secret in the cart's address."""

    __tablename__ = "leisure_hold"
    __table_args__ = (Index("ix_leisure_hold_expiry", "state", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(43), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("leisure_facility.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_slot.id", ondelete="CASCADE"), index=True
    )
    places: Mapped[int] = mapped_column(Integer)
    # The chosen tickets: "product id:count" pairs, comma-separated.
    items: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default=HOLD_ACTIVE)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_order.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A voucher redeemed for this cart (its use counted, a gift card's amount taken) and what
    # it is worth here; both go back when the cart ends without an order.
    voucher_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_voucher.id", ondelete="SET NULL"), default=None
    )
    voucher_cents: Mapped[int] = mapped_column(Integer, default=0)


VOUCHER_DISCOUNT = "discount"
VOUCHER_PRODUCT = "product"
VOUCHER_GIFT_CARD = "gift_card"
VOUCHER_KINDS = (VOUCHER_DISCOUNT, VOUCHER_PRODUCT, VOUCHER_GIFT_CARD)


class Voucher(TenantOwned, Base):
    """A code that gives a discount in percent, one ticket of a product, or (a gift card) a
    balance spent across bookings; any of them may unlock a slot's voucher-only places.
    `uses` only grows by a conditional UPDATE (`uses < max_uses`), a gift card's balance only
    shrinks by one (`balance_cents >= amount`), so two carts cannot redeem the same use."""

    __tablename__ = "leisure_voucher"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("leisure_facility.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    percent_off: Mapped[int | None] = mapped_column(Integer, default=None)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_product.id", ondelete="CASCADE"), default=None
    )
    balance_cents: Mapped[int] = mapped_column(Integer, default=0)
    initial_cents: Mapped[int] = mapped_column(Integer, default=0)
    unlocks_reserved: Mapped[bool] = mapped_column(default=False)
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    valid_until: Mapped[date | None] = mapped_column(Date, default=None)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


WAIT_WAITING = "waiting"
WAIT_OFFERED = "offered"
WAIT_BOOKED = "booked"
WAIT_LAPSED = "lapsed"
WAIT_WITHDRAWN = "withdrawn"


class WaitingEntry(TenantOwned, Base):
    """A buyer waiting for places of a full slot. Freed places are offered in the order of
    joining (`id`): the first waiting entry whose tickets fit gets a cart holding them for
    the facility's `offer_minutes` and an e-mail; an offer not booked in time lapses and the
    next one is offered. `code` is the secret in the entry's address."""

    __tablename__ = "leisure_waiting_entry"
    __table_args__ = (Index("ix_leisure_waiting_queue", "slot_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(43), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("leisure_slot.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("leisure_product.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    language: Mapped[str] = mapped_column(String(2), default="de")
    state: Mapped[str] = mapped_column(String(10), default=WAIT_WAITING)
    hold_id: Mapped[int | None] = mapped_column(
        ForeignKey("leisure_hold.id", ondelete="SET NULL"), default=None
    )
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the offer's e-mail was queued (None: not yet).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The end of the slot: the retention of the e-mail address counts from here.
    visit_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
