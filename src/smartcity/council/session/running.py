"""Running a meeting's digital session: open and close it, the agenda item in progress,
attendance (check-in and check-out), the quorum and the speakers' list.

Who may take part is read from the council's memberships: the members of the organizations
that meet (`council_meeting_organization`) whose membership covers the meeting's day. The
quorum rule (Beschlussfähigkeit, e.g. § 39 (2) SächsGemO): a body may decide when **more than
half of its members with voting right** are present — `present * 2 > members`, counted over
the members with voting right at the meeting's day and the open stays in the session.

Every change is audited; repeated requests (a second device, a reconnect) change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from smartcity.core.identity.models import UserAccount, name_matches
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_
from smartcity.council import services as council
from smartcity.council.models import (
    AgendaItem,
    Meeting,
    MeetingOrganization,
    Membership,
    Organization,
    Person,
)
from smartcity.council.session.models import (
    Attendance,
    Ballot,
    CouncilSession,
    PersonAccount,
    SpeakerRequest,
)

FACTION = "Fraktion"


# ---- who takes part ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A member of the body that meets, as of the meeting's day."""

    person_id: int
    name: str
    voting_right: bool
    faction_id: int | None
    faction: str


def meeting_day(db: Session, meeting: Meeting) -> date:
    municipality = db.get(Municipality, meeting.municipality_id)
    zone = ZoneInfo(municipality.timezone if municipality else "Europe/Berlin")
    return meeting.start.astimezone(zone).date()


def _valid_on(day: date) -> list[ColumnElement[bool]]:
    return [
        Membership.deleted.is_(False),
        or_(Membership.start_date.is_(None), Membership.start_date <= day),
        or_(Membership.end_date.is_(None), Membership.end_date >= day),
    ]


def members(db: Session, meeting: Meeting) -> dict[int, Member]:
    """The members of the organizations that meet, on the meeting's day, by person id (a
    member of two organizations of a joint meeting has voting right if one gives it)."""
    day = meeting_day(db, meeting)
    organizations = select(MeetingOrganization.organization_id).where(
        MeetingOrganization.meeting_id == meeting.id
    )
    rows = db.execute(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.organization_id.in_(organizations),
            Person.deleted.is_(False),
            *_valid_on(day),
        )
        .order_by(Person.family_name, Person.name, Membership.id)
    ).all()
    persons = {person.id for _m, person in rows}
    factions = _factions(db, persons, day)
    sitting_for = {m.person_id: m.on_behalf_of_id for m, _p in rows if m.on_behalf_of_id}
    names = dict(
        db.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_(set(factions.values()) | set(sitting_for.values()))
            )
        ).all()
    )
    found: dict[int, Member] = {}
    for membership, person in rows:
        faction_id = sitting_for.get(person.id) or factions.get(person.id)
        known = found.get(person.id)
        found[person.id] = Member(
            person_id=person.id,
            name=person.name,
            voting_right=membership.voting_right or (known is not None and known.voting_right),
            faction_id=faction_id,
            faction=names.get(faction_id, "") if faction_id else "",
        )
    return found


def _factions(db: Session, persons: Iterable[int], day: date) -> dict[int, int]:
    """Each person's faction on the day (their membership in an organization of type
    `Fraktion`)."""
    wanted = set(persons)
    if not wanted:
        return {}
    rows = db.execute(
        select(Membership.person_id, Membership.organization_id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(
            Membership.person_id.in_(wanted),
            Organization.organization_type == FACTION,
            Organization.deleted.is_(False),
            *_valid_on(day),
        )
        .order_by(Membership.id)
    )
    return dict(rows.all())


def person_of(db: Session, user_id: int | None) -> Person | None:
    """The council member the account is linked to (None: not linked)."""
    if user_id is None:
        return None
    return db.scalar(
        select(Person)
        .join(PersonAccount, PersonAccount.person_id == Person.id)
        .where(PersonAccount.user_id == user_id, Person.deleted.is_(False))
    )


def accounts(db: Session) -> list[tuple[Person, UserAccount]]:
    """The members linked to an account."""
    return [
        (person, account)
        for person, account in db.execute(
            select(Person, UserAccount)
            .join(PersonAccount, PersonAccount.person_id == Person.id)
            .join(UserAccount, UserAccount.id == PersonAccount.user_id)
            .order_by(Person.family_name, Person.name)
        )
    ]


def link_account(
    db: Session, person: Person, username: str, *, allowed: set[int], actor: str
) -> PersonAccount:
    """Link a member to the account they sign in with. `allowed`: the accounts that hold a
    role in this municipality (an account of another municipality cannot be linked)."""
    if person.deleted:
        raise NotFound(gettext_("There is no such person."))
    account = db.scalar(select(UserAccount).where(name_matches(username)))
    if account is None or account.id not in allowed:
        raise InvalidInput(
            gettext_("There is no staff account of this name in the municipality."),
            errors={"username": gettext_("There is no staff account of this name.")},
        )
    taken = db.scalar(select(PersonAccount).where(PersonAccount.user_id == account.id))
    if taken is not None and taken.person_id != person.id:
        raise Conflict(gettext_("This account is already linked to another member."))
    link = db.scalar(select(PersonAccount).where(PersonAccount.person_id == person.id))
    old = link.user_id if link else None
    if link is None:
        link = PersonAccount(person_id=person.id, user_id=account.id)
        db.add(link)
    else:
        link.user_id = account.id
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="council_person_account.link",
        resource_type="council_person",
        resource_id=person.id,
        changes={"user_id": {"old": old, "new": account.id}},
    )
    return link


def unlink_account(db: Session, person: Person, *, actor: str) -> None:
    link = db.scalar(select(PersonAccount).where(PersonAccount.person_id == person.id))
    if link is None:
        return
    db.delete(link)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="council_person_account.unlink",
        resource_type="council_person",
        resource_id=person.id,
        changes={"user_id": {"old": link.user_id, "new": None}},
    )


# ---- the session -------------------------------------------------------------------------------


def session_of(db: Session, meeting: Meeting) -> CouncilSession | None:
    return db.scalar(select(CouncilSession).where(CouncilSession.meeting_id == meeting.id))


def running(db: Session, meeting: Meeting) -> CouncilSession:
    """The meeting's session, which must be open."""
    found = session_of(db, meeting)
    if found is None or found.state != "open":
        raise Conflict(gettext_("The session of this meeting is not open."))
    return found


def open_ballot_of(db: Session, meeting: Meeting) -> Ballot | None:
    return db.scalar(select(Ballot).where(Ballot.meeting_id == meeting.id, Ballot.state == "open"))


def _no_open_ballot(db: Session, meeting: Meeting) -> None:
    if open_ballot_of(db, meeting) is not None:
        raise Conflict(gettext_("A ballot is open: close it first."))


def _record(db: Session, actor: str, action: str, meeting: Meeting, **changes: object) -> None:
    audit.record(
        db,
        actor=actor,
        action=f"council_session.{action}",
        resource_type="council_meeting",
        resource_id=meeting.id,
        changes=changes or None,
    )


def open_session(db: Session, meeting: Meeting, *, room_url: str, actor: str) -> CouncilSession:
    """Open the meeting's digital session (again, after an interruption)."""
    if meeting.deleted or meeting.cancelled:
        raise Conflict(gettext_("A deleted or cancelled meeting cannot be held."))
    room_url = room_url.strip()
    if room_url and not room_url.startswith(("https://", "http://")):
        raise InvalidInput(
            gettext_("Please check your entries."),
            errors={"room_url": gettext_("Please give the address of the video room (https://…).")},
        )
    found = session_of(db, meeting)
    if found is not None and found.state == "open":
        if room_url and room_url != found.room_url:
            found.room_url = room_url
            _record(db, actor, "room", meeting)
        return found
    if found is None:
        found = CouncilSession(meeting_id=meeting.id, room_url=room_url)
        db.add(found)
    else:
        found.state = "open"
        found.closed_at = None
        found.room_url = room_url or found.room_url
    found.opened_at = utcnow()
    db.flush()
    _record(db, actor, "open", meeting)
    return found


def close_session(db: Session, meeting: Meeting, *, actor: str) -> CouncilSession:
    """Close the session: the item in progress ends, everybody is checked out, the meeting
    is marked as held."""
    found = running(db, meeting)
    _no_open_ballot(db, meeting)
    now = utcnow()
    if found.current_item_id is not None:
        _end_current(db, found, now, actor)
    db.execute(
        update(Attendance)
        .where(Attendance.meeting_id == meeting.id, Attendance.left_at.is_(None))
        .values(left_at=now)
    )
    _lapse_speakers(db, meeting, now)
    found.state = "closed"
    found.closed_at = now
    db.flush()
    _record(db, actor, "close", meeting)
    if meeting.meeting_state != "durchgeführt":
        council.change(db, meeting, {"meeting_state": "durchgeführt"}, actor=actor)
    return found


def _item_of(db: Session, meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.get(AgendaItem, item_id)
    if item is None or item.deleted or item.meeting_id != meeting.id:
        raise NotFound(gettext_("This agenda item is not on the meeting's agenda."))
    return item


def _end_current(db: Session, found: CouncilSession, now: datetime, actor: str) -> None:
    item = db.get(AgendaItem, found.current_item_id) if found.current_item_id else None
    found.current_item_id = None
    if item is not None and not item.deleted:
        council.change(db, item, {"end": max(now, item.start or now)}, actor=actor)


def _lapse_speakers(db: Session, meeting: Meeting, now: datetime) -> None:
    db.execute(
        update(SpeakerRequest)
        .where(
            SpeakerRequest.meeting_id == meeting.id,
            SpeakerRequest.state.in_(("waiting", "speaking")),
        )
        .values(state="done", finished_at=now)
    )


def start_item(db: Session, meeting: Meeting, item_id: int, *, actor: str) -> AgendaItem:
    """Call an agenda item: the one in progress ends; the item's start is its first call
    (the recording's chapter), its end is cleared until it ends again."""
    found = running(db, meeting)
    _no_open_ballot(db, meeting)
    item = _item_of(db, meeting, item_id)
    if found.current_item_id == item.id:
        return item
    now = utcnow()
    if found.current_item_id is not None:
        _end_current(db, found, now, actor)
    _lapse_speakers(db, meeting, now)
    council.change(db, item, {"start": item.start or now, "end": None}, actor=actor)
    found.current_item_id = item.id
    db.flush()
    _record(db, actor, "item", meeting, agenda_item={"old": None, "new": item.id})
    return item


def end_item(db: Session, meeting: Meeting, *, actor: str) -> None:
    found = running(db, meeting)
    _no_open_ballot(db, meeting)
    if found.current_item_id is None:
        return
    now = utcnow()
    _end_current(db, found, now, actor)
    _lapse_speakers(db, meeting, now)
    db.flush()
    _record(db, actor, "item_end", meeting)


# ---- attendance and quorum ---------------------------------------------------------------------


def _member(db: Session, meeting: Meeting, person: Person) -> Member:
    member = members(db, meeting).get(person.id)
    if member is None:
        raise PermissionDenied(gettext_("You are not a member of the body that meets."))
    return member


def present_ids(db: Session, meeting: Meeting) -> set[int]:
    return set(
        db.scalars(
            select(Attendance.person_id).where(
                Attendance.meeting_id == meeting.id, Attendance.left_at.is_(None)
            )
        )
    )


def check_in(
    db: Session, meeting: Meeting, person: Person, *, actor: str, by_office: bool = False
) -> Attendance:
    """The member is present. Idempotent: an open stay is kept (a second device, a
    reconnect); of two racing check-ins the unique index keeps one stay. `by_office`: the
    council office recorded it for the member."""
    running(db, meeting)
    _member(db, meeting, person)
    open_stay = select(Attendance).where(
        Attendance.meeting_id == meeting.id,
        Attendance.person_id == person.id,
        Attendance.left_at.is_(None),
    )
    stay = db.scalar(open_stay)
    if stay is not None:
        return stay
    stay = Attendance(
        meeting_id=meeting.id,
        person_id=person.id,
        recorded_by=actor[:40] if by_office else "self",
    )
    try:
        with db.begin_nested():
            db.add(stay)
            db.flush()
    except IntegrityError:
        found = db.scalar(open_stay)
        if found is None:
            raise
        return found
    _record(db, actor, "check_in", meeting, person={"old": None, "new": person.id})
    return stay


def check_out(db: Session, meeting: Meeting, person: Person, *, actor: str) -> None:
    """The member leaves (idempotent)."""
    running(db, meeting)
    stays = db.scalars(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id,
            Attendance.person_id == person.id,
            Attendance.left_at.is_(None),
        )
    ).all()
    if not stays:
        return
    now = utcnow()
    for stay in stays:
        stay.left_at = now
    db.flush()
    _record(db, actor, "check_out", meeting, person={"old": person.id, "new": None})


@dataclass(frozen=True)
class Quorum:
    """Members with voting right, how many of them are present, and the rule's verdict."""

    members: int
    present: int

    @property
    def needed(self) -> int:
        return self.members // 2 + 1

    @property
    def quorate(self) -> bool:
        return self.members > 0 and self.present * 2 > self.members


def quorum(db: Session, meeting: Meeting, roll: dict[int, Member] | None = None) -> Quorum:
    roll = members(db, meeting) if roll is None else roll
    voting = {m.person_id for m in roll.values() if m.voting_right}
    return Quorum(members=len(voting), present=len(voting & present_ids(db, meeting)))


def attendance(db: Session, meeting: Meeting) -> list[Attendance]:
    return list(
        db.scalars(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .order_by(Attendance.arrived_at, Attendance.id)
        )
    )


# ---- speakers' list ----------------------------------------------------------------------------


def request_to_speak(
    db: Session, meeting: Meeting, person: Person, *, point_of_order: bool, actor: str
) -> SpeakerRequest:
    """Ask to speak on the item in progress (idempotent: one waiting request of each kind)."""
    found = running(db, meeting)
    _member(db, meeting, person)
    if person.id not in present_ids(db, meeting):
        raise Conflict(gettext_("Please check in first."))
    waiting = select(SpeakerRequest).where(
        SpeakerRequest.meeting_id == meeting.id,
        SpeakerRequest.person_id == person.id,
        SpeakerRequest.point_of_order.is_(point_of_order),
        SpeakerRequest.state == "waiting",
    )
    existing = db.scalar(waiting)
    if existing is not None:
        return existing
    request = SpeakerRequest(
        meeting_id=meeting.id,
        agenda_item_id=found.current_item_id,
        person_id=person.id,
        point_of_order=point_of_order,
    )
    try:
        with db.begin_nested():
            db.add(request)
            db.flush()
    except IntegrityError:
        again = db.scalar(waiting)
        if again is None:
            raise
        return again
    _record(
        db,
        actor,
        "speaker_request",
        meeting,
        person={"old": None, "new": person.id},
        point_of_order=point_of_order,
    )
    return request


def withdraw_request(db: Session, meeting: Meeting, person: Person, *, actor: str) -> None:
    rows = db.scalars(
        select(SpeakerRequest).where(
            SpeakerRequest.meeting_id == meeting.id,
            SpeakerRequest.person_id == person.id,
            SpeakerRequest.state == "waiting",
        )
    ).all()
    for row in rows:
        row.state = "withdrawn"
        row.finished_at = utcnow()
    if rows:
        db.flush()
        _record(db, actor, "speaker_withdrawn", meeting, person={"old": person.id, "new": None})


def speakers(db: Session, meeting: Meeting) -> list[SpeakerRequest]:
    """Who speaks and who waits: the speaker first, then points of order, then the others
    in the order they asked."""
    rows = db.scalars(
        select(SpeakerRequest).where(
            SpeakerRequest.meeting_id == meeting.id,
            SpeakerRequest.state.in_(("waiting", "speaking")),
        )
    ).all()
    return sorted(
        rows,
        key=lambda r: (r.state != "speaking", not r.point_of_order, r.requested_at, r.id),
    )


def finish_speaker(db: Session, meeting: Meeting, *, actor: str) -> None:
    running(db, meeting)
    now = utcnow()
    for row in db.scalars(
        select(SpeakerRequest).where(
            SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.state == "speaking"
        )
    ):
        row.state = "done"
        row.finished_at = now
        db.flush()
        _record(db, actor, "speaker_done", meeting, person={"old": row.person_id, "new": None})


def call_next(db: Session, meeting: Meeting, *, actor: str) -> SpeakerRequest | None:
    """The speaker ends; the next in the list (points of order first) gets the floor."""
    finish_speaker(db, meeting, actor=actor)
    waiting = [r for r in speakers(db, meeting) if r.state == "waiting"]
    if not waiting:
        return None
    chosen = waiting[0]
    chosen.state = "speaking"
    chosen.called_at = utcnow()
    db.flush()
    _record(db, actor, "speaker_called", meeting, person={"old": None, "new": chosen.person_id})
    return chosen
