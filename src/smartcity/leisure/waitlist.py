"""The waiting list of a full slot. A buyer joins with the tickets wanted and an e-mail
address. Whenever places of the slot are freed (a cancellation, an expired or emptied cart,
a lapsed offer), they are offered in the order of joining: the first waiting entry gets a
cart holding its places for the facility's `offer_minutes` and an e-mail with the cart's
address. An offer that is not booked in time lapses with its cart, and the next entry is
offered. Strictly in order: a later entry that would fit is not offered before an earlier
one that does not fit yet.

This module sits below booking: booking calls `offer_freed` when it frees places, and this
module takes places with its own conditional UPDATE (the same condition as booking's)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.lookup import found_or_404
from smartcity.core.mail.services import queue_mail
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_
from smartcity.leisure.models import (
    HOLD_ACTIVE,
    HOLD_BOOKED,
    HOLD_RELEASED,
    NOT_FOR_SLOTS,
    WAIT_BOOKED,
    WAIT_LAPSED,
    WAIT_OFFERED,
    WAIT_WAITING,
    WAIT_WITHDRAWN,
    Facility,
    Hold,
    Product,
    Slot,
    WaitingEntry,
)

MAX_WAITING_TICKETS = 10


@dataclass(frozen=True)
class JoinInput:
    slot_id: int
    product_id: int | None
    count: int | None
    email: str
    language: str = "de"


def join(db: Session, data: JoinInput, now: datetime | None = None) -> WaitingEntry:
    """Put a buyer on a full slot's waiting list; Conflict (409) when the slot has free
    places (book them instead) or is over, InvalidInput (422) for wrong fields."""
    now = now or utcnow()
    slot = db.get(Slot, data.slot_id)
    if slot is None:
        raise NotFound(gettext_("This slot does not exist."))
    if slot.closed or slot.starts_at <= now:
        raise Conflict(gettext_("This slot has no waiting list any more."))
    errors: dict[str, str] = {}
    product = db.get(Product, data.product_id) if data.product_id else None
    if (
        product is None
        or product.facility_id != slot.facility_id
        or product.kind in NOT_FOR_SLOTS
        or not product.active
    ):
        errors["product"] = gettext_("Please choose a ticket.")
    if data.count is None or not 1 <= data.count <= MAX_WAITING_TICKETS:
        errors["count"] = gettext_("Please enter a number from 1 to %(n)s.") % {
            "n": MAX_WAITING_TICKETS
        }
    email = None
    try:
        email = validate_email(data.email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        errors["email"] = gettext_("Please enter a valid e-mail address, e.g. name@example.org.")
    if errors or product is None or data.count is None:
        raise InvalidInput(gettext_("Please check the waiting list's details."), errors=errors)
    if slot.capacity - slot.reserved - slot.sold - slot.held >= product.places * data.count:
        raise Conflict(gettext_("This slot still has free places; please book directly."))
    entry = WaitingEntry(
        code=secrets.token_urlsafe(32),
        slot_id=slot.id,
        product_id=product.id,
        count=data.count,
        email=email,
        language=data.language if data.language in ("de", "en") else "de",
        state=WAIT_WAITING,
        visit_ends_at=slot.ends_at,
        created_at=now,
    )
    db.add(entry)
    db.flush()
    audit.record(
        db,
        actor="anonymous",
        action="leisure.waitlist.join",
        resource_type="leisure_slot",
        resource_id=slot.id,
        changes={"entry": entry.id, "places": product.places * data.count},
    )
    return entry


def entry_by_code(db: Session, code: str) -> WaitingEntry:
    return found_or_404(
        db.scalar(select(WaitingEntry).where(WaitingEntry.code == code))
        if 20 <= len(code) <= 43
        else None,
        gettext_("This entry on the waiting list does not exist."),
    )


def position(db: Session, entry: WaitingEntry) -> int:
    """1 for the first waiting entry of the slot."""
    ahead = db.scalar(
        select(func.count())
        .select_from(WaitingEntry)
        .where(
            WaitingEntry.slot_id == entry.slot_id,
            WaitingEntry.state == WAIT_WAITING,
            WaitingEntry.id < entry.id,
        )
    )
    return int(ahead or 0) + 1


def withdraw(db: Session, entry: WaitingEntry) -> None:
    """Leave the list; an open offer's places go to the next entry."""
    if entry.state not in (WAIT_WAITING, WAIT_OFFERED):
        return
    hold = db.get(Hold, entry.hold_id) if entry.hold_id else None
    entry.state = WAIT_WITHDRAWN
    entry.email = None
    if hold is not None:
        ended = db.execute(
            update(Hold)
            .where(Hold.id == hold.id, Hold.state == HOLD_ACTIVE)
            .values(state=HOLD_RELEASED)
            .execution_options(synchronize_session=False)
        )
        if getattr(ended, "rowcount", 0) == 1:
            db.execute(
                update(Slot)
                .where(Slot.id == hold.slot_id)
                .values(held=Slot.held - hold.places)
                .execution_options(synchronize_session=False)
            )
    offer_freed(db, [entry.slot_id], utcnow())


def offer_freed(db: Session, slot_ids: list[int], now: datetime) -> int:
    """Offer the freed places of these slots to their waiting lists, in order; returns how
    many offers were made (their e-mails go out with `send_offers`). Offers whose cart ended
    unbooked lapse first."""
    made = 0
    for slot_id in sorted(set(slot_ids)):
        _settle(db, slot_id)
        slot = db.get(Slot, slot_id)
        if slot is None or slot.closed or slot.starts_at <= now:
            continue
        facility = db.get(Facility, slot.facility_id)
        minutes = facility.offer_minutes if facility is not None else 60
        for entry, product in db.execute(
            select(WaitingEntry, Product)
            .join(Product, Product.id == WaitingEntry.product_id)
            .where(WaitingEntry.slot_id == slot_id, WaitingEntry.state == WAIT_WAITING)
            .order_by(WaitingEntry.id)
        ).all():
            places = product.places * entry.count
            taken = db.execute(
                update(Slot)
                .where(
                    Slot.id == slot_id,
                    Slot.closed.is_(False),
                    Slot.sold + Slot.held + places <= Slot.capacity - Slot.reserved,
                )
                .values(held=Slot.held + places)
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) != 1:
                break  # strictly in order: the first one waits until its places are free
            # Two releases at once (a request and the job) may both have read this entry as
            # waiting: only one offers it; the other gives its places back and goes on.
            claimed = db.execute(
                update(WaitingEntry)
                .where(WaitingEntry.id == entry.id, WaitingEntry.state == WAIT_WAITING)
                .values(state=WAIT_OFFERED, offered_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                db.execute(
                    update(Slot)
                    .where(Slot.id == slot_id)
                    .values(held=Slot.held - places)
                    .execution_options(synchronize_session=False)
                )
                continue
            hold = Hold(
                code=secrets.token_urlsafe(32),
                facility_id=slot.facility_id,
                slot_id=slot_id,
                places=places,
                items=f"{product.id}:{entry.count}",
                state=HOLD_ACTIVE,
                expires_at=now + timedelta(minutes=minutes),
                created_at=now,
            )
            db.add(hold)
            db.flush()
            entry.state = WAIT_OFFERED
            entry.hold_id = hold.id
            entry.offered_at = now
            made += 1
    return made


def _settle(db: Session, slot_id: int) -> None:
    """Offers whose cart was booked are booked; those whose cart ended otherwise lapse."""
    for entry, hold_state in db.execute(
        select(WaitingEntry, Hold.state)
        .join(Hold, Hold.id == WaitingEntry.hold_id)
        .where(WaitingEntry.slot_id == slot_id, WaitingEntry.state == WAIT_OFFERED)
    ).all():
        if hold_state == HOLD_BOOKED:
            entry.state = WAIT_BOOKED
            entry.email = None
        elif hold_state != HOLD_ACTIVE:
            entry.state = WAIT_LAPSED
            entry.email = None


def send_offers(db: Session, municipality: Municipality, base_url: str) -> int:
    """E-mail every offer not told yet (the periodic job `leisure.holds` calls this after
    releasing expired carts, so an offer goes out within a minute)."""
    zone = ZoneInfo(municipality.timezone)
    sent = 0
    for entry, hold, slot, facility in db.execute(
        select(WaitingEntry, Hold, Slot, Facility)
        .join(Hold, Hold.id == WaitingEntry.hold_id)
        .join(Slot, Slot.id == WaitingEntry.slot_id)
        .join(Facility, Facility.id == Slot.facility_id)
        .where(WaitingEntry.state == WAIT_OFFERED, WaitingEntry.notified_at.is_(None))
        .order_by(WaitingEntry.id)
    ).all():
        entry.notified_at = utcnow()
        if not entry.email or hold.state != HOLD_ACTIVE:
            continue
        when = slot.starts_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
        until = hold.expires_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
        link = f"{base_url}/{municipality.slug}/freizeit/warenkorb/{hold.code}"
        if entry.language == "en":
            subject = f"A place is free: {facility.name}, {when}"
            body = (
                f"A place you were waiting for is free: {facility.name}, {when}.\n\n"
                f"It is held for you until {until}. Book it here:\n{link}\n\n"
                "After that it is offered to the next person on the waiting list."
            )
        else:
            subject = f"Ein Platz ist frei: {facility.name}, {when}"
            body = (
                f"Ein Platz, auf den Sie gewartet haben, ist frei: {facility.name}, {when}.\n\n"
                f"Er ist bis {until} Uhr für Sie reserviert. Hier buchen:\n{link}\n\n"
                "Danach bieten wir ihn der nächsten Person auf der Warteliste an."
            )
        queue_mail(db, to=entry.email, subject=subject, body=body)
        sent += 1
    return sent


def entries(db: Session, slot_id: int) -> list[WaitingEntry]:
    return list(
        db.scalars(
            select(WaitingEntry).where(WaitingEntry.slot_id == slot_id).order_by(WaitingEntry.id)
        )
    )
