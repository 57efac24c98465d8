"""Booking through the API for partners such as the city app or the tourist information
(API key with the scope `tickets:book`, docs/leisure.md "Booking through the API").

A partner's booking is the portal's: a cart that holds the places (`holds.hold`, the same
conditional UPDATE that never oversells) booked at once (`holds.confirm`), in one
transaction. The client's Idempotency-Key, stored on the order with the key's actor, makes a
retried request answer with the booking its first attempt made instead of booking again:
looked up first, and — when two attempts race — the unique constraint lets one of them store
it, and the other gives its places back (its savepoint is rolled back) and answers with the
winner's booking."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcity.core.errors import Conflict
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import i18n
from smartcity.core.web.i18n import gettext_
from smartcity.leisure import booking, facilities, holds
from smartcity.leisure.models import Order, Ticket


@dataclass(frozen=True)
class PartnerBooking:
    slot_id: int
    # product id -> number of tickets (a group: its persons)
    quantities: dict[int, int] = field(default_factory=dict)
    # The buyer's address for the confirmation with the tickets; empty: the partner hands
    # the tickets over itself (the city app shows them, the tourist information prints them).
    email: str = ""
    language: str = "de"
    voucher_code: str = ""
    ages_confirmed: bool = False


def stored_key(actor: str, key: str) -> str:
    """The key as stored: per API key, so that two partners' keys never meet."""
    return f"{actor}:{key}"


def _booked_before(db: Session, stored: str, data: PartnerBooking) -> Order | None:
    """The order an earlier attempt with this key made; Conflict when that attempt asked for
    something else (a client that reuses its keys)."""
    order = db.scalar(select(Order).where(Order.idempotency_key == stored))
    if order is None:
        return None
    counts: Counter[int] = Counter()
    for ticket in db.scalars(select(Ticket).where(Ticket.order_id == order.id)):
        counts[ticket.product_id] += 1
    asked = {product: count for product, count in data.quantities.items() if count}
    # A group's count is its persons on one ticket: compare the products then.
    if order.slot_id != data.slot_id or set(counts) != set(asked):
        raise Conflict(
            gettext_(
                "This Idempotency-Key belongs to another booking; please send a new key for "
                "every new booking."
            ),
            errors={"Idempotency-Key": "used for another booking"},
        )
    return order


def book(
    db: Session,
    municipality: Municipality,
    data: PartnerBooking,
    *,
    key: str,
    actor: str,
    secret: str,
    public_url: str,
    now: datetime | None = None,
) -> tuple[Order, bool]:
    """Book for a buyer once per Idempotency-Key; returns the order and whether this call
    made it (False: a retry, answered with the first attempt's booking). Refusals are the
    portal's: SoldOut (409) with the free places, InvalidInput (422) naming the field,
    NotFound (404) for a slot that is not this municipality's."""
    stored = stored_key(actor, key)
    earlier = _booked_before(db, stored, data)
    if earlier is not None:
        return earlier, False
    try:
        with db.begin_nested():
            cart = holds.hold(
                db,
                holds.HoldInput(
                    data.slot_id, data.quantities, data.voucher_code, data.ages_confirmed
                ),
                now,
                municipality.timezone,
            )
            order = holds.confirm(
                db,
                municipality,
                cart,
                email=data.email,
                citizen_subject=None,
                language=data.language,
                secret=secret,
                now=now,
                actor=actor,
            )
            order.idempotency_key = stored
            db.flush()
    except IntegrityError:
        # The same key raced in from a retry and was stored first (PostgreSQL waited for
        # its commit): this attempt's places and tickets are rolled back with the savepoint.
        earlier = _booked_before(db, stored, data)
        if earlier is None:
            raise
        return earlier, False
    if order.email:
        slot = facilities.slot(db, data.slot_id)
        facility = facilities.facility(db, order.facility_id)
        booking.confirmation_mail(
            db,
            municipality,
            order,
            facility,
            i18n.moment(slot.starts_at, municipality.timezone, order.language),
            public_url + order_path(municipality, order),
        )
    return order, True


def order_path(municipality: Municipality, order: Order) -> str:
    """The booking's page on the portal: the buyer's access to the tickets."""
    return f"/{municipality.slug}/freizeit/bestellung/{order.code}"
