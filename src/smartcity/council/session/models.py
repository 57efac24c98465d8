"""The tables of the digital session (migration `council0002_digital_session`).

- `council_session`: one per meeting that is run digitally: open or closed, the agenda item in
  progress (each item's own `start` and `end` are the times it was dealt with), the video
  room's address.
- `council_person_account`: which staff account a council member uses to check in and vote.
- `council_attendance`: one row per stay of a member in the session (arrival, leaving);
  at most one open stay per member and meeting (a partial unique index), so a repeated
  check-in from a second device or after a reconnect is the same stay.
- `council_speaker_request`: the speakers' list of an agenda item (points of order first).
- `council_ballot` and `council_vote`: electronic votes; one vote per member and ballot (a
  unique constraint: of two devices racing, exactly one vote counts), at most one open ballot
  per meeting (a partial unique index).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned

SESSION_STATES = ("open", "closed")
SPEAKER_STATES = ("waiting", "speaking", "done", "withdrawn")
CHOICES = ("yes", "no", "abstain", "biased")
# What a closed ballot decided (OParl's `result` of the agenda item is free text; these are
# the words German council information systems use).
ADOPTED = "angenommen"
REJECTED = "abgelehnt"

_OPEN_STAY = text("left_at IS NULL")
_WAITING = text("state = 'waiting'")
_OPEN_BALLOT = text("state = 'open'")


class CouncilSession(TenantOwned, Base):
    __tablename__ = "council_session"
    __table_args__ = (UniqueConstraint("meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_agenda_item.id", ondelete="SET NULL"), default=None
    )
    # The video conference (BigBlueButton, Jitsi) the councillors meet in; shown to them only.
    room_url: Mapped[str] = mapped_column(String(500), default="")


class PersonAccount(TenantOwned, Base):
    """The staff account a council member signs in with to take part in digital sessions."""

    __tablename__ = "council_person_account"
    __table_args__ = (
        UniqueConstraint("person_id"),
        UniqueConstraint("municipality_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("council_person.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(TenantOwned, Base):
    """A member's stay in a session: from check-in to check-out (open while `left_at` is
    empty). Recorded by the member from their device or by the council office."""

    __tablename__ = "council_attendance"
    __table_args__ = (
        Index(
            "uq_council_attendance_present",
            "meeting_id",
            "person_id",
            unique=True,
            sqlite_where=_OPEN_STAY,
            postgresql_where=_OPEN_STAY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("council_person.id", ondelete="CASCADE"))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # `self` (the member's device) or the audit actor of the office that recorded it.
    recorded_by: Mapped[str] = mapped_column(String(40), default="self")


class SpeakerRequest(TenantOwned, Base):
    """A request to speak (Wortmeldung) on the agenda item in progress; a point of order
    (Geschäftsordnungsantrag) goes before every other request."""

    __tablename__ = "council_speaker_request"
    __table_args__ = (
        Index(
            "uq_council_speaker_request_waiting",
            "meeting_id",
            "person_id",
            "point_of_order",
            unique=True,
            sqlite_where=_WAITING,
            postgresql_where=_WAITING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_agenda_item.id", ondelete="SET NULL"), default=None
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("council_person.id", ondelete="CASCADE"))
    point_of_order: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Ballot(TenantOwned, Base):
    """A vote on an agenda item: on its proposal, or on a motion put to vote ad hoc (an
    amendment, a point of order). Open while `state` is `open`; closed, it keeps its counts,
    its result and the votes per faction as they were at the close."""

    __tablename__ = "council_ballot"
    __table_args__ = (
        Index(
            "uq_council_ballot_open",
            "meeting_id",
            unique=True,
            sqlite_where=_OPEN_BALLOT,
            postgresql_where=_OPEN_BALLOT,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("council_agenda_item.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(500))
    # An ad-hoc motion: its result does not become the agenda item's result.
    motion: Mapped[bool] = mapped_column(default=False)
    # Namentliche Abstimmung: who voted how is published.
    roll_call: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    result: Mapped[str] = mapped_column(String(40), default="")
    yes: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
    abstain: Mapped[int] = mapped_column(Integer, default=0)
    biased: Mapped[int] = mapped_column(Integer, default=0)
    # Members with voting right on the body, and of them present, when the ballot closed.
    members: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[int] = mapped_column(Integer, default=0)
    # Per faction at the close: [{"faction_id", "name", "yes", "no", "abstain", "biased"}].
    factions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Vote(TenantOwned, Base):
    __tablename__ = "council_vote"
    __table_args__ = (UniqueConstraint("ballot_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("council_ballot.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("council_person.id", ondelete="CASCADE"))
    # The faction the member sat for when voting (for the counts per faction).
    faction_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_organization.id", ondelete="SET NULL"), default=None
    )
    choice: Mapped[str] = mapped_column(String(10))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # `self`, or the office's actor for a bias it recorded.
    recorded_by: Mapped[str] = mapped_column(String(40), default="self")
