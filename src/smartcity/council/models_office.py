"""What the council office keeps beyond the OParl objects: a member's contact address (for
invitations; never published), the invitations sent, and a meeting's stream and recording.

Chapters of a recording are the agenda items' start times (`AgendaItem.start`), recorded in
the digital session or entered by the office; consent to be streamed is a consent record of
the privacy module (purpose `council.stream`) under the member's contact address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class PersonContact(TenantOwned, Base):
    """Where the council office reaches a member: not public, not in OParl."""

    __tablename__ = "council_person_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("council_person.id", ondelete="CASCADE"), unique=True
    )
    email: Mapped[str] = mapped_column(String(320), default="")
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invitation(TenantOwned, Base):
    """An invitation to a meeting sent to a member (by e-mail with an iCalendar event)."""

    __tablename__ = "council_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("council_person.id", ondelete="CASCADE"))
    # The how-many-th sending for this meeting (the iCalendar SEQUENCE: a later one updates).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by: Mapped[str] = mapped_column(String(100))


class MeetingMedia(TenantOwned, Base):
    """A meeting's live stream (HLS) and its recording, played by the portal's own player."""

    __tablename__ = "council_meeting_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("council_meeting.id", ondelete="CASCADE"), unique=True
    )
    stream_url: Mapped[str] = mapped_column(String(500), default="")
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    # Where the recording's time 0 is; chapters are the agenda items' starts after it.
    recording_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
