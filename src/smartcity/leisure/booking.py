"""Booking a slot: the places are taken by one conditional UPDATE of the slot's `sold`
counter (`sold + n <= capacity`). On PostgreSQL the UPDATE locks the slot's row and a waiting
booking re-checks the condition against the committed count; SQLite runs one writer at a
time (BEGIN IMMEDIATE). Either way no two bookings can sell the same place."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.lookup import found_or_404
from smartcity.core.mail.services import queue_mail
from smartcity.core.tenancy.models import Municipality
from smartcity.leisure import payments, tickets
from smartcity.leisure.facilities import MAX_PLACES
from smartcity.leisure.models import (
    ORDER_CANCELLED,
    ORDER_CONFIRMED,
    TICKET_REFUNDED,
    TICKET_VALID,
    Facility,
    Order,
    Product,
    Slot,
    Ticket,
)

# At most this many tickets in one order.
MAX_TICKETS = 10


class SoldOut(Conflict):
    """Not enough places left in the slot; `free` says how many there are."""

    def __init__(self, detail: str, free: int) -> None:
        super().__init__(detail)
        self.free = free


@dataclass(frozen=True)
class BookingInput:
    slot_id: int
    # product id -> number of tickets
    quantities: dict[int, int] = field(default_factory=dict)
    email: str = ""
    citizen_subject: str | None = None
    language: str = "de"


def free_places(slot: Slot) -> int:
    return 0 if slot.closed else max(slot.capacity - slot.sold, 0)


def _checked(
    db: Session, data: BookingInput, now: datetime
) -> tuple[Slot, list[tuple[Product, int]], str | None]:
    errors: dict[str, str] = {}
    slot = db.get(Slot, data.slot_id)
    if slot is None:
        raise NotFound("Dieses Zeitfenster gibt es nicht.")
    if slot.closed:
        raise Conflict("Dieses Zeitfenster ist geschlossen.")
    if slot.ends_at <= now:
        raise Conflict("Dieses Zeitfenster ist schon vorbei.")
    offered = {
        p.id: p
        for p in db.scalars(
            select(Product).where(Product.facility_id == slot.facility_id, Product.active.is_(True))
        )
    }
    chosen: list[tuple[Product, int]] = []
    for product_id, count in data.quantities.items():
        product = offered.get(product_id)
        if product is None:
            errors[f"anzahl-{product_id}"] = "Dieses Ticket gibt es hier nicht."
        elif not 0 <= count <= MAX_TICKETS:
            errors[f"anzahl-{product_id}"] = f"Bitte eine Anzahl von 0 bis {MAX_TICKETS} angeben."
        elif count:
            chosen.append((product, count))
    if not errors and not chosen:
        errors["tickets"] = "Bitte mindestens ein Ticket wählen."
    if sum(count for _, count in chosen) > MAX_TICKETS:
        errors["tickets"] = f"Höchstens {MAX_TICKETS} Tickets je Buchung."
    email: str | None = None
    if data.citizen_subject is None or data.email:
        try:
            email = validate_email(data.email.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "Bitte eine gültige E-Mail-Adresse angeben, z. B. name@beispiel.de."
    if errors:
        raise InvalidInput("Bitte die Angaben zur Buchung prüfen.", errors=errors)
    return slot, chosen, email


def book(
    db: Session,
    municipality: Municipality,
    data: BookingInput,
    secret: str,
    now: datetime | None = None,
) -> Order:
    """Book tickets of one slot; SoldOut (409) when fewer places are left than asked for."""
    now = now or utcnow()
    slot, chosen, email = _checked(db, data, now)
    places = sum(product.places * count for product, count in chosen)
    if places > MAX_PLACES * MAX_TICKETS:
        raise InvalidInput("Zu viele Plätze in einer Buchung.", errors={"tickets": "places"})
    taken = db.execute(
        update(Slot)
        .where(Slot.id == slot.id, Slot.closed.is_(False), Slot.sold + places <= Slot.capacity)
        .values(sold=Slot.sold + places)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        db.refresh(slot)
        free = free_places(slot)
        if free == 0:
            message = "Leider ausgebucht: In diesem Zeitfenster ist kein Platz mehr frei."
        else:
            message = (
                f"Leider sind nur noch {free} Plätze frei; Sie wollten {places} buchen. "
                "Bitte wählen Sie weniger Tickets oder ein anderes Zeitfenster."
            )
        raise SoldOut(message, free)
    total = sum(product.price_cents * count for product, count in chosen)
    provider = payments.provider_for(total)
    order = Order(
        code=secrets.token_urlsafe(32),
        facility_id=slot.facility_id,
        slot_id=slot.id,
        email=email,
        citizen_subject=data.citizen_subject,
        language=data.language if data.language in ("de", "en") else "de",
        state=ORDER_CONFIRMED,
        total_cents=total,
        payment_provider=provider.name,
        payment_state=payments.PENDING,
        visit_ends_at=slot.ends_at,
        created_at=now,
    )
    started = provider.start(order)
    if started.state != payments.PENDING:
        payments.transition(order, started.state, now)
    db.add(order)
    db.flush()
    made: list[tuple[Ticket, Product]] = []
    for product, count in chosen:
        for _ in range(count):
            ticket = Ticket(
                code=tickets.new_code(),
                order_id=order.id,
                slot_id=slot.id,
                zone_id=slot.zone_id,
                product_id=product.id,
                places=product.places,
                price_cents=product.price_cents,
                state=TICKET_VALID,
            )
            db.add(ticket)
            made.append((ticket, product))
    db.flush()
    for ticket, product in made:
        ticket.token = tickets.sign(db, municipality, ticket, slot, product, secret)
    audit.record(
        db,
        actor="citizen" if data.citizen_subject else "anonymous",
        action="leisure.order.create",
        resource_type="leisure_order",
        resource_id=order.id,
        changes={"slot": slot.id, "places": places, "total_cents": total},
    )
    return order


def order_by_code(db: Session, code: str) -> Order:
    return found_or_404(
        db.scalar(select(Order).where(Order.code == code)) if 20 <= len(code) <= 43 else None,
        "Diese Buchung gibt es nicht.",
    )


def tickets_of(db: Session, order: Order) -> list[tuple[Ticket, Product]]:
    rows = db.execute(
        select(Ticket, Product)
        .join(Product, Product.id == Ticket.product_id)
        .where(Ticket.order_id == order.id)
        .order_by(Ticket.id)
    )
    return [(ticket, product) for ticket, product in rows]


@dataclass(frozen=True)
class CheckInRow:
    ticket: Ticket
    product: Product
    order: Order


def check_in_list(db: Session, slot_id: int) -> list[CheckInRow]:
    """The tickets of a slot with their product and order, for the gate's list and the
    staff's cancellations; no buyer's data."""
    rows = db.execute(
        select(Ticket, Product, Order)
        .join(Product, Product.id == Ticket.product_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(Ticket.slot_id == slot_id)
        .order_by(Order.id, Ticket.id)
    )
    return [CheckInRow(ticket, product, order) for ticket, product, order in rows]


def order_by_id(db: Session, order_id: int) -> Order:
    return found_or_404(db.get(Order, order_id), "Diese Buchung gibt es nicht.")


def cancel_deadline(facility: Facility, slot: Slot) -> datetime:
    return slot.starts_at - timedelta(hours=facility.cancel_hours)


def cancel(
    db: Session, order: Order, actor: str, now: datetime | None = None, *, staff: bool = False
) -> Order:
    """Cancel an order: its tickets are refunded (and so revoked), its places free again, the
    payment refunded (or voided when nothing was paid). Citizens may cancel until the
    facility's deadline; staff at any time before the visit."""
    now = now or utcnow()
    if order.state == ORDER_CANCELLED:
        return order
    slot = db.get(Slot, order.slot_id)
    facility = db.get(Facility, order.facility_id)
    if slot is None or facility is None:
        raise NotFound("Diese Buchung gibt es nicht.")
    if not staff and now > cancel_deadline(facility, slot):
        raise Conflict(
            f"Stornieren ist nur bis {facility.cancel_hours} Stunden vor Beginn möglich."
        )
    found = [ticket for ticket, _ in tickets_of(db, order)]
    if any(ticket.checked_in_at is not None for ticket in found):
        raise Conflict("Ein Ticket dieser Buchung wurde schon benutzt.")
    places = sum(ticket.places for ticket in found if ticket.state == TICKET_VALID)
    for ticket in found:
        ticket.state = TICKET_REFUNDED
        ticket.revoked_at = now
    db.execute(
        update(Slot)
        .where(Slot.id == slot.id)
        .values(sold=Slot.sold - places)
        .execution_options(synchronize_session=False)
    )
    order.state = ORDER_CANCELLED
    order.cancelled_at = now
    payments.transition(
        order, payments.REFUNDED if order.payment_state == payments.PAID else payments.VOID, now
    )
    audit.record(
        db,
        actor=actor,
        action="leisure.order.cancel",
        resource_type="leisure_order",
        resource_id=order.id,
        changes={"places": places, "refunded_cents": order.refunded_cents},
    )
    return order


def mark_paid(db: Session, order: Order, actor: str, now: datetime | None = None) -> bool:
    """The cash desk took the money; False when the order was paid already."""
    if order.state == ORDER_CANCELLED:
        raise Conflict("Diese Buchung ist storniert.")
    changed = payments.transition(order, payments.PAID, now or utcnow())
    if changed:
        audit.record(
            db,
            actor=actor,
            action="leisure.order.paid",
            resource_type="leisure_order",
            resource_id=order.id,
            changes={"amount_cents": order.total_cents, "provider": order.payment_provider},
        )
    return changed


def revoked_codes(db: Session, since: datetime) -> list[str]:
    """Codes of tickets revoked (cancelled, refunded) since `since`: the list a gate that
    checks offline keeps."""
    return list(
        db.scalars(
            select(Ticket.code).where(Ticket.revoked_at.is_not(None), Ticket.revoked_at >= since)
        )
    )


def confirmation_mail(
    db: Session, order: Order, facility: Facility, slot: Slot, when: str, order_url: str
) -> None:
    """The buyer's confirmation: the address of the order page, which holds the tickets (QR,
    PDF, calendar file) and the cancellation. Nothing is sent without an e-mail address."""
    if not order.email:
        return
    if order.language == "en":
        subject = f"Your tickets: {facility.name}, {when}"
        body = (
            f"Thank you for your booking.\n\n{facility.name}, {when}\n\n"
            f"Your tickets (QR code, PDF, calendar) and the cancellation:\n{order_url}\n\n"
            "Keep this address; it is your access to the tickets."
        )
    else:
        subject = f"Ihre Tickets: {facility.name}, {when}"
        body = (
            f"Vielen Dank für Ihre Buchung.\n\n{facility.name}, {when}\n\n"
            f"Ihre Tickets (QR-Code, PDF, Kalender) und die Stornierung:\n{order_url}\n\n"
            "Bewahren Sie diese Adresse auf: Sie ist Ihr Zugang zu den Tickets."
        )
    queue_mail(db, to=order.email, subject=subject, body=body)
