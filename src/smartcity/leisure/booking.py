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
from smartcity.core.mail.services import Attachment, queue_mail
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_
from smartcity.leisure import payments, tickets, vouchers, waitlist
from smartcity.leisure.facilities import MAX_GROUP, MAX_PLACES, age_band, slot_products
from smartcity.leisure.models import (
    COURSE,
    GROUP,
    HOLD_ACTIVE,
    HOLD_EXPIRED,
    ORDER_CANCELLED,
    ORDER_CONFIRMED,
    TICKET_REFUNDED,
    TICKET_VALID,
    CourseDate,
    Facility,
    Hold,
    Order,
    Product,
    Slot,
    Ticket,
    Zone,
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
    # The buyer confirmed the ages of tickets with an age limit (a child ticket).
    ages_confirmed: bool = False


def free_places(slot: Slot) -> int:
    """Places any buyer can still take: neither sold nor held in a cart, nor kept for
    vouchers."""
    return 0 if slot.closed else max(slot.capacity - slot.reserved - slot.sold - slot.held, 0)


def voucher_places(slot: Slot) -> int:
    """Places a buyer with a voucher that unlocks the voucher-only places can take."""
    return 0 if slot.closed else max(slot.capacity - slot.sold - slot.held, 0)


def bookable_slot(db: Session, slot_id: int, now: datetime) -> Slot:
    slot = db.get(Slot, slot_id)
    if slot is None:
        raise NotFound(gettext_("This slot does not exist."))
    if slot.closed:
        raise Conflict(gettext_("This slot is closed."))
    if slot.ends_at <= now:
        raise Conflict(gettext_("This slot is over."))
    return slot


def chosen_products(
    db: Session, slot: Slot, quantities: dict[int, int]
) -> tuple[list[tuple[Product, int]], dict[str, str]]:
    """The products and counts asked for (slot tickets of the slot's facility), and what is
    wrong with them (field name -> message)."""
    errors: dict[str, str] = {}
    offered = {p.id: p for p in slot_products(db, slot.facility_id)}
    chosen: list[tuple[Product, int]] = []
    for product_id, count in quantities.items():
        product = offered.get(product_id)
        if product is None:
            errors[f"anzahl-{product_id}"] = gettext_("This ticket is not offered here.")
        elif product.kind == GROUP:
            # A group's number is its persons, on one ticket.
            low, high = product.min_places or 1, product.max_places or MAX_GROUP
            if count and not low <= count <= high:
                errors[f"anzahl-{product_id}"] = (
                    gettext_(
                        "A group (%(name)s) has at least %(low)s and at most %(high)s persons; "
                        "you entered %(count)s."
                    )
                    if count > 0
                    else gettext_("Please enter a number of persons from %(low)s to %(high)s.")
                ) % {"name": product.name, "low": low, "high": high, "count": count}
            elif count:
                chosen.append((product, count))
        elif not 0 <= count <= MAX_TICKETS:
            errors[f"anzahl-{product_id}"] = gettext_("Please enter a number from 0 to %(n)s.") % {
                "n": MAX_TICKETS
            }
        elif count:
            chosen.append((product, count))
    if not errors and not chosen:
        errors["tickets"] = gettext_("Please choose at least one ticket.")
    if ticket_count(chosen) > MAX_TICKETS:
        errors["tickets"] = gettext_("At most %(n)s tickets per booking.") % {"n": MAX_TICKETS}
    return chosen, errors


def ticket_count(chosen: list[tuple[Product, int]]) -> int:
    """How many tickets the chosen products make: a group is one ticket."""
    return sum(1 if product.kind == GROUP else count for product, count in chosen)


def age_errors(chosen: list[tuple[Product, int]], confirmed: bool) -> dict[str, str]:
    """A ticket with an age limit needs the buyer's confirmation of the ages."""
    limited = [p for p, _count in chosen if p.age_min is not None or p.age_max is not None]
    if not limited or confirmed:
        return {}
    bands = ", ".join(f"{p.name}: {age_band(p.age_min, p.age_max)}" for p in limited)
    return {
        "ages": gettext_(
            "Please confirm that the age limits are kept (%(bands)s); ages are checked at the "
            "entry."
        )
        % {"bands": bands}
    }


def checked_email(email: str, citizen_subject: str | None) -> tuple[str | None, dict[str, str]]:
    """The buyer's normalised address (None for a signed-in citizen without one)."""
    if citizen_subject is not None and not email:
        return None, {}
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized, {}
    except EmailNotValidError:
        return None, {
            "email": gettext_("Please enter a valid e-mail address, e.g. name@example.org.")
        }


def places_of(chosen: list[tuple[Product, int]]) -> int:
    places = sum(product.places * count for product, count in chosen)
    if places > MAX_PLACES * MAX_TICKETS:
        raise InvalidInput(
            gettext_("Too many places in one booking."), errors={"tickets": "places"}
        )
    return places


def take_places(
    db: Session, slot: Slot, places: int, *, held: bool = False, unlocked: bool = False
) -> None:
    """Take `places` of the slot as sold (or, `held=True`, as held in a cart) in one
    conditional UPDATE; SoldOut when fewer are free. Only `unlocked` (a voucher) reaches the
    voucher-only places."""
    column = Slot.held if held else Slot.sold
    limit = Slot.capacity if unlocked else Slot.capacity - Slot.reserved
    taken = db.execute(
        update(Slot)
        .where(
            Slot.id == slot.id,
            Slot.closed.is_(False),
            Slot.sold + Slot.held + places <= limit,
        )
        .values({column: column + places})
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        db.refresh(slot)
        free = voucher_places(slot) if unlocked else free_places(slot)
        if free == 0 and voucher_places(slot) > 0:
            message = gettext_(
                "Sorry, fully booked: the remaining places of this slot are only for holders "
                "of a voucher."
            )
        elif free == 0:
            message = gettext_("Sorry, fully booked: this slot has no free place left.")
        else:
            message = gettext_(
                "Sorry, only %(free)s places are free; you wanted to book %(places)s. "
                "Please choose fewer tickets or another slot."
            ) % {"free": free, "places": places}
        raise SoldOut(message, free)


def _checked(
    db: Session, data: BookingInput, now: datetime
) -> tuple[Slot, list[tuple[Product, int]], str | None]:
    slot = bookable_slot(db, data.slot_id, now)
    chosen, errors = chosen_products(db, slot, data.quantities)
    email, wrong = checked_email(data.email, data.citizen_subject)
    errors |= wrong | age_errors(chosen, data.ages_confirmed)
    if errors:
        raise InvalidInput(gettext_("Please check the booking's details."), errors=errors)
    return slot, chosen, email


def book(
    db: Session,
    municipality: Municipality,
    data: BookingInput,
    secret: str,
    now: datetime | None = None,
) -> Order:
    """Book tickets of one slot at once (no cart); SoldOut (409) when fewer places are left
    than asked for. Expired carts of the slot give their places back first."""
    now = now or utcnow()
    slot, chosen, email = _checked(db, data, now)
    places = places_of(chosen)
    release_expired(db, now, slot_id=slot.id)
    take_places(db, slot, places)
    return make_order(
        db,
        municipality,
        slot,
        chosen,
        email=email,
        citizen_subject=data.citizen_subject,
        language=data.language,
        secret=secret,
        now=now,
    )


def make_order(
    db: Session,
    municipality: Municipality,
    slot: Slot,
    chosen: list[tuple[Product, int]],
    *,
    email: str | None,
    citizen_subject: str | None,
    language: str,
    secret: str,
    now: datetime,
    voucher_id: int | None = None,
    voucher_cents: int = 0,
    actor: str | None = None,
) -> Order:
    """The order and its signed tickets for places already taken; a voucher's worth comes
    off the total. `actor`: who books for the buyer (a partner's API key), if not the buyer."""
    places = sum(product.places * count for product, count in chosen)
    total = sum(product.price_cents * count for product, count in chosen) - voucher_cents
    provider = payments.provider_for(total)
    order = Order(
        code=secrets.token_urlsafe(32),
        facility_id=slot.facility_id,
        slot_id=slot.id,
        email=email,
        citizen_subject=citizen_subject,
        language=language if language in ("de", "en") else "de",
        state=ORDER_CONFIRMED,
        total_cents=total,
        payment_provider=provider.name,
        payment_state=payments.PENDING,
        visit_ends_at=slot.ends_at,
        created_at=now,
        voucher_id=voucher_id,
        voucher_cents=voucher_cents,
    )
    started = provider.start(order)
    if started.state != payments.PENDING:
        payments.transition(order, started.state, now)
    db.add(order)
    db.flush()
    made: list[tuple[Ticket, Product]] = []
    for product, count in chosen:
        # A group is one ticket for all its persons, priced per person.
        group = product.kind == GROUP
        for _ in range(1 if group else count):
            ticket = Ticket(
                code=tickets.new_code(),
                order_id=order.id,
                slot_id=slot.id,
                zone_id=slot.zone_id,
                product_id=product.id,
                places=count if group else product.places,
                price_cents=product.price_cents * (count if group else 1),
                vat_basis_points=product.vat_basis_points,
                state=TICKET_VALID,
            )
            db.add(ticket)
            made.append((ticket, product))
    db.flush()
    for ticket, product in made:
        ticket.token = tickets.sign(db, municipality, ticket, slot, product, secret)
    audit.record(
        db,
        actor=actor or ("citizen" if citizen_subject else "anonymous"),
        action="leisure.order.create",
        resource_type="leisure_order",
        resource_id=order.id,
        changes={"slot": slot.id, "places": places, "total_cents": total},
    )
    return order


def release_expired(db: Session, now: datetime | None = None, *, slot_id: int | None = None) -> int:
    """Give the places of expired carts back to their slots (all of the municipality's, or
    one slot's); returns how many carts expired. A cart being booked right now is skipped
    (PostgreSQL: SKIP LOCKED) — its booking decides. Each cart's state changes by a
    conditional UPDATE, so its places go back exactly once whoever releases it."""
    now = now or utcnow()
    query = select(Hold.id, Hold.slot_id, Hold.places, Hold.voucher_id, Hold.voucher_cents).where(
        Hold.state == HOLD_ACTIVE, Hold.expires_at <= now
    )
    if slot_id is not None:
        query = query.where(Hold.slot_id == slot_id)
    found = db.execute(query.order_by(Hold.id).with_for_update(skip_locked=True)).all()
    freed: dict[int, int] = {}
    expired = 0
    for hold_id, hold_slot, places, voucher_id, voucher_cents in found:
        ended = db.execute(
            update(Hold)
            .where(Hold.id == hold_id, Hold.state == HOLD_ACTIVE)
            .values(state=HOLD_EXPIRED)
            .execution_options(synchronize_session=False)
        )
        if getattr(ended, "rowcount", 0) == 1:
            expired += 1
            freed[hold_slot] = freed.get(hold_slot, 0) + places
            if voucher_id is not None:
                vouchers.give_back(db, voucher_id, voucher_cents)
    for freed_slot in sorted(freed):
        db.execute(
            update(Slot)
            .where(Slot.id == freed_slot)
            .values(held=Slot.held - freed[freed_slot])
            .execution_options(synchronize_session=False)
        )
    if freed:
        # Freed places go to the waiting lists first, in order.
        waitlist.offer_freed(db, sorted(freed), now)
    return expired


def order_by_code(db: Session, code: str) -> Order:
    return found_or_404(
        db.scalar(select(Order).where(Order.code == code)) if 20 <= len(code) <= 43 else None,
        gettext_("This booking does not exist."),
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
    return found_or_404(db.get(Order, order_id), gettext_("This booking does not exist."))


def cancel_deadline(db: Session, order: Order, facility: Facility, slot: Slot | None) -> datetime:
    """Until when a citizen may cancel: `cancel_hours` before the slot (a course: before its
    first booked date); a multi-use ticket (no slot) until its first day begins."""
    return _deadline(order, facility, slot, [] if slot is not None else tickets_of(db, order))


def _deadline(
    order: Order, facility: Facility, slot: Slot | None, found: list[tuple[Ticket, Product]]
) -> datetime:
    """`cancel_deadline` from the order's tickets (`found`, read by the caller; only needed
    without a slot), so that a cancellation reads them once."""
    if slot is not None:
        return slot.starts_at - timedelta(hours=facility.cancel_hours)
    starts = [ticket.valid_from for ticket, _ in found if ticket.valid_from is not None]
    if not starts:
        return order.created_at
    first = min(starts)
    course = any(product.kind == COURSE for _, product in found)
    return first - timedelta(hours=facility.cancel_hours) if course else first


def _free_course_places(db: Session, found: list[Ticket]) -> None:
    """A cancelled course booking gives its places back: a series ticket on each of the
    course's dates, a ticket for one date on that date."""
    for ticket in found:
        if ticket.state != TICKET_VALID:
            continue
        where = (
            CourseDate.id == ticket.course_date_id
            if ticket.course_date_id is not None
            else CourseDate.product_id == ticket.product_id
        )
        db.execute(
            update(CourseDate)
            .where(where)
            .values(sold=CourseDate.sold - ticket.places)
            .execution_options(synchronize_session=False)
        )


def cancel(
    db: Session, order: Order, actor: str, now: datetime | None = None, *, staff: bool = False
) -> Order:
    """Cancel an order: its tickets are refunded (and so revoked), its places free again, the
    payment refunded (or voided when nothing was paid). Citizens may cancel until the
    facility's deadline; staff at any time before the visit."""
    now = now or utcnow()
    if order.state == ORDER_CANCELLED:
        return order
    slot = db.get(Slot, order.slot_id) if order.slot_id is not None else None
    facility = db.get(Facility, order.facility_id)
    if facility is None or (order.slot_id is not None and slot is None):
        raise NotFound(gettext_("This booking does not exist."))
    rows = tickets_of(db, order)
    course = slot is None and any(product.kind == COURSE for _, product in rows)
    deadline = _deadline(order, facility, slot, rows)
    if not staff and now > deadline:
        if course:
            raise Conflict(
                gettext_("It can only be cancelled until %(hours)s hours before the first date.")
                % {"hours": facility.cancel_hours}
            )
        if slot is None:
            raise Conflict(gettext_("It can only be cancelled until its first day of validity."))
        raise Conflict(
            gettext_("It can only be cancelled until %(hours)s hours before the start.")
            % {"hours": facility.cancel_hours}
        )
    found = [ticket for ticket, _ in rows]
    if any(ticket.checked_in_at is not None for ticket in found):
        raise Conflict(gettext_("A ticket of this booking has already been used."))
    # Only one of two cancellations at once (the buyer and the staff, a form sent twice)
    # gives the places and the voucher back.
    claimed = db.execute(
        update(Order)
        .where(Order.id == order.id, Order.state != ORDER_CANCELLED)
        .values(state=ORDER_CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        db.refresh(order)
        return order
    places = sum(ticket.places for ticket in found if ticket.state == TICKET_VALID)
    if slot is None:
        _free_course_places(db, [t for t, p in rows if p.kind == COURSE])
    for ticket in found:
        ticket.state = TICKET_REFUNDED
        ticket.revoked_at = now
    if slot is not None:
        db.execute(
            update(Slot)
            .where(Slot.id == slot.id)
            .values(sold=Slot.sold - places)
            .execution_options(synchronize_session=False)
        )
        waitlist.offer_freed(db, [slot.id], now)
    if order.voucher_id is not None:
        vouchers.give_back(db, order.voucher_id, order.voucher_cents)
    order.state = ORDER_CANCELLED
    order.cancelled_at = now
    # Who pays a refund back: the staff account that cancelled; a buyer's own cancellation
    # is nobody's at the cash desk, and an unpaid booking has nothing to pay back.
    order.refunded_by = actor if staff and order.payment_state == payments.PAID else None
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
        raise Conflict(gettext_("This booking is cancelled."))
    changed = payments.transition(order, payments.PAID, now or utcnow())
    if changed:
        # The cash report counts the money per account that took it.
        order.paid_by = actor
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
    db: Session,
    municipality: Municipality,
    order: Order,
    facility: Facility,
    when: str,
    order_url: str,
) -> None:
    """The buyer's confirmation: the tickets as PDF and (for a slot) the visit as an
    iCalendar file attached, and the address of the order page, which holds the tickets (QR,
    PDF, calendar file) and the cancellation. Nothing is sent without an e-mail address."""
    if not order.email:
        return
    found = tickets_of(db, order)
    slot = db.get(Slot, order.slot_id) if order.slot_id is not None else None
    zone = found_or_404(db.get(Zone, found[0][0].zone_id), gettext_("This booking does not exist."))
    attachments = [
        Attachment(
            f"tickets-{facility.slug}.pdf",
            "application/pdf",
            tickets.pdf(municipality, facility, zone, slot, found),
        )
    ]
    if slot is not None:
        attachments.append(
            Attachment(
                f"{facility.slug}.ics",
                "text/calendar; charset=utf-8",
                tickets.ical(order, facility, zone, slot, order_url),
            )
        )
    if order.language == "en":
        subject = f"Your tickets: {facility.name}, {when}"
        attached = "the tickets (PDF)" + (" and the visit for your calendar" if slot else "")
        body = (
            f"Thank you for your booking.\n\n{facility.name}, {when}\n\n"
            f"Attached: {attached}.\n\n"
            f"Your tickets (QR code, PDF, calendar) and the cancellation:\n{order_url}\n\n"
            "Keep this address; it is your access to the tickets."
        )
    else:
        subject = f"Ihre Tickets: {facility.name}, {when}"
        attached = "die Tickets (PDF)" + (" und der Termin für Ihren Kalender" if slot else "")
        body = (
            f"Vielen Dank für Ihre Buchung.\n\n{facility.name}, {when}\n\n"
            f"Im Anhang: {attached}.\n\n"
            f"Ihre Tickets (QR-Code, PDF, Kalender) und die Stornierung:\n{order_url}\n\n"
            "Bewahren Sie diese Adresse auf: Sie ist Ihr Zugang zu den Tickets."
        )
    queue_mail(db, to=order.email, subject=subject, body=body, attachments=attachments)
