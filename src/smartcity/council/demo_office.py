"""Demo data of the council office's services: members' contact addresses (at the reserved
`.example` domain) with most of them consenting to be streamed, and one held meeting with a
stream, a recording and chapters. The stream and recording addresses stand for the city's own
streaming server; `.example` never resolves, so the demo makes no request to anyone."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.council import invitations, media
from smartcity.council.models import AgendaItem, Meeting, Person

STREAM_HOST = "https://stream.radebeul.example"


def _address(person: Person) -> str:
    plain = unicodedata.normalize("NFKD", f"{person.given_name}.{person.family_name}")
    local = "".join(c for c in plain if c.isascii() and (c.isalnum() or c == ".")).lower()
    return f"{local}@rat.radebeul.example"


def seed_office(
    db: Session, persons: list[Person], meetings: list[Meeting], now: datetime
) -> Meeting | None:
    """Contacts and consents for the persons; stream and chapters for the last held meeting
    (returned)."""
    actor = "demo"
    for index, person in enumerate(persons):
        invitations.set_contact(db, person, _address(person), actor=actor)
        if index % 10 != 9:  # three members have not consented
            media.set_consent(db, person, True, actor=actor)
    held = [m for m in meetings if (m.end or m.start) < now]
    if not held:
        return None
    meeting = held[-1]
    found = media.save(
        db,
        meeting,
        stream_url=f"{STREAM_HOST}/live/sitzung-{meeting.id}/index.m3u8",
        recording_url=f"{STREAM_HOST}/archiv/sitzung-{meeting.id}.mp4",
        recording_started_at=meeting.start - timedelta(minutes=5),
        actor=actor,
    )
    items = db.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id, AgendaItem.public.is_(True))
        .order_by(AgendaItem.order)
    ).all()
    # Opening after 5 minutes, then each item about 25 minutes.
    offsets = {item.id: 300 + 1500 * index for index, item in enumerate(items)}
    media.set_chapters(db, meeting, found, dict(offsets), actor=actor)
    return meeting
