"""The leisure API: facilities with their live occupancy, slots and tickets (public), booking
for partners such as the city app (`tickets:book`), and the scan interface for gate devices
and staff phones (`tickets:scan`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.http.deps import ContextDep, IdPath, TenantDbDep, public, requires
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_
from smartcity.leisure import booking, facilities, partners, scans, tickets
from smartcity.leisure.models import Order
from smartcity.leisure.occupancy import occupancy
from smartcity.leisure.permissions import TICKETS_BOOK, TICKETS_SCAN
from smartcity.leisure.schemas import (
    BookedTicketOut,
    BookingIn,
    BookingLinks,
    BookingOut,
    FacilityOut,
    ProductOut,
    RevokedOut,
    ScanIn,
    ScanOut,
    SlotOut,
    ZoneOut,
)

router = APIRouter(prefix="/{municipality}/api/v1/leisure", tags=["tickets"])


def _utc(moment: datetime | None) -> datetime | None:
    """A time from a client; without an offset it is taken as UTC."""
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            "Diese Zeit liegt außerhalb des darstellbaren Bereichs.", errors={"time": "range"}
        ) from None


@router.get("/facilities", dependencies=[Depends(public)])
def list_facilities(db: TenantDbDep) -> list[FacilityOut]:
    """The facilities with each zone's live occupancy (entries minus exits)."""
    return [
        FacilityOut(
            id=f.id,
            slug=f.slug,
            name=f.name,
            kind=f.kind,
            address=f.address,
            zones=[
                ZoneOut(
                    id=z.zone_id, name=z.zone, capacity=z.capacity, inside=z.inside, free=z.free
                )
                for z in occupancy(db, f)
            ],
        )
        for f in facilities.facilities(db)
    ]


@router.get("/facilities/{facility_id}/slots", dependencies=[Depends(public)])
def list_slots(
    context: ContextDep, facility_id: IdPath, day: Annotated[date | None, Query()] = None
) -> list[SlotOut]:
    """A day's slots with their free places (today when no day is given)."""
    facility = facilities.facility(context.db, facility_id)
    # Expired carts give their places back before the free places are shown.
    booking.release_expired(context.db)
    zone = context.municipality.timezone
    shown = day or datetime.now(ZoneInfo(zone)).date()
    if abs((shown - datetime.now(ZoneInfo(zone)).date()).days) > 5 * 366:
        raise InvalidInput(
            "Zeitfenster gibt es nur für die Tage der nächsten fünf Jahre.", errors={"day": "range"}
        )
    return [
        SlotOut(
            id=s.id,
            zone_id=s.zone_id,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            capacity=s.capacity,
            free=booking.free_places(s),
            free_with_voucher=booking.voucher_places(s),
            closed=s.closed,
        )
        for s in facilities.slots_on(context.db, facility, shown, zone)
    ]


@router.post("/scans", dependencies=[Depends(requires(TICKETS_SCAN))])
def scan(context: ContextDep, body: ScanIn) -> ScanOut:
    """Check a ticket in (`entry`) or out (`exit`). Always 200 with a `result` and a message
    for the person at the gate; `admitted` says whether to open the gate."""
    scanned_at = _utc(body.scanned_at)
    if scanned_at is not None and scanned_at > utcnow() + timedelta(minutes=5):
        raise InvalidInput(
            "Die Zeit des Scans liegt in der Zukunft; bitte die Uhr des Geräts prüfen.",
            errors={"scanned_at": "future"},
        )
    found = scans.scan(
        context.db,
        context.municipality,
        body.code,
        direction=body.direction,
        zone_id=body.zone_id,
        nonce=body.nonce,
        scanned_at=scanned_at,
        actor=context.actor,
    )
    return ScanOut(
        result=found.result,
        admitted=found.admitted,
        message=found.message,
        ticket=found.ticket_code,
        product=found.product,
        places=found.places,
        zone=found.zone,
        entries_left=found.entries_left,
        valid_until=found.valid_until,
    )


@router.get("/revoked", dependencies=[Depends(requires(TICKETS_SCAN))])
def revoked(context: ContextDep, since: Annotated[datetime | None, Query()] = None) -> RevokedOut:
    """Codes of tickets revoked since `since` (default: the last 30 days), for gates that
    check signatures offline."""
    start = _utc(since) or utcnow() - timedelta(days=30)
    return RevokedOut(since=start, codes=booking.revoked_codes(context.db, start))


@router.get("/facilities/{facility_id}/products", dependencies=[Depends(public)])
def list_products(db: TenantDbDep, facility_id: IdPath) -> list[ProductOut]:
    """The tickets a slot of the facility can be booked with, and their prices."""
    facility = facilities.facility(db, facility_id)
    return [
        ProductOut(
            id=p.id,
            name=p.name,
            kind=p.kind,
            places=p.places,
            price_cents=p.price_cents,
            proof_required=p.proof_required,
            age_min=p.age_min,
            age_max=p.age_max,
            min_places=p.min_places,
            max_places=p.max_places,
        )
        for p in facilities.slot_products(db, facility.id)
    ]


IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=64,
        pattern="^[A-Za-z0-9._:-]+$",
        description="The client's id of this booking: a retry with the same key books once "
        "and answers with the first attempt's booking",
    ),
]


@router.post(
    "/bookings",
    status_code=201,
    dependencies=[Depends(requires(TICKETS_BOOK))],
    responses={
        200: {
            "model": BookingOut,
            "description": "A retry: the booking the first request with this Idempotency-Key "
            "made (nothing booked again)",
        }
    },
)
def create_booking(
    context: ContextDep, body: BookingIn, key: IdempotencyKey, response: Response
) -> BookingOut:
    """Book tickets of a slot for a buyer: the places are held and booked at once (the
    portal's zero-oversell booking). 201 with the booking and its tickets; a retry with the
    same Idempotency-Key answers 200 with the same booking. 409 when fewer places are free
    than asked for (the message says how many), 422 for wrong tickets or a wrong address."""
    quantities: dict[int, int] = {}
    for item in body.tickets:
        quantities[item.product_id] = quantities.get(item.product_id, 0) + item.count
    order, created = partners.book(
        context.db,
        context.municipality,
        partners.PartnerBooking(
            body.slot_id,
            quantities,
            body.email.strip(),
            body.language,
            body.voucher_code,
            body.ages_confirmed,
        ),
        key=key,
        actor=context.actor,
        secret=context.platform.settings.require_secret_key(),
        public_url=context.platform.settings.effective_public_url,
    )
    if not created:
        response.status_code = 200
    return _booking_out(context.db, context.municipality, order, context.platform)


@router.get("/bookings/{code}", dependencies=[Depends(requires(TICKETS_BOOK))])
def read_booking(context: ContextDep, code: str) -> BookingOut:
    """A booking with its tickets (token, QR code) and the links to its page, PDF and
    calendar file."""
    order = booking.order_by_code(context.db, code)
    return _booking_out(context.db, context.municipality, order, context.platform)


@router.post("/bookings/{code}/cancel", dependencies=[Depends(requires(TICKETS_BOOK))])
def cancel_booking(context: ContextDep, code: str) -> BookingOut:
    """Cancel a booking until the facility's deadline (`cancel_until`): its tickets are
    revoked, the places free again, a payment refunded. 409 after the deadline or when a
    ticket was used; cancelling twice answers the cancelled booking."""
    order = booking.order_by_code(context.db, code)
    if order.slot_id is None:
        raise NotFound(gettext_("This booking does not exist."))
    booking.cancel(context.db, order, actor=context.actor)
    return _booking_out(context.db, context.municipality, order, context.platform)


def _booking_out(
    db: Session, municipality: Municipality, order: Order, platform: Platform
) -> BookingOut:
    if order.slot_id is None:  # multi-use tickets are bought on the portal, not here
        raise NotFound(gettext_("This booking does not exist."))
    slot = facilities.slot(db, order.slot_id)
    facility = facilities.facility(db, order.facility_id)
    page = platform.settings.effective_public_url + partners.order_path(municipality, order)
    return BookingOut(
        code=order.code,
        state=order.state,
        payment_state=order.payment_state,
        payment_provider=order.payment_provider,
        total_cents=order.total_cents,
        voucher_cents=order.voucher_cents,
        facility_id=order.facility_id,
        slot_id=slot.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        cancel_until=booking.cancel_deadline(db, order, facility, slot),
        tickets=[
            BookedTicketOut(
                code=tickets.shown_code(ticket.code),
                product_id=product.id,
                product=product.name,
                places=ticket.places,
                price_cents=ticket.price_cents,
                state=ticket.state,
                token=ticket.token,
                qr_svg=f"{page}/qr/{ticket.code}.svg",
            )
            for ticket, product in booking.tickets_of(db, order)
        ],
        links=BookingLinks(
            page=page,
            pdf=f"{page}/tickets.pdf",
            pdf_phone=f"{page}/tickets.pdf?format=a6",
            calendar=f"{page}/termin.ics",
        ),
    )
