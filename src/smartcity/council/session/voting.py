"""Electronic votes in a digital session.

The chair (the council office for them) opens a ballot on the agenda item in progress — on its
proposal, or on a motion put to vote ad hoc — as an open or a roll-call vote. Members with
voting right on the body that meets, checked in, vote from their own devices: yes, no or
abstain, or they declare themselves biased (Befangenheit; they do not vote). One vote each:
the unique constraint on (ballot, person) decides a race of two devices, exactly one vote
counts, the other is refused. A vote racing the chair's close is either counted or refused,
never stored beside the counts (see `cast_vote` and `close_ballot`). Nothing is shown of the
votes while the ballot is open; on its close the result is computed, kept with the counts per
faction (and per person for a roll-call vote) and written to the agenda item, so that every
page shows it at once.

Result: adopted (`angenommen`) when more members voted yes than no; abstentions and biased
members are not counted; a tie rejects (`abgelehnt`) — e.g. § 39 (6) SächsGemO.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from smartcity.core.web.i18n import gettext_
from smartcity.council import services as council
from smartcity.council.models import AgendaItem, Meeting, Person
from smartcity.council.session import running
from smartcity.council.session.models import ADOPTED, CHOICES, REJECTED, Ballot, Vote

# Stored as the subject of a vote on the item's proposal (data, e.g. in OParl); pages show
# a translated label instead (`Ballot.motion` tells the two apart).
MAIN_SUBJECT = "Beschlussvorschlag"


def _audit(db: Session, actor: str, action: str, ballot: Ballot, **changes: object) -> None:
    audit.record(
        db,
        actor=actor,
        action=f"council_ballot.{action}",
        resource_type="council_ballot",
        resource_id=ballot.id,
        changes=changes or None,
    )


def ballot_of(db: Session, meeting: Meeting, ballot_id: int) -> Ballot:
    ballot = db.get(Ballot, ballot_id)
    if ballot is None or ballot.meeting_id != meeting.id:
        raise NotFound(gettext_("There is no such ballot."))
    return ballot


def open_ballot(
    db: Session,
    meeting: Meeting,
    *,
    subject: str,
    motion: bool,
    roll_call: bool,
    actor: str,
) -> Ballot:
    """Put the item in progress (or an ad-hoc motion on it) to the vote."""
    session = running.running(db, meeting)
    if session.current_item_id is None:
        raise Conflict(gettext_("Call the agenda item first: a vote belongs to an item."))
    subject = " ".join(subject.split())[:500]
    if motion and not subject:
        raise InvalidInput(
            gettext_("Please check your entries."),
            errors={"subject": gettext_("Please write down the motion that is put to vote.")},
        )
    if running.open_ballot_of(db, meeting) is not None:
        raise Conflict(gettext_("A ballot is open: close it first."))
    if not running.quorum(db, meeting).quorate:
        raise Conflict(
            gettext_("The body is not quorate: more than half of its members must be present.")
        )
    ballot = Ballot(
        meeting_id=meeting.id,
        agenda_item_id=session.current_item_id,
        subject=subject or MAIN_SUBJECT,
        motion=motion,
        roll_call=roll_call,
    )
    try:
        with db.begin_nested():
            db.add(ballot)
            db.flush()
    except IntegrityError:
        raise Conflict(gettext_("A ballot is open: close it first.")) from None
    _audit(
        db,
        actor,
        "open",
        ballot,
        agenda_item=ballot.agenda_item_id,
        subject=ballot.subject,
        motion=motion,
        roll_call=roll_call,
    )
    return ballot


def cast_vote(
    db: Session,
    meeting: Meeting,
    ballot: Ballot,
    person: Person,
    choice: str,
    *,
    actor: str,
    by_office: bool = False,
) -> Vote:
    """A member's vote. Refused outside an open ballot, for anybody but a present member with
    voting right, and for a second vote (of the same member, from any device). The office
    records only a bias (`by_office`), never a vote."""
    if choice not in CHOICES or (by_office and choice != "biased"):
        raise InvalidInput(gettext_("Please choose yes, no or abstain."))
    running.running(db, meeting)
    if ballot.meeting_id != meeting.id or ballot.state != "open":
        raise Conflict(gettext_("This ballot is not open: no vote can be cast."))
    member = running.members(db, meeting).get(person.id)
    if member is None:
        raise PermissionDenied(gettext_("You are not a member of the body that meets."))
    if not member.voting_right:
        raise PermissionDenied(gettext_("Your membership in this body carries no voting right."))
    if person.id not in running.present_ids(db, meeting):
        raise Conflict(gettext_("Please check in first."))
    done = select(Vote.id).where(Vote.ballot_id == ballot.id, Vote.person_id == person.id)
    if db.scalar(done) is not None:
        raise Conflict(gettext_("Your vote in this ballot has already been recorded."))
    # The vote and the chair's close must not cross: a vote either is in the counts or is
    # refused. On PostgreSQL a share lock on the ballot row, held to the commit, makes the
    # close's UPDATE wait for the votes being cast and a vote wait for a close under way
    # (then it reads the closed state); votes do not wait for each other. On SQLite every
    # writer holds the database's write lock from its first statement; the state is read
    # again after the insert all the same, and a closed ballot takes the vote back.
    _still_open(db, ballot, lock=True)
    vote = Vote(
        ballot_id=ballot.id,
        person_id=person.id,
        faction_id=member.faction_id,
        choice=choice,
        recorded_by=actor[:40] if by_office else "self",
    )
    try:
        with db.begin_nested():
            db.add(vote)
            db.flush()
            _still_open(db, ballot, lock=False)
    except IntegrityError:
        # The other device's vote got in first: it is the one that counts.
        raise Conflict(gettext_("Your vote in this ballot has already been recorded.")) from None
    _audit(db, actor, "vote", ballot, person=person.id, choice=choice)
    return vote


def _still_open(db: Session, ballot: Ballot, *, lock: bool) -> None:
    """Read the ballot's state from the database (not the copy read earlier in the request);
    a closed ballot is a Conflict."""
    query = select(Ballot).where(Ballot.id == ballot.id).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update(read=True)
    current = db.scalar(query)
    if current is None or current.state != "open":
        raise Conflict(gettext_("Voting on this ballot has closed."))


def votes_cast(db: Session, ballot: Ballot) -> int:
    return db.scalar(select(func.count()).select_from(Vote).where(Vote.ballot_id == ballot.id)) or 0


def vote_of(db: Session, ballot: Ballot, person: Person) -> Vote | None:
    return db.scalar(select(Vote).where(Vote.ballot_id == ballot.id, Vote.person_id == person.id))


def close_ballot(db: Session, meeting: Meeting, ballot: Ballot, *, actor: str) -> Ballot:
    """Count, decide, and write the result to the agenda item."""
    if ballot.meeting_id != meeting.id or ballot.state != "open":
        raise Conflict(gettext_("This ballot is not open."))
    # Closed first, counted after: the UPDATE waits for the votes being cast (they hold a share
    # lock on the row) and decides a race of two closes; a vote that comes later is refused.
    closed_at = utcnow()
    closing = db.execute(
        update(Ballot)
        .where(Ballot.id == ballot.id, Ballot.state == "open")
        .values(state="closed", closed_at=closed_at)
        .execution_options(synchronize_session=False)
    )
    if getattr(closing, "rowcount", 0) != 1:
        raise Conflict(gettext_("This ballot is not open."))
    roll = running.members(db, meeting)
    quorum = running.quorum(db, meeting, roll)
    votes = db.scalars(select(Vote).where(Vote.ballot_id == ballot.id)).all()
    counts: dict[str, int] = defaultdict(int)
    per_faction: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for vote in votes:
        counts[vote.choice] += 1
        per_faction[vote.faction_id][vote.choice] += 1
    names = {m.faction_id: m.faction for m in roll.values() if m.faction_id}
    ballot.yes, ballot.no = counts["yes"], counts["no"]
    ballot.abstain, ballot.biased = counts["abstain"], counts["biased"]
    ballot.members, ballot.present = quorum.members, quorum.present
    ballot.factions = [
        {
            "faction_id": faction_id,
            "name": names.get(faction_id, "") if faction_id else "",
            **{choice: tally.get(choice, 0) for choice in CHOICES},
        }
        for faction_id, tally in sorted(
            per_faction.items(), key=lambda pair: (pair[0] is None, names.get(pair[0] or 0, ""))
        )
    ]
    ballot.result = ADOPTED if ballot.yes > ballot.no else REJECTED
    ballot.state = "closed"
    ballot.closed_at = closed_at
    db.flush()
    item = db.get(AgendaItem, ballot.agenda_item_id)
    if item is not None and not item.deleted:
        if not ballot.motion:  # a motion's result is not the item's
            council.change(db, item, {"result": ballot.result}, actor=actor)
        # Its votes changed (OParl `modified`, for clients that synchronise).
        item.modified_at = ballot.closed_at
        council.touch_parents(db, item, ballot.closed_at)
    _audit(
        db,
        actor,
        "close",
        ballot,
        result=ballot.result,
        yes=ballot.yes,
        no=ballot.no,
        abstain=ballot.abstain,
        biased=ballot.biased,
    )
    return ballot


# ---- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonVote:
    person_id: int
    name: str
    faction: str
    choice: str


def person_votes(db: Session, ballot: Ballot) -> list[PersonVote]:
    """Who voted how (published for roll-call votes only)."""
    rows = db.execute(
        select(Vote, Person)
        .join(Person, Person.id == Vote.person_id)
        .where(Vote.ballot_id == ballot.id)
        .order_by(Person.family_name, Person.name)
    ).all()
    factions = {f["faction_id"]: f["name"] for f in ballot.factions}
    return [
        PersonVote(person.id, person.name, factions.get(vote.faction_id, ""), vote.choice)
        for vote, person in rows
    ]


def closed_ballots(db: Session, item_ids: list[int], *, newest_first: bool = False) -> list[Ballot]:
    if not item_ids:
        return []
    order = (Ballot.closed_at.desc(), Ballot.id.desc()) if newest_first else (Ballot.id,)
    return list(
        db.scalars(
            select(Ballot)
            .where(Ballot.agenda_item_id.in_(item_ids), Ballot.state == "closed")
            .order_by(*order)
        )
    )
