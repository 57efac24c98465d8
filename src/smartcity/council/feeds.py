"""The council's meetings as iCalendar (RFC 5545): the feeds on the portal per Body, per
organization (a committee, a faction) and per person (the meetings of that person's
organizations while a member), and the event an invitation carries. Every meeting is one
event with a stable UID, so a calendar that subscribed or imported an invitation updates it
(a cancellation arrives as STATUS:CANCELLED)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.tenancy.models import Municipality
from smartcity.council.models import (
    CouncilLocation,
    Meeting,
    MeetingOrganization,
    Membership,
)

# How far back the feeds reach (the future: all).
FEED_PAST = timedelta(days=365)
DEFAULT_LENGTH = timedelta(hours=2)


def uid_of(meeting: Meeting, municipality: Municipality) -> str:
    return f"council-meeting-{meeting.id}@{municipality.slug}"


def _place(location: CouncilLocation) -> str:
    parts = [location.description, location.street_address]
    town = f"{location.postal_code} {location.locality}".strip()
    return ", ".join(p for p in (*parts, town) if p)


def event_of(
    meeting: Meeting,
    municipality: Municipality,
    *,
    page_url: str,
    location: CouncilLocation | None,
    description: str = "",
    sequence: int = 0,
) -> Event:
    event = Event()
    event.add("uid", uid_of(meeting, municipality))
    event.add("summary", meeting.name)
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.end or meeting.start + DEFAULT_LENGTH)
    event.add("dtstamp", meeting.modified_at)
    event.add("last-modified", meeting.modified_at)
    event.add("url", page_url)
    event.add("sequence", sequence)
    if location is not None:
        event.add("location", _place(location))
        if location.latitude is not None and location.longitude is not None:
            event.add("geo", (location.latitude, location.longitude))
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    return event


def calendar(name: str, *, method: str | None = None) -> Calendar:
    ics = Calendar()
    ics.add("prodid", "-//smartcity//council//DE")
    ics.add("version", "2.0")
    if method:
        ics.add("method", method)
    ics.add("x-wr-calname", name)
    return ics


def feed(
    db: Session, municipality: Municipality, name: str, meetings: Iterable[Meeting], base: str
) -> bytes:
    """`base`: the portal's council URL (`…/{m}/ratsinfo`)."""
    places = {
        p.id: p
        for p in db.scalars(select(CouncilLocation).where(CouncilLocation.deleted.is_(False)))
    }
    ics = calendar(name)
    for meeting in meetings:
        ics.add_component(
            event_of(
                meeting,
                municipality,
                page_url=f"{base}/sitzungen/{meeting.id}",
                location=places.get(meeting.location_id or 0),
            )
        )
    data: bytes = ics.to_ical()
    return data


def _recent() -> datetime:
    return utcnow() - FEED_PAST


def body_meetings(db: Session) -> list[Meeting]:
    return list(
        db.scalars(
            select(Meeting)
            .where(Meeting.deleted.is_(False), Meeting.start >= _recent())
            .order_by(Meeting.start)
        )
    )


def organization_meetings(db: Session, organization_id: int) -> list[Meeting]:
    return list(
        db.scalars(
            select(Meeting)
            .join(MeetingOrganization, MeetingOrganization.meeting_id == Meeting.id)
            .where(
                MeetingOrganization.organization_id == organization_id,
                Meeting.deleted.is_(False),
                Meeting.start >= _recent(),
            )
            .order_by(Meeting.start)
        )
    )


def _during(membership: Membership, day: date) -> bool:
    return (membership.start_date is None or membership.start_date <= day) and (
        membership.end_date is None or day <= membership.end_date
    )


def person_meetings(db: Session, person_id: int, municipality: Municipality) -> list[Meeting]:
    """The meetings of the organizations the person belongs to, on the days they belonged."""
    memberships = list(
        db.scalars(
            select(Membership).where(
                Membership.person_id == person_id, Membership.deleted.is_(False)
            )
        )
    )
    by_organization: dict[int, list[Membership]] = {}
    for membership in memberships:
        by_organization.setdefault(membership.organization_id, []).append(membership)
    if not by_organization:
        return []
    zone = ZoneInfo(municipality.timezone)
    found: dict[int, Meeting] = {}
    for meeting, organization_id in db.execute(
        select(Meeting, MeetingOrganization.organization_id)
        .join(MeetingOrganization, MeetingOrganization.meeting_id == Meeting.id)
        .where(
            MeetingOrganization.organization_id.in_(by_organization),
            Meeting.deleted.is_(False),
            Meeting.start >= _recent(),
        )
    ).tuples():
        day = meeting.start.astimezone(zone).date()
        if any(_during(m, day) for m in by_organization[organization_id]):
            found[meeting.id] = meeting
    return sorted(found.values(), key=lambda m: (m.start, m.id))
