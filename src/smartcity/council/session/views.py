"""What the session's pages show, read in one place: the chair's console, a member's device,
the public live page and the stream overlay. The public views leave out everything of a
non-public agenda item (its name, its ballots and their results)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.council.models import AgendaItem, Meeting, Person
from smartcity.council.session import running, voting
from smartcity.council.session.models import Attendance, Ballot, CouncilSession, SpeakerRequest
from smartcity.council.session.running import Member, Quorum
from smartcity.council.session.voting import PersonVote


@dataclass(frozen=True)
class Result:
    ballot: Ballot
    item: AgendaItem
    persons: list[PersonVote] = field(default_factory=list)


@dataclass(frozen=True)
class SessionView:
    meeting: Meeting
    session: CouncilSession | None
    agenda: list[AgendaItem]
    current: AgendaItem | None
    roll: dict[int, Member]
    present: set[int]
    quorum: Quorum
    speakers: list[tuple[SpeakerRequest, str]]
    open_ballot: Ballot | None
    open_item: AgendaItem | None
    votes_cast: int
    results: list[Result]
    attendance: list[tuple[Attendance, str]]

    @property
    def state(self) -> str:
        return self.session.state if self.session else "none"

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def last_result(self) -> Result | None:
        return self.results[0] if self.results else None


def read(db: Session, meeting: Meeting, *, public_only: bool) -> SessionView:
    session = running.session_of(db, meeting)
    statement = select(AgendaItem).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.deleted.is_(False)
    )
    if public_only:
        statement = statement.where(AgendaItem.public.is_(True))
    agenda = list(db.scalars(statement.order_by(AgendaItem.order, AgendaItem.id)))
    by_id = {item.id: item for item in agenda}
    current = by_id.get(session.current_item_id) if session and session.current_item_id else None
    roll = running.members(db, meeting)
    present = running.present_ids(db, meeting)
    names = {m.person_id: m.name for m in roll.values()}
    open_ballot = running.open_ballot_of(db, meeting)
    open_item = by_id.get(open_ballot.agenda_item_id) if open_ballot else None
    if open_ballot is not None and open_item is None:
        open_ballot = None  # on a non-public item: not for this view
    results = [
        Result(
            ballot,
            by_id[ballot.agenda_item_id],
            voting.person_votes(db, ballot) if ballot.roll_call else [],
        )
        for ballot in voting.closed_ballots(db, list(by_id), newest_first=True)
    ]
    speakers: list[tuple[SpeakerRequest, str]] = []
    rows: list[tuple[Attendance, str]] = []
    if not public_only:
        waiting = running.speakers(db, meeting)
        missing = _names(db, {r.person_id for r in waiting} - set(names))
        speakers = [(r, names.get(r.person_id) or missing.get(r.person_id, "")) for r in waiting]
        stays = running.attendance(db, meeting)
        missing = _names(db, {s.person_id for s in stays} - set(names))
        rows = [(s, names.get(s.person_id) or missing.get(s.person_id, "")) for s in stays]
    return SessionView(
        meeting=meeting,
        session=session,
        agenda=agenda,
        current=current,
        roll=roll,
        present=present,
        quorum=running.quorum(db, meeting, roll),
        speakers=speakers,
        open_ballot=open_ballot,
        open_item=open_item,
        votes_cast=voting.votes_cast(db, open_ballot) if open_ballot else 0,
        results=results,
        attendance=rows,
    )


def _names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
