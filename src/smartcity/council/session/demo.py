"""Demo data of the digital session (Radebeul): the last council meeting held was a digital
session — attendance, every item called, votes on the proposals (one by roll call, one ad-hoc
amendment, one member biased) with their results per faction — and the next council meeting
is ready to be run; the demo councillor's account is linked to their council member."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.identity.models import UserAccount
from smartcity.council.models import AgendaItem, Meeting, MeetingOrganization, Organization, Person
from smartcity.council.session import running, voting
from smartcity.council.session.models import Attendance, Ballot, CouncilSession, PersonAccount, Vote

ACTOR = "demo"
DEMO_COUNCILLOR = ("radebeul.stadtrat", "Anna Albrecht")
ROOM = "https://meet.example.org/radebeul-stadtrat"


def _council_meetings(db: Session) -> list[Meeting]:
    return list(
        db.scalars(
            select(Meeting)
            .join(MeetingOrganization, MeetingOrganization.meeting_id == Meeting.id)
            .join(Organization, Organization.id == MeetingOrganization.organization_id)
            .where(Organization.classification == "Stadtrat", Meeting.deleted.is_(False))
            .order_by(Meeting.start)
        )
    )


def _choice(index: int, faction: int, item: int) -> str:
    """A plausible vote: factions mostly vote together, a few members differ."""
    pattern = ("yes", "yes", "no", "abstain", "yes")
    choice = pattern[(faction + item) % len(pattern)]
    if index % 11 == 4:
        return "no" if choice == "yes" else "yes"
    return choice


def run_held_session(db: Session, meeting: Meeting) -> None:
    """The meeting as a digital session that took place, with the times of the meeting."""
    running.open_session(db, meeting, room_url=ROOM, actor=ACTOR)
    roll = running.members(db, meeting)
    persons = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(roll)))}
    factions = sorted({m.faction_id for m in roll.values() if m.faction_id})
    absent = set(list(roll)[-4:])  # four members excused
    for person_id in roll:
        if person_id not in absent:
            running.check_in(db, meeting, persons[person_id], actor=ACTOR, by_office=True)
    items = db.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id, AgendaItem.deleted.is_(False))
        .order_by(AgendaItem.order, AgendaItem.id)
    ).all()
    voters = [p for p in roll if p not in absent and roll[p].voting_right]
    for number, item in enumerate(items):
        running.start_item(db, meeting, item.id, actor=ACTOR)
        if number == 0:
            continue  # the opening: quorum noted, nothing to decide
        if number == 1:
            # An amendment put to vote ad hoc before the proposal.
            ballot = voting.open_ballot(
                db,
                meeting,
                subject="Änderungsantrag der Fraktion Grün-Sozial: Umsetzung bis 2028",
                motion=True,
                roll_call=False,
                actor=ACTOR,
            )
            _vote_all(db, meeting, ballot, voters, persons, roll, factions, number + 7)
            voting.close_ballot(db, meeting, ballot, actor=ACTOR)
        ballot = voting.open_ballot(
            db, meeting, subject="", motion=False, roll_call=number == 2, actor=ACTOR
        )
        if number == 1:
            # Bias (§ 20 SächsGemO): recorded by the office, the member does not vote.
            voting.cast_vote(
                db, meeting, ballot, persons[voters[3]], "biased", actor=ACTOR, by_office=True
            )
        _vote_all(db, meeting, ballot, voters, persons, roll, factions, number)
        voting.close_ballot(db, meeting, ballot, actor=ACTOR)
    running.close_session(db, meeting, actor=ACTOR)
    _backdate(db, meeting, items)


def _vote_all(
    db: Session,
    meeting: Meeting,
    ballot: Ballot,
    voters: list[int],
    persons: dict[int, Person],
    roll: dict[int, running.Member],
    factions: list[int],
    item: int,
) -> None:
    for index, person_id in enumerate(voters):
        if voting.vote_of(db, ballot, persons[person_id]) is not None:
            continue
        faction = roll[person_id].faction_id
        position = factions.index(faction) if faction in factions else 0
        voting.cast_vote(
            db, meeting, ballot, persons[person_id], _choice(index, position, item), actor=ACTOR
        )


def _backdate(db: Session, meeting: Meeting, items: Sequence[AgendaItem]) -> None:
    """Move the session's times into the meeting's evening (the services stamp `now`)."""
    start = meeting.start
    minutes = 0
    for item in items:
        item.start = start + timedelta(minutes=5 + minutes)
        minutes += 25
        item.end = start + timedelta(minutes=minutes)

    session = running.session_of(db, meeting)
    if session is not None:
        session.opened_at = start
        session.closed_at = start + timedelta(minutes=minutes + 5)
    db.execute(
        update(Attendance)
        .where(Attendance.meeting_id == meeting.id)
        .values(
            arrived_at=start - timedelta(minutes=10),
            left_at=start + timedelta(minutes=minutes + 5),
        )
    )
    for ballot in db.scalars(select(Ballot).where(Ballot.meeting_id == meeting.id)):
        item = next(i for i in items if i.id == ballot.agenda_item_id)
        ballot.opened_at = (item.end or start) - timedelta(minutes=4)
        ballot.closed_at = (item.end or start) - timedelta(minutes=2)
        db.execute(update(Vote).where(Vote.ballot_id == ballot.id).values(cast_at=ballot.opened_at))
    db.flush()


def link_demo_councillor(db: Session) -> None:
    username, name = DEMO_COUNCILLOR
    account = db.scalar(select(UserAccount).where(UserAccount.username == username))
    person = db.scalar(select(Person).where(Person.name == name))
    if account is None or person is None:
        return
    if db.scalar(select(PersonAccount.id).where(PersonAccount.person_id == person.id)):
        return
    db.add(PersonAccount(person_id=person.id, user_id=account.id))
    db.flush()


def seed(context: DemoContext) -> None:
    municipality = context.municipalities.get("radebeul")
    if municipality is None:
        return
    with context.tenant_session(municipality) as db:
        if db.scalar(select(func.count()).select_from(CouncilSession)):
            return
        now = utcnow()
        meetings = _council_meetings(db)
        held = [m for m in meetings if m.start < now]
        upcoming = [m for m in meetings if m.start >= now]
        if held:
            run_held_session(db, held[-1])
        link_demo_councillor(db)
    if held and upcoming:
        context.say(
            f"  Digital session: meeting {held[-1].id} held with votes; meeting "
            f"{upcoming[0].id} ready at /radebeul/verwaltung/ratsinfo/sitzungen/"
            f"{upcoming[0].id}/sitzungsleitung (radebeul.ratsbuero), voting as radebeul.stadtrat"
        )
