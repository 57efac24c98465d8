"""A meeting's live stream and recording, the recording's chapters, and members' consent to
be streamed.

The stream (HLS) and the recording are URLs of the city's own streaming server, configured per
meeting; the portal plays them in its own `<video>` element (no player of a third party) and
lets that server's origin, and only it, into the page's content security policy. A chapter is
an agenda item's start (`AgendaItem.start`, recorded in the digital session or entered by the
office) after the recording's time 0; the archive links each item to its time in the recording
(`#t=` media fragments) and serves the chapters as WebVTT.

Consent to be streamed is a consent record of the privacy module (purpose `council.stream`)
under the member's contact address: provable, withdrawable at once. The meeting's page in the
back office names the members of the meeting without consent, so the operator cuts the
stream when they speak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.web.i18n import _
from smartcity.council import invitations
from smartcity.council import services as council
from smartcity.council.models import AgendaItem, Meeting, Person
from smartcity.council.models_office import MeetingMedia, PersonContact
from smartcity.privacy import records
from smartcity.privacy.models import Consent

STREAM_PURPOSE = "council.stream"
CONSENT_WORDING = (
    "Ich willige ein, dass meine Redebeiträge in öffentlichen Sitzungen in Bild und Ton live "
    "übertragen und als Aufzeichnung veröffentlicht werden (Fassung 2026-12)."
)
MAX_OFFSET = timedelta(hours=24)


def media_of(db: Session, meeting_id: int) -> MeetingMedia | None:
    return db.scalar(select(MeetingMedia).where(MeetingMedia.meeting_id == meeting_id))


def _url(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or parts.username
        or parts.password
        or len(value) > 500
        or any(c.isspace() for c in value)
    ):
        raise InvalidInput(
            _("Please check your entries."),
            errors={field: _("Please enter a web address (https://…).")},
        )
    return value


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def origins(media: MeetingMedia | None) -> list[str]:
    if media is None:
        return []
    found = {origin(u) for u in (media.stream_url, media.recording_url) if u}
    return sorted(o for o in found if o)


def save(
    db: Session,
    meeting: Meeting,
    *,
    stream_url: str,
    recording_url: str,
    recording_started_at: datetime | None,
    actor: str,
) -> MeetingMedia:
    stream = _url(stream_url, "stream_url")
    recording = _url(recording_url, "recording_url")
    row = media_of(db, meeting.id)
    if row is None:
        row = MeetingMedia(meeting_id=meeting.id)
        db.add(row)
    before = {
        "stream_url": row.stream_url or "",
        "recording_url": row.recording_url or "",
        "recording_started_at": row.recording_started_at.isoformat()
        if row.recording_started_at
        else None,
    }
    row.stream_url = stream
    row.recording_url = recording
    row.recording_started_at = recording_started_at
    row.modified_at = utcnow()
    db.flush()
    after = {
        "stream_url": stream,
        "recording_url": recording,
        "recording_started_at": recording_started_at.isoformat() if recording_started_at else None,
    }
    if before != after:
        audit.record(
            db,
            actor=actor,
            action="council_meeting.media",
            resource_type="council_meeting",
            resource_id=meeting.id,
            changes=audit.summarize_changes(before, after),
        )
    return row


@dataclass(frozen=True)
class Chapter:
    item: AgendaItem
    seconds: int  # from the recording's start

    @property
    def clock(self) -> str:
        hours, rest = divmod(self.seconds, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def time_zero(meeting: Meeting, media: MeetingMedia | None) -> datetime:
    return (media.recording_started_at if media else None) or meeting.start


def offset(start: datetime | None, zero: datetime) -> int | None:
    """Seconds of `start` after the recording's time 0; None when there is no start or it lies
    outside the recording's first 24 hours (before it began, say)."""
    if start is None:
        return None
    seconds = int((start - zero).total_seconds())
    return seconds if 0 <= seconds <= MAX_OFFSET.total_seconds() else None


def offset_text(item: AgendaItem, zero: datetime) -> str:
    """The item's chapter as the office's form shows it ("h:mm:ss"; "" for none)."""
    seconds = offset(item.start, zero)
    return Chapter(item, seconds).clock if seconds is not None else ""


def chapters(
    db: Session, meeting: Meeting, media: MeetingMedia | None, *, public_only: bool
) -> list[Chapter]:
    """The agenda items with a start in the recording, in their order."""
    statement = select(AgendaItem).where(
        AgendaItem.meeting_id == meeting.id,
        AgendaItem.deleted.is_(False),
        AgendaItem.start.is_not(None),
    )
    if public_only:
        statement = statement.where(AgendaItem.public.is_(True))
    zero = time_zero(meeting, media)
    found = []
    for item in db.scalars(statement.order_by(AgendaItem.order, AgendaItem.id)):
        seconds = offset(item.start, zero)
        if seconds is not None:
            found.append(Chapter(item, seconds))
    return sorted(found, key=lambda c: (c.seconds, c.item.order))


def parse_offset(text: str) -> int | None:
    """Seconds from "h:mm:ss", "mm:ss" or "ss"; None for an empty field."""
    text = text.strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) > 3 or not all(p.isdecimal() and len(p) <= 2 for p in parts):
        raise ValueError(text)
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    if seconds > MAX_OFFSET.total_seconds():
        raise ValueError(text)
    return seconds


def set_chapters(
    db: Session,
    meeting: Meeting,
    media: MeetingMedia | None,
    offsets: dict[int, int | None],
    *,
    actor: str,
) -> None:
    """Set the given agenda items' starts from their offsets after the recording's time 0
    (None: no chapter, the start and end are removed). Only the items in `offsets` change: the
    caller passes just those the office edited, so a new recording start or a time outside the
    recording is never overwritten by a field it did not touch."""
    zero = time_zero(meeting, media)
    items = {
        item.id: item
        for item in db.scalars(
            select(AgendaItem).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.deleted.is_(False)
            )
        )
    }
    for item_id, seconds in offsets.items():
        item = items.get(item_id)
        if item is None:
            continue
        start = zero + timedelta(seconds=seconds) if seconds is not None else None
        if item.start != start:
            values: dict[str, datetime | None] = {"start": start}
            if start is None or (item.end is not None and item.end < start):
                values["end"] = None
            council.change(db, item, values, actor=actor)


def webvtt(found: list[Chapter], length: int | None = None) -> str:
    """The chapters as a WebVTT chapters track; each runs until the next starts."""

    def stamp(seconds: int) -> str:
        hours, rest = divmod(seconds, 3600)
        return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.000"

    lines = ["WEBVTT", ""]
    for index, chapter in enumerate(found):
        end = found[index + 1].seconds if index + 1 < len(found) else None
        if end is None or end <= chapter.seconds:
            end = max(chapter.seconds + 1, length or chapter.seconds + 3600)
        title = " ".join(f"{chapter.item.number} {chapter.item.name}".split())
        lines += [str(index + 1), f"{stamp(chapter.seconds)} --> {stamp(end)}", title, ""]
    return "\n".join(lines)


# ---- consent to be streamed ----------------------------------------------------------------


def consents(db: Session, persons: list[Person]) -> dict[int, bool]:
    """Whether each person has consented (and not withdrawn) to be streamed (one query for
    all; the same rule as `privacy.records.consented`)."""
    addresses = dict(
        db.execute(
            select(PersonContact.person_id, PersonContact.email).where(
                PersonContact.person_id.in_([p.id for p in persons])
            )
        ).all()
    )
    wanted = {email.strip().lower() for email in addresses.values() if email}
    active = (
        set(
            db.scalars(
                select(func.lower(Consent.email)).where(
                    Consent.purpose == STREAM_PURPOSE,
                    Consent.withdrawn_at.is_(None),
                    func.lower(Consent.email).in_(wanted),
                )
            )
        )
        if wanted
        else set()
    )
    return {p.id: addresses.get(p.id, "").strip().lower() in active for p in persons}


def set_consent(db: Session, person: Person, given: bool, *, actor: str) -> None:
    """Record the member's consent (given on paper to the office) or its withdrawal."""
    email = invitations.contact_of(db, person.id)
    if not email and not given:
        return
    if not email:
        raise InvalidInput(
            _("Please check your entries."),
            errors={"email": _("A consent is recorded under the member's e-mail address.")},
        )
    had = records.consented(db, STREAM_PURPOSE, email)
    if given == had:
        return
    if given:
        records.give(db, STREAM_PURPOSE, email, CONSENT_WORDING)
    else:
        records.withdraw(db, STREAM_PURPOSE, email)
    audit.record(
        db,
        actor=actor,
        action="council_person.stream_consent",
        resource_type="council_person",
        resource_id=person.id,
        changes={"consent": {"old": had, "new": given}},
    )


def set_contact_and_consent(
    db: Session, person: Person, email: str, given: bool, *, actor: str
) -> None:
    """The office's contact form: the member's address and consent, checked as a whole before
    anything changes (a refused form changes nothing). A withdrawal is recorded under the
    address the consent was given under, before that address changes or is removed."""
    email = invitations.address(email)
    if given and not email:
        raise InvalidInput(
            _("Please check your entries."),
            errors={"email": _("A consent is recorded under the member's e-mail address.")},
        )
    if not given:
        set_consent(db, person, False, actor=actor)
    invitations.set_contact(db, person, email, actor=actor)
    set_consent(db, person, given, actor=actor)


def without_consent(db: Session, meeting: Meeting, zone: ZoneInfo) -> list[Person]:
    """The members of the meeting who have not consented to be streamed."""
    persons = invitations.members(db, meeting, zone)
    given = consents(db, persons)
    return [p for p in persons if not given[p.id]]
