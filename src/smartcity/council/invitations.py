"""Invitations: the council office sends a meeting's invitation to the members of the
organizations that meet, each an e-mail (through the platform's outbox, so it goes out if and
only if the sending committed) with the meeting as an iCalendar event. Who was invited and
when is recorded; a second sending (a changed time, a cancellation) carries a higher SEQUENCE,
so calendars update the event they have.

Members are reached at the contact address the office keeps for them (`PersonContact`, never
published); a member without one is listed so the office can invite them another way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.mail.services import Attachment, queue_mail
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import _
from smartcity.council import feeds
from smartcity.council import services as council
from smartcity.council.models import (
    AgendaItem,
    CouncilLocation,
    Meeting,
    MeetingOrganization,
    Membership,
    Person,
)
from smartcity.council.models_office import Invitation, PersonContact

ICS_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


@dataclass(frozen=True)
class Recipient:
    person: Person
    email: str  # "" when the office has no address
    invited_at: datetime | None  # the last invitation to this meeting


def contact_of(db: Session, person_id: int) -> str:
    return db.scalar(select(PersonContact.email).where(PersonContact.person_id == person_id)) or ""


def address(email: str) -> str:
    """A contact address as entered, trimmed ("" for none); InvalidInput if it is none."""
    email = email.strip()
    if email and ("@" not in email or len(email) > 320 or any(c.isspace() for c in email)):
        raise InvalidInput(
            _("Please enter an e-mail address."),
            errors={"email": _("Please enter an e-mail address.")},
        )
    return email


def set_contact(db: Session, person: Person, email: str, *, actor: str) -> None:
    """The member's contact address (an empty one removes it); audited without the address."""
    email = address(email)
    row = db.scalar(select(PersonContact).where(PersonContact.person_id == person.id))
    if row is None:
        if not email:
            return
        row = PersonContact(person_id=person.id, email=email)
        db.add(row)
    elif row.email == email:
        return
    else:
        row.email = email
        row.modified_at = utcnow()
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="council_person.contact",
        resource_type="council_person",
        resource_id=person.id,
        changes={"email": "set" if email else "removed"},
    )


def members(db: Session, meeting: Meeting, zone: ZoneInfo) -> list[Person]:
    """The members of the meeting's organizations on the meeting's day (each once)."""
    day = meeting.start.astimezone(zone).date()
    rows = db.scalars(
        select(Membership)
        .join(
            MeetingOrganization,
            MeetingOrganization.organization_id == Membership.organization_id,
        )
        .where(MeetingOrganization.meeting_id == meeting.id, Membership.deleted.is_(False))
    )
    person_ids = {
        m.person_id
        for m in rows
        if (m.start_date is None or m.start_date <= day)
        and (m.end_date is None or day <= m.end_date)
    }
    if not person_ids:
        return []
    return list(
        db.scalars(
            select(Person)
            .where(Person.id.in_(person_ids), Person.deleted.is_(False))
            .order_by(Person.family_name, Person.name)
        )
    )


def recipients(db: Session, meeting: Meeting, zone: ZoneInfo) -> list[Recipient]:
    persons = members(db, meeting, zone)
    ids = [p.id for p in persons]
    addresses = dict(
        db.execute(
            select(PersonContact.person_id, PersonContact.email).where(
                PersonContact.person_id.in_(ids)
            )
        ).all()
    )
    last = dict(
        db.execute(
            select(Invitation.person_id, func.max(Invitation.sent_at))
            .where(Invitation.meeting_id == meeting.id)
            .group_by(Invitation.person_id)
        ).all()
    )
    return [Recipient(p, addresses.get(p.id, ""), last.get(p.id)) for p in persons]


def sent(db: Session, meeting: Meeting) -> list[tuple[Invitation, Person]]:
    return list(
        db.execute(
            select(Invitation, Person)
            .join(Person, Person.id == Invitation.person_id)
            .where(Invitation.meeting_id == meeting.id)
            .order_by(Invitation.sent_at.desc(), Person.family_name)
        ).all()
    )


def _agenda_text(db: Session, meeting: Meeting) -> str:
    items = list(
        db.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id, AgendaItem.deleted.is_(False))
            .order_by(AgendaItem.order, AgendaItem.id)
        )
    )
    lines = [f"{i.number} {i.name}".strip() for i in items if i.public]
    hidden = sum(1 for i in items if not i.public)
    if hidden:
        lines.append(
            f"Nicht öffentlicher Teil: {hidden} Tagesordnungspunkt(e), "
            "siehe Ratsinformationssystem (Anmeldung)."
        )
    return "\n".join(lines)


def send(
    db: Session,
    meeting: Meeting,
    municipality: Municipality,
    *,
    portal_url: str,
    actor: str,
    now: datetime | None = None,
) -> int:
    """Queue the invitation (or, for a cancelled meeting, the cancellation) to every member
    with a contact address; returns how many were sent. `portal_url`: `…/{m}/ratsinfo`."""
    now = now or utcnow()
    if meeting.deleted:
        raise NotFound(_("There is no such meeting."))
    if (meeting.end or meeting.start) < now:
        raise InvalidInput(_("This meeting is over; invitations can no longer be sent."))
    zone = ZoneInfo(municipality.timezone)
    chosen = [r for r in recipients(db, meeting, zone) if r.email]
    if not chosen:
        raise InvalidInput(
            _("No member of this meeting's organizations has an e-mail address on record.")
        )
    sequence = (
        db.scalar(select(func.max(Invitation.sequence)).where(Invitation.meeting_id == meeting.id))
        or 0
    ) + 1
    place = (
        db.get(CouncilLocation, meeting.location_id) if meeting.location_id is not None else None
    )
    page = f"{portal_url}/sitzungen/{meeting.id}"
    agenda = _agenda_text(db, meeting)
    ics = feeds.calendar(f"Ratsinformationen {municipality.name}", method="PUBLISH")
    ics.add_component(
        feeds.event_of(
            meeting,
            municipality,
            page_url=page,
            location=place,
            description=agenda,
            sequence=sequence,
        )
    )
    attachment = Attachment("einladung.ics", ICS_TYPE, ics.to_ical())
    local = meeting.start.astimezone(zone)
    where = place.description if place is not None else ""
    if meeting.cancelled:
        subject = f"Absage: {meeting.name} am {local:%d.%m.%Y}"
        opening = f"die Sitzung „{meeting.name}“ am {local:%d.%m.%Y um %H:%M} Uhr fällt aus."
    else:
        subject = f"Einladung: {meeting.name} am {local:%d.%m.%Y}"
        opening = (
            f"hiermit lade ich Sie zur Sitzung „{meeting.name}“ am {local:%d.%m.%Y um %H:%M} Uhr"
            + (f" ({where})" if where else "")
            + " ein."
        )
    for recipient in chosen:
        person = recipient.person
        greeting = (
            f"Guten Tag {person.form_of_address} {person.family_name or person.name},"
            if person.form_of_address
            else f"Guten Tag {person.name},"
        )
        body = "\n\n".join(
            part
            for part in (
                greeting,
                opening,
                f"Tagesordnung:\n{agenda}" if agenda and not meeting.cancelled else "",
                f"Sitzung, Vorlagen und Unterlagen: {page}",
                "Der Termin ist als Kalendereintrag (einladung.ics) angehängt.",
                f"Mit freundlichen Grüßen\nRatsbüro {municipality.name}",
            )
            if part
        )
        queue_mail(db, to=recipient.email, subject=subject, body=body, attachments=[attachment])
        db.add(
            Invitation(
                meeting_id=meeting.id,
                person_id=recipient.person.id,
                sequence=sequence,
                sent_at=now,
                sent_by=actor,
            )
        )
    if meeting.meeting_state == "terminiert" and not meeting.cancelled:
        council.change(db, meeting, {"meeting_state": "eingeladen"}, actor=actor)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="council_meeting.invite",
        resource_type="council_meeting",
        resource_id=meeting.id,
        changes={"recipients": len(chosen), "sequence": sequence, "cancelled": meeting.cancelled},
    )
    return len(chosen)
