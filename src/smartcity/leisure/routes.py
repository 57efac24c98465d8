"""The leisure API: facilities with their live occupancy and slots (public), and the scan
interface for gate devices and staff phones (`tickets:scan`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.http.deps import ContextDep, IdPath, TenantDbDep, public, requires
from smartcity.leisure import booking, facilities, scans
from smartcity.leisure.occupancy import occupancy
from smartcity.leisure.permissions import TICKETS_SCAN
from smartcity.leisure.schemas import (
    FacilityOut,
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
