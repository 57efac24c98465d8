"""What the council suggests for the city's channel: its public meetings of the next three
weeks, as events. Nothing is published without a publisher."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.modules import ChannelProposal
from smartcity.council.models import CouncilLocation, Meeting

AHEAD = timedelta(days=21)


def upcoming_meetings(db: Session) -> list[ChannelProposal]:
    now = utcnow()
    found = db.execute(
        select(Meeting, CouncilLocation)
        .outerjoin(CouncilLocation, CouncilLocation.id == Meeting.location_id)
        .where(
            Meeting.deleted.is_(False),
            Meeting.cancelled.is_(False),
            Meeting.start >= now,
            Meeting.start <= now + AHEAD,
        )
        .order_by(Meeting.start)
    )
    return [
        ChannelProposal(
            # A meeting moved to another day is a new occasion.
            key=f"sitzung-{meeting.id}-{meeting.start:%Y%m%d%H%M}",
            kind="event",
            title=meeting.name,
            teaser="Öffentliche Sitzung; Tagesordnung und Vorlagen in den Ratsinformationen.",
            starts_at=meeting.start,
            ends_at=meeting.end,
            location=place.description if place else "",
        )
        for meeting, place in found
    ]
