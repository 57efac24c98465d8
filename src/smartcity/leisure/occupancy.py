"""Who is inside each zone of a facility now: checked in and not out, within their slot (a
course ticket: until the end of the course date admitted at; a multi-use ticket: within a
visit's length of the entry). Read by the portal, the API,
the open data and the zones' Datastreams (`occupancy_streams`); written by `scans`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.leisure.models import CourseDate, Facility, Slot, Ticket, Zone

# A multi-use visitor who does not scan out counts as inside for this long.
PASS_VISIT = timedelta(hours=4)


@dataclass(frozen=True)
class Occupancy:
    zone_id: int
    zone: str
    capacity: int
    inside: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.inside, 0)


def admitted_date_ends() -> ColumnElement[Any]:
    """The end of the course date a course ticket was last admitted at: the first date of its
    course that ends at or after the entry (the gate admits only until a date's end); NULL for
    other tickets."""
    return (
        select(func.min(CourseDate.ends_at))
        .where(
            CourseDate.product_id == Ticket.product_id,
            CourseDate.ends_at >= Ticket.checked_in_at,
        )
        .correlate(Ticket)
        .scalar_subquery()
    )


def is_course_ticket() -> ColumnElement[bool]:
    """A ticket without a slot whose product has course dates."""
    return exists().where(CourseDate.product_id == Ticket.product_id)


def inside_now(now: datetime) -> list[Any]:
    """Who counts as inside now: checked in and not out, within their slot, a course ticket
    until its date ends, a multi-use ticket a visit's length after the entry."""
    return [
        Ticket.checked_in_at.is_not(None),
        Ticket.checked_out_at.is_(None),
        or_(
            Slot.ends_at > now,
            and_(Ticket.slot_id.is_(None), admitted_date_ends() > now),
            and_(
                Ticket.slot_id.is_(None),
                ~is_course_ticket(),
                Ticket.checked_in_at > now - PASS_VISIT,
            ),
        ),
    ]


def inside_zone(db: Session, zone_id: int, now: datetime | None = None) -> int:
    """People in one zone now: the one count a scan makes (an index on the zone's tickets
    that are in, `ix_leisure_ticket_inside`)."""
    total = db.scalar(
        select(func.coalesce(func.sum(Ticket.places), 0))
        .outerjoin(Slot, Slot.id == Ticket.slot_id)
        .where(Ticket.zone_id == zone_id, *inside_now(now or utcnow()))
    )
    return int(total or 0)


def occupancy(db: Session, facility: Facility, now: datetime | None = None) -> list[Occupancy]:
    """People in each zone now: the places of tickets checked in and not out, of slots that
    have not ended (a visitor who never scans out stops counting when the slot ends) — a course
    ticket until its date ends, a multi-use ticket for `PASS_VISIT` hours after the entry."""
    now = now or utcnow()
    inside: dict[int, int] = {
        zone_id: int(total)
        for zone_id, total in db.execute(
            select(Ticket.zone_id, func.coalesce(func.sum(Ticket.places), 0))
            .join(Zone, Zone.id == Ticket.zone_id)
            .outerjoin(Slot, Slot.id == Ticket.slot_id)
            .where(Zone.facility_id == facility.id, *inside_now(now))
            .group_by(Ticket.zone_id)
        )
    }
    zones = db.scalars(select(Zone).where(Zone.facility_id == facility.id).order_by(Zone.id))
    return [Occupancy(z.id, z.name, z.capacity, int(inside.get(z.id, 0))) for z in zones]
