"""Finding bookings in the back office: by the order's code (or its address), a ticket's
code, the buyer's e-mail address (exact, without regard to case) or the day of the slot.

Every query goes through the ORM in the session's tenant scope, so another municipality's
orders are never found. What was searched for is never logged: the page sends it in a
form's body, not in the address, and nothing here writes it anywhere."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInput
from smartcity.core.lookup import found_or_404
from smartcity.leisure import payments, tickets
from smartcity.leisure.models import (
    ORDER_CANCELLED,
    Facility,
    Order,
    Product,
    Slot,
    Ticket,
    Zone,
)

# At most this many orders are shown; the page asks to narrow the search beyond it.
MAX_RESULTS = 50
# An order's code (`secrets.token_urlsafe(32)`), alone or at the end of the order's address.
ORDER_CODE = re.compile(r"^(?:\S*/freizeit/bestellung/)?([A-Za-z0-9_-]{43})/?$")

# What staff read as an order's state (payment and cancellation together).
PAID = "paid"
PENDING = "pending"
FAILED = "failed"
CANCELLED = "cancelled"
REFUNDED = "refunded"


def status(order: Order) -> str:
    """paid, pending, failed, cancelled (nothing was paid) or refunded."""
    if order.state == ORDER_CANCELLED:
        return REFUNDED if order.payment_state == payments.REFUNDED else CANCELLED
    if order.payment_state == payments.PAID:
        return PAID
    return FAILED if order.payment_state == payments.FAILED else PENDING


@dataclass(frozen=True)
class OrderQuery:
    """What staff look for: a code or an e-mail address (`text`), a day of the slot, or both;
    optionally one facility."""

    text: str = ""
    day: date | None = None
    facility_id: int | None = None


@dataclass(frozen=True)
class FoundOrder:
    order: Order
    facility: Facility
    slot: Slot | None
    zone: Zone | None
    tickets: list[tuple[Ticket, Product]]

    @property
    def status(self) -> str:
        return status(self.order)

    @property
    def places(self) -> int:
        return sum(ticket.places for ticket, _ in self.tickets)

    @property
    def checked_in(self) -> bool:
        return any(ticket.checked_in_at is not None for ticket, _ in self.tickets)


@dataclass(frozen=True)
class Found:
    orders: list[FoundOrder]
    # More orders matched than are shown.
    more: bool


def _local_day(day: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    return (
        datetime.combine(day, time(0), zone),
        datetime.combine(day + timedelta(days=1), time(0), zone),
    )


def _text_condition(text: str) -> ColumnElement[bool]:
    """The condition for what was typed; InvalidInput when it is no code and no address."""
    if "@" in text:
        if len(text) > 254 or text.count("@") != 1:
            raise InvalidInput(
                "Bitte eine vollständige E-Mail-Adresse eingeben.",
                errors={"q": "Bitte eine vollständige E-Mail-Adresse eingeben."},
            )
        return func.lower(Order.email) == text.lower()
    order_code = ORDER_CODE.search(text)
    if order_code is not None:
        return Order.code == order_code.group(1)
    ticket_code = tickets.typed_code(text)
    if ticket_code is not None:
        return Order.id.in_(select(Ticket.order_id).where(Ticket.code == ticket_code))
    message = (
        "Bitte eine Buchungsnummer (43 Zeichen oder die Adresse der Buchung), einen "
        "Ticketcode (16 Zeichen) oder eine E-Mail-Adresse eingeben."
    )
    raise InvalidInput(message, errors={"q": message})


def find_orders(db: Session, query: OrderQuery, timezone: str) -> Found:
    """The municipality's orders that match every part of the query, the latest slot first;
    InvalidInput when the query is empty or its text is neither a code nor an address."""
    text = query.text.strip()
    if not text and query.day is None:
        message = (
            "Bitte eine Buchungsnummer, einen Ticketcode, eine E-Mail-Adresse oder einen Tag "
            "angeben."
        )
        raise InvalidInput(message, errors={"q": message})
    conditions: list[ColumnElement[bool]] = []
    if text:
        conditions.append(_text_condition(text))
    if query.day is not None:
        starts, ends = _local_day(query.day, timezone)
        # A multi-use ticket has no slot: its first day counts.
        passes = select(Ticket.order_id).where(
            Ticket.slot_id.is_(None), Ticket.valid_from >= starts, Ticket.valid_from < ends
        )
        conditions.append(
            or_(
                Order.slot_id.in_(
                    select(Slot.id).where(Slot.starts_at >= starts, Slot.starts_at < ends)
                ),
                Order.id.in_(passes),
            )
        )
    if query.facility_id is not None:
        conditions.append(Order.facility_id == query.facility_id)
    rows = db.execute(
        select(Order, Slot)
        .outerjoin(Slot, Slot.id == Order.slot_id)
        .where(*conditions)
        .order_by(func.coalesce(Slot.starts_at, Order.visit_ends_at).desc(), Order.id.desc())
        .limit(MAX_RESULTS + 1)
    ).all()
    shown = [(order, slot) for order, slot in rows[:MAX_RESULTS]]
    return Found(_described(db, shown), more=len(rows) > MAX_RESULTS)


def _described(db: Session, found: Sequence[tuple[Order, Slot | None]]) -> list[FoundOrder]:
    """The orders with their facility, slot, zone and tickets, in four queries."""
    if not found:
        return []
    ids = [order.id for order, _ in found]
    by_order: dict[int, list[tuple[Ticket, Product]]] = {order_id: [] for order_id in ids}
    for ticket, product in db.execute(
        select(Ticket, Product)
        .join(Product, Product.id == Ticket.product_id)
        .where(Ticket.order_id.in_(ids))
        .order_by(Ticket.id)
    ):
        by_order[ticket.order_id].append((ticket, product))
    facilities = {
        f.id: f
        for f in db.scalars(
            select(Facility).where(Facility.id.in_({order.facility_id for order, _ in found}))
        )
    }
    zone_ids = {rows[0][0].zone_id for rows in by_order.values() if rows}
    zones = {z.id: z for z in db.scalars(select(Zone).where(Zone.id.in_(zone_ids)))}
    described = []
    for order, slot in found:
        rows = by_order[order.id]
        zone = zones.get(rows[0][0].zone_id) if rows else None
        described.append(FoundOrder(order, facilities[order.facility_id], slot, zone, rows))
    return described


def order_detail(db: Session, order_id: int) -> FoundOrder:
    """One order of the municipality with its facility, slot, zone and tickets (404 for
    another municipality's)."""
    order = found_or_404(db.get(Order, order_id), "Diese Buchung gibt es nicht.")
    slot = db.get(Slot, order.slot_id) if order.slot_id is not None else None
    return _described(db, [(order, slot)])[0]
