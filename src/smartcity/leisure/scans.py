"""Checking tickets at the gate, and the live occupancy that follows from it.

A scan answers with a result code and a sentence a person at the gate understands. Entry
and exit are single conditional UPDATEs (`checked_in_at IS NULL`), so of two gates scanning
the same ticket at once exactly one lets the person in. A device's nonce makes a retry
count once: the second scan with the same nonce gets the first one's answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.signing import services as signing
from smartcity.core.tenancy.models import Municipality
from smartcity.leisure import courses, occupancy_streams, payments, tickets
from smartcity.leisure.facilities import age_band, zone_ids_of
from smartcity.leisure.models import (
    COURSE,
    TICKET_REFUNDED,
    Order,
    Product,
    Scan,
    Slot,
    Ticket,
    Zone,
)
from smartcity.leisure.occupancy import PASS_VISIT

ENTRY = "entry"
EXIT = "exit"
# Entry opens this long before a slot starts.
EARLY = timedelta(minutes=30)

OK = "ok"
PROOF = "proof_required"
EXITED = "exited"
UNKNOWN = "unknown"
USED = "already_used"
NOT_NOW = "not_valid_now"
CANCELLED = "cancelled"
WRONG_ZONE = "wrong_zone"
UNPAID = "unpaid"
NOT_INSIDE = "not_inside"
# Multi-use tickets: all entries used, or the period is over.
USED_UP = "used_up"
EXPIRED = "expired"
# Results that let the person through.
ADMITTED = frozenset({OK, PROOF, EXITED})


@dataclass(frozen=True)
class ScanResult:
    result: str
    message: str
    ticket_code: str | None = None
    product: str | None = None
    places: int | None = None
    zone: str | None = None
    order_code: str | None = None
    amount_cents: int | None = None
    # Multi-use tickets: entries left after this scan (punch card), last valid moment.
    entries_left: int | None = None
    valid_until: datetime | None = None

    @property
    def admitted(self) -> bool:
        return self.result in ADMITTED


def _local(moment: datetime, municipality: Municipality) -> str:
    return moment.astimezone(ZoneInfo(municipality.timezone)).strftime("%d.%m.%Y %H:%M")


def _ticket_code(db: Session, municipality: Municipality, code: str) -> str | None:
    """The ticket code a scanned or typed text stands for: a signed token (checked against the
    municipality's published keys) or a typed code. None for anything else."""
    text = code.strip()
    if text.count(".") == 2:
        try:
            claims = tickets.verify(text, signing.key_set(db, municipality))
        except signing.SignatureInvalid:
            return None
        if claims.get("m") != municipality.slug:
            return None
        return str(claims["t"])
    return tickets.typed_code(text)


def scan(
    db: Session,
    municipality: Municipality,
    code: str,
    *,
    direction: str = ENTRY,
    zone_id: int | None = None,
    nonce: str | None = None,
    scanned_at: datetime | None = None,
    actor: str,
) -> ScanResult:
    now = utcnow()
    at = scanned_at or now
    if nonce:
        earlier = db.scalar(select(Scan).where(Scan.nonce == nonce))
        if earlier is not None:
            return _again(db, municipality, earlier)
    found = _ticket_code(db, municipality, code)
    row = (
        db.execute(
            select(Ticket, Slot, Product, Order, Zone)
            .outerjoin(Slot, Slot.id == Ticket.slot_id)
            .join(Product, Product.id == Ticket.product_id)
            .join(Order, Order.id == Ticket.order_id)
            .join(Zone, Zone.id == Ticket.zone_id)
            .where(Ticket.code == found)
        ).first()
        if found
        else None
    )
    if row is None:
        result = ScanResult(
            UNKNOWN, "Unbekanntes Ticket: Der Code ist ungültig oder gehört nicht zu uns."
        )
        _log(db, None, direction, result, nonce, zone_id, at, actor)
        return result
    ticket, slot, product, order, zone = row
    result = _decide(db, municipality, ticket, slot, product, order, zone, direction, zone_id, at)
    _log(db, ticket.id, direction, result, nonce, zone_id, at, actor)
    if result.admitted:
        # Someone came in or went out: the zone's occupancy as an Observation, in this
        # transaction (docs/leisure.md, "Live occupancy").
        occupancy_streams.after_scan(db, municipality, ticket.zone_id)
    return result


def _decide(
    db: Session,
    municipality: Municipality,
    ticket: Ticket,
    slot: Slot | None,
    product: Product,
    order: Order,
    zone: Zone,
    direction: str,
    zone_id: int | None,
    at: datetime,
) -> ScanResult:
    def answer(result: str, message: str) -> ScanResult:
        left = None
        if ticket.entries_total is not None:
            left = ticket.entries_total - ticket.entries_used
        return ScanResult(
            result,
            message,
            ticket_code=ticket.code,
            product=product.name,
            places=ticket.places,
            zone=zone.name,
            order_code=order.code if result == UNPAID else None,
            amount_cents=order.total_cents if result == UNPAID else None,
            entries_left=left,
            valid_until=ticket.valid_until,
        )

    if ticket.state == TICKET_REFUNDED or ticket.revoked_at is not None:
        return answer(
            CANCELLED, "Storniert: Dieses Ticket wurde zurückgegeben und gilt nicht mehr."
        )
    allowed = zone_ids_of(ticket.zone_ids) or [ticket.zone_id]
    if zone_id is not None and zone_id not in allowed:
        names = " und ".join(
            f"„{name}“"
            for name in db.scalars(select(Zone.name).where(Zone.id.in_(allowed)).order_by(Zone.id))
        )
        return answer(WRONG_ZONE, f"Falscher Bereich: Dieses Ticket gilt für {names}.")
    if direction == EXIT:
        left = db.execute(
            update(Ticket)
            .where(
                Ticket.id == ticket.id,
                Ticket.checked_in_at.is_not(None),
                Ticket.checked_out_at.is_(None),
            )
            .values(checked_out_at=at)
            .execution_options(synchronize_session=False)
        )
        if getattr(left, "rowcount", 0) != 1:
            return answer(NOT_INSIDE, "Kein Eintritt erfasst oder schon ausgecheckt.")
        return answer(EXITED, "Ausgang erfasst. Auf Wiedersehen!")
    if order.payment_state != payments.PAID:
        return answer(UNPAID, "Noch nicht bezahlt: Bitte an der Kasse bezahlen lassen.")
    if product.kind == COURSE:
        return courses.enter(db, municipality, ticket, product, at, answer, early=EARLY)
    if slot is None:
        return _enter_with_pass(db, municipality, ticket, product, at, answer, zone_id)
    if not slot.starts_at - EARLY <= at <= slot.ends_at:
        return answer(
            NOT_NOW,
            f"Nicht jetzt gültig: Dieses Ticket gilt von {_local(slot.starts_at, municipality)} "
            f"bis {_local(slot.ends_at, municipality)} Uhr.",
        )
    entered = db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.checked_in_at.is_(None))
        .values(checked_in_at=at)
        .execution_options(synchronize_session=False)
    )
    if getattr(entered, "rowcount", 0) != 1:
        db.refresh(ticket)
        when = _local(ticket.checked_in_at, municipality) if ticket.checked_in_at else ""
        return answer(USED, f"Schon benutzt: Eintritt wurde bereits {when} Uhr erfasst.")
    persons = "Person" if ticket.places == 1 else "Personen"
    ages = age_band(product.age_min, product.age_max)
    if ages:
        # Like the reduced-price proof: admitted, and the person at the gate checks.
        proof = " und den Nachweis" if product.proof_required else ""
        return answer(
            PROOF,
            f"Gültig – Alter prüfen ({ages}){proof}. {product.name}, {ticket.places} {persons}.",
        )
    if product.proof_required:
        return answer(
            PROOF,
            f"Gültig – ermäßigt: Bitte den Nachweis prüfen. {product.name}, "
            f"{ticket.places} {persons}.",
        )
    return answer(OK, f"Gültig: {product.name}, {ticket.places} {persons}. Willkommen!")


def _day(moment: datetime, municipality: Municipality) -> str:
    return moment.astimezone(ZoneInfo(municipality.timezone)).strftime("%d.%m.%Y")


def _last_day(ticket: Ticket, municipality: Municipality) -> str:
    """The last day a multi-use ticket is valid (`valid_until` is the midnight after it)."""
    assert ticket.valid_until is not None
    return _day(ticket.valid_until - timedelta(seconds=1), municipality)


def _enter_with_pass(
    db: Session,
    municipality: Municipality,
    ticket: Ticket,
    product: Product,
    at: datetime,
    answer: Callable[[str, str], ScanResult],
    zone_id: int | None = None,
) -> ScanResult:
    """An entry with a punch card or period ticket: valid now, entries left, not inside
    already, not twice a day when it allows one entry a day. The entry is counted by a
    compare-and-set on `entries_used`, so two gates scanning the card at once count once.
    A card for several zones counts in the occupancy of the zone it entered (`zone_id`)."""
    if ticket.valid_from is None or ticket.valid_until is None:
        return answer(NOT_NOW, "Nicht jetzt gültig: Diese Karte hat keinen Gültigkeitszeitraum.")
    if at < ticket.valid_from:
        return answer(
            NOT_NOW,
            f"Noch nicht gültig: Diese Karte gilt ab {_day(ticket.valid_from, municipality)}.",
        )
    if at >= ticket.valid_until:
        return answer(
            EXPIRED, f"Abgelaufen: Diese Karte galt bis {_last_day(ticket, municipality)}."
        )
    total = ticket.entries_total
    if total is not None and ticket.entries_used >= total:
        return answer(USED_UP, f"Aufgebraucht: Alle {total} Eintritte dieser Karte sind genutzt.")
    last = ticket.checked_in_at
    if (
        last is not None
        and ticket.one_per_day
        and _day(last, municipality) == _day(at, municipality)
    ):
        return answer(
            USED,
            "Heute schon benutzt: Diese Karte gilt für einen Eintritt je Tag; "
            f"heute eingelassen um {_local(last, municipality)[-5:]} Uhr.",
        )
    # Inside: an entry without exit within a visit's time, before or after this scan (an
    # offline scan uploaded late, or a scan that began just before another gate's entry).
    if last is not None and ticket.checked_out_at is None and abs(at - last) < PASS_VISIT:
        return answer(
            USED,
            f"Schon eingelassen: Eintritt um {_local(last, municipality)[-5:]} Uhr erfasst, "
            "noch kein Ausgang.",
        )
    seen = ticket.entries_used
    condition = [Ticket.id == ticket.id, Ticket.entries_used == seen]
    if total is not None:
        condition.append(Ticket.entries_used < total)
    entered = db.execute(
        update(Ticket)
        .where(*condition)
        .values(
            entries_used=seen + 1,
            checked_in_at=at,
            checked_out_at=None,
            zone_id=zone_id if zone_id is not None else ticket.zone_id,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(entered, "rowcount", 0) != 1:
        return answer(
            USED, "Schon benutzt: Diese Karte wurde gerade an einem anderen Einlass erfasst."
        )
    db.refresh(ticket)
    if total is not None:
        left = total - ticket.entries_used
        state = (
            f"noch {left} von {total} Eintritten"
            if left
            else f"das war der letzte von {total} Eintritten"
        )
        state += f", gültig bis {_last_day(ticket, municipality)}"
    else:
        days = (ticket.valid_until - at).days
        state = (
            f"gültig bis {_last_day(ticket, municipality)} (noch {days} Tage)"
            if days
            else (f"gültig bis heute, {_last_day(ticket, municipality)}")
        )
    if product.proof_required:
        return answer(
            PROOF, f"Gültig – ermäßigt: Bitte den Nachweis prüfen. {product.name}, {state}."
        )
    return answer(OK, f"Gültig: {product.name}, {state}. Willkommen!")


def _log(
    db: Session,
    ticket_id: int | None,
    direction: str,
    result: ScanResult,
    nonce: str | None,
    zone_id: int | None,
    at: datetime,
    actor: str,
) -> None:
    entry = Scan(
        ticket_id=ticket_id,
        direction=direction,
        result=result.result,
        nonce=nonce or None,
        zone_id=zone_id,
        scanned_at=at,
        actor=actor,
    )
    try:
        with db.begin_nested():
            db.add(entry)
    except IntegrityError:
        pass  # the same nonce raced in from a retry: the first one's entry stands


def _again(db: Session, municipality: Municipality, earlier: Scan) -> ScanResult:
    """The answer to a retried scan (same nonce): what the first one said, changing nothing."""
    ticket = db.get(Ticket, earlier.ticket_id) if earlier.ticket_id else None
    code = ticket.code if ticket else None
    messages = {
        OK: "Gültig (Wiederholung): Eintritt wurde schon erfasst.",
        PROOF: "Gültig – ermäßigt (Wiederholung): Bitte den Nachweis prüfen.",
        EXITED: "Ausgang erfasst (Wiederholung).",
    }
    return ScanResult(
        earlier.result,
        messages.get(earlier.result, "Wiederholung eines Scans: Ergebnis wie zuvor."),
        ticket_code=code,
    )
