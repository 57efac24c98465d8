"""Following a paper or a committee: a signed-in citizen opts in to e-mails about it, at the
confirmed address of the citizen login (no second opt-in: the login's provider confirmed it).

- A committee's (any organization's) followers hear of a new meeting of it: when a meeting
  that has not started, is not cancelled and not deleted gets the organization among those
  that meet (a new meeting, or one the organization joins).
- A paper's followers hear of a new document of it, and of its being put on an agenda (a
  consultation at an agenda item, or that item becoming public).

Only what the portal shows goes out: a non-public paper, file or agenda item, a deleted
meeting, never triggers a mail, and a mail names nothing else. Every mail carries a link that
ends the following without signing in: `<id>-<HMAC of the row and its municipality with the
server secret>`, the same in every mail, nothing of it stored. Mails go out in the follower's
language (the page's language when they followed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.mail import unsubscribe
from smartcity.core.mail.services import queue_mail
from smartcity.council.models import (
    AgendaItem,
    Consultation,
    CouncilFile,
    Meeting,
    MeetingOrganization,
    Organization,
    Paper,
)
from smartcity.council.models_following import Follow

Target = Paper | Organization


@dataclass(frozen=True)
class Mailing:
    """What a mail needs besides the database: the portal's address of the municipality's
    council pages (`https://…/{m}/ratsinfo`), its time zone, and the key of the links."""

    portal_url: str
    zone: ZoneInfo
    secret: str


# ---- following and ending it ------------------------------------------------------------------


def _of(target: Target) -> ColumnElement[bool]:
    if isinstance(target, Paper):
        return Follow.paper_id == target.id
    return Follow.organization_id == target.id


def follow(
    db: Session, target: Target, *, citizen_subject: str, email: str | None, language: str
) -> None:
    """Starts (or keeps) following; refused without a confirmed e-mail address."""
    if not email:
        raise InvalidInput(
            "Your citizen account has no confirmed e-mail address, so we cannot send you e-mails."
        )
    column = "paper_id" if isinstance(target, Paper) else "organization_id"
    language = "en" if language == "en" else "de"
    # One statement: a second click (or two at once) keeps the one row.
    db.execute(
        _insert(db)
        .values(
            municipality_id=target.municipality_id,
            citizen_subject=citizen_subject,
            email=email[:320],
            language=language,
            created_at=utcnow(),
            **{column: target.id},
        )
        .on_conflict_do_update(
            index_elements=[column, "citizen_subject"],
            set_={"email": email[:320], "language": language},
        )
    )


def _insert(db: Session) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of a following with ON CONFLICT, in the session's database's dialect."""
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Follow)
    return sqlite.insert(Follow)


def unfollow(db: Session, target: Target, *, citizen_subject: str) -> None:
    db.execute(delete(Follow).where(_of(target), Follow.citizen_subject == citizen_subject))


def follows(db: Session, target: Target, citizen_subject: str | None) -> bool:
    if citizen_subject is None:
        return False
    found = db.scalar(
        select(Follow.id).where(_of(target), Follow.citizen_subject == citizen_subject)
    )
    return found is not None


def _bound(found: Follow) -> tuple[str, str]:
    """What a link is bound to besides the row: what is followed, and by whom."""
    target = (
        f"paper:{found.paper_id}" if found.paper_id else f"organization:{found.organization_id}"
    )
    return target, found.citizen_subject


def _code(secret: str, found: Follow) -> str:
    return unsubscribe.code(
        secret, "council-follow", found.municipality_id, found.id, *_bound(found)
    )


def token_of(secret: str, found: Follow) -> str:
    return unsubscribe.token(
        secret, "council-follow", found.municipality_id, found.id, *_bound(found)
    )


def by_token(db: Session, token: str, *, secret: str) -> Follow | None:
    """The following an unsubscribe link names (None: already ended, never existed, another
    municipality's, or a link that was not ours)."""
    return unsubscribe.find(db, Follow, token, lambda found: _code(secret, found))


def end(db: Session, found: Follow) -> None:
    db.delete(found)


def forget(db: Session, row: object) -> None:
    """A deleted paper or organization ends its followings (their addresses are not kept for
    nothing; a tombstone never sends news)."""
    if isinstance(row, Paper | Organization) and row.deleted:
        db.execute(delete(Follow).where(_of(row)))


def public_target(db: Session, found: Follow) -> Target | None:
    """What the following is about, if the portal shows it (a withdrawn paper's title is not
    shown on the unsubscribe page)."""
    if found.paper_id is not None:
        paper = db.get(Paper, found.paper_id)
        return paper if paper is not None and _paper_public(paper) else None
    organization = db.get(Organization, found.organization_id)
    return organization if organization is not None and not organization.deleted else None


# ---- what counts as public (the portal's and OParl's rules) --------------------------------


def _paper_public(paper: Paper) -> bool:
    return paper.public and not paper.deleted


def _item_public(db: Session, item: AgendaItem | None) -> Meeting | None:
    """The meeting of a public agenda item (None: the item or its meeting is not shown)."""
    if item is None or not item.public or item.deleted:
        return None
    meeting = db.get(Meeting, item.meeting_id)
    return meeting if meeting is not None and not meeting.deleted else None


def _announced(meeting: Meeting, now: datetime) -> bool:
    """A meeting worth announcing to a committee's followers: shown, not cancelled, still to
    come."""
    return not meeting.deleted and not meeting.cancelled and meeting.start >= now


# ---- what an edit published -----------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """What of an entry the portal showed to followers: the (paper, agenda item) pairs of
    papers on a public agenda, and a coming meeting's organizations. Taken before and after
    the council office saves an entry; what is new afterwards is mailed."""

    scheduled: frozenset[tuple[int, int]] = frozenset()
    organizations: frozenset[int] = frozenset()


def published(db: Session, row: object | None, *, now: datetime | None = None) -> Published:
    now = now or utcnow()
    if isinstance(row, Consultation):
        return Published(scheduled=frozenset(_scheduled(db, [row])))
    if isinstance(row, AgendaItem):
        consultations = db.scalars(
            select(Consultation).where(Consultation.agenda_item_id == row.id)
        ).all()
        return Published(scheduled=frozenset(_scheduled(db, consultations)))
    if isinstance(row, Meeting) and _announced(row, now):
        organizations = db.scalars(
            select(MeetingOrganization.organization_id).where(
                MeetingOrganization.meeting_id == row.id
            )
        )
        return Published(organizations=frozenset(organizations))
    return Published()


def _scheduled(db: Session, consultations: Iterable[Consultation]) -> set[tuple[int, int]]:
    found = set()
    for consultation in consultations:
        if consultation.deleted or consultation.agenda_item_id is None:
            continue
        paper = db.get(Paper, consultation.paper_id)
        item = db.get(AgendaItem, consultation.agenda_item_id)
        if paper is not None and _paper_public(paper) and _item_public(db, item) is not None:
            found.add((paper.id, consultation.agenda_item_id))
    return found


def after_edit(
    db: Session, row: object, before: Published, mailing: Mailing, *, now: datetime | None = None
) -> int:
    """Mails the followers about what the edit of `row` newly published; returns how many."""
    now = now or utcnow()
    after = published(db, row, now=now)
    sent = 0
    for paper_id, item_id in sorted(after.scheduled - before.scheduled):
        sent += _paper_scheduled(db, paper_id, item_id, mailing)
    if isinstance(row, Meeting) and after.organizations - before.organizations:
        sent += _meeting_announced(db, row, after.organizations - before.organizations, mailing)
    return sent


# ---- the mails ----------------------------------------------------------------------------


def _line(text: str) -> str:
    """A title as one line (a line break in a mail's subject header would fail)."""
    return " ".join(text.split())


def paper_label(paper: Paper) -> str:
    return _line(f"{paper.reference} {paper.name}")


def _send(
    db: Session,
    followers: Iterable[Follow],
    mailing: Mailing,
    *,
    subject: tuple[str, str],
    text: tuple[str, str],
    about: tuple[str, str],
    told: set[str] | None = None,
) -> int:
    """One mail per follower in their language: `subject`, `text` and the reason they get it
    (`about`: "the paper"), German first, then English; not to those in `told` (the citizens
    told already of the same event), who are added to it."""
    sent = 0
    told = set() if told is None else told
    for found in followers:
        if found.citizen_subject in told:  # one mail per person, also for a joint meeting
            continue
        told.add(found.citizen_subject)
        stop = f"{mailing.portal_url}/abbestellen/{token_of(mailing.secret, found)}"
        if found.language == "en":
            body = (
                f"{text[1]}\n\nYou receive this mail because you follow {about[1]}. "
                f"To stop:\n{stop}\n"
            )
            title = subject[1]
        else:
            body = (
                f"{text[0]}\n\nSie erhalten diese E-Mail, weil Sie {about[0]} folgen. "
                f"Abbestellen:\n{stop}\n"
            )
            title = subject[0]
        queue_mail(db, to=found.email, subject=title, body=body)
        sent += 1
    return sent


def _followers(db: Session, clause: ColumnElement[bool]) -> list[Follow]:
    return list(db.scalars(select(Follow).where(clause).order_by(Follow.id)))


def _when(meeting: Meeting, zone: ZoneInfo) -> tuple[str, str]:
    local = meeting.start.astimezone(zone)
    return (
        f"am {local:%d.%m.%Y} um {local:%H:%M} Uhr",
        f"on {local:%Y-%m-%d} at {local:%H:%M}",
    )


def _meeting_announced(
    db: Session, meeting: Meeting, organization_ids: Iterable[int], mailing: Mailing
) -> int:
    organizations = db.scalars(
        select(Organization)
        .where(Organization.id.in_(list(organization_ids)), Organization.deleted.is_(False))
        .order_by(Organization.id)
    ).all()
    page = f"{mailing.portal_url}/sitzungen/{meeting.id}"
    name = _line(meeting.name)
    when = _when(meeting, mailing.zone)
    local = meeting.start.astimezone(mailing.zone)
    sent = 0
    told: set[str] = set()
    for organization in organizations:
        title = _line(organization.name)
        sent += _send(
            db,
            _followers(db, Follow.organization_id == organization.id),
            mailing,
            subject=(
                f"Neue Sitzung: {name} am {local:%d.%m.%Y}",
                f"New meeting: {name} on {local:%Y-%m-%d}",
            ),
            text=(
                f"{title} tagt {when[0]}: „{name}“.\n\n"
                f"Tagesordnung und Unterlagen, sobald veröffentlicht:\n{page}",
                f"{title} meets {when[1]}: “{name}”.\n\n"
                f"The agenda and the documents, once published:\n{page}",
            ),
            about=(f"„{title}“", f"“{title}”"),
            told=told,
        )
    return sent


def _paper_scheduled(db: Session, paper_id: int, item_id: int, mailing: Mailing) -> int:
    paper = db.get(Paper, paper_id)
    item = db.get(AgendaItem, item_id)
    meeting = _item_public(db, item)
    if paper is None or item is None or meeting is None or not _paper_public(paper):
        return 0
    label = paper_label(paper)
    name = _line(meeting.name)
    when = _when(meeting, mailing.zone)
    number = _line(item.number)
    meeting_page = f"{mailing.portal_url}/sitzungen/{meeting.id}"
    paper_page = f"{mailing.portal_url}/vorlagen/{paper.id}"
    return _send(
        db,
        _followers(db, Follow.paper_id == paper.id),
        mailing,
        subject=(f"Auf der Tagesordnung: {label}", f"On the agenda: {label}"),
        text=(
            f"Die Vorlage „{label}“ steht auf der Tagesordnung der Sitzung „{name}“ {when[0]}"
            + (f" (TOP {number})" if number else "")
            + f".\n\nDie Sitzung:\n{meeting_page}\n\nDie Vorlage:\n{paper_page}",
            f"The paper “{label}” is on the agenda of the meeting “{name}” {when[1]}"
            + (f" (item {number})" if number else "")
            + f".\n\nThe meeting:\n{meeting_page}\n\nThe paper:\n{paper_page}",
        ),
        about=("der Vorlage", "the paper"),
    )


def file_published(db: Session, row: CouncilFile, mailing: Mailing) -> int:
    """Mails a paper's followers about its new document, if the portal shows it."""
    if row.paper_id is None or not row.public or row.deleted or row.stored_file_id is None:
        return 0
    paper = db.get(Paper, row.paper_id)
    if paper is None or not _paper_public(paper):
        return 0
    label = paper_label(paper)
    document = _line(row.name)
    page = f"{mailing.portal_url}/vorlagen/{paper.id}"
    return _send(
        db,
        _followers(db, Follow.paper_id == paper.id),
        mailing,
        subject=(f"Neues Dokument: {label}", f"New document: {label}"),
        text=(
            f"Zur Vorlage „{label}“ wurde das Dokument „{document}“ veröffentlicht.\n\n"
            f"Die Vorlage und ihre Dokumente:\n{page}",
            f"The document “{document}” of the paper “{label}” was published.\n\n"
            f"The paper and its documents:\n{page}",
        ),
        about=("der Vorlage", "the paper"),
    )


def agenda_sent(db: Session, meeting: Meeting, mailing: Mailing) -> int:
    """The council office sent the invitation (again: the agenda changed) or the cancellation:
    the followers of the organizations that meet get the public agenda, or the cancellation."""
    if meeting.deleted:
        return 0
    organizations = db.scalars(
        select(Organization)
        .join(MeetingOrganization, MeetingOrganization.organization_id == Organization.id)
        .where(MeetingOrganization.meeting_id == meeting.id, Organization.deleted.is_(False))
        .order_by(Organization.id)
    ).all()
    items = db.scalars(
        select(AgendaItem)
        .where(
            AgendaItem.meeting_id == meeting.id,
            AgendaItem.deleted.is_(False),
            AgendaItem.public.is_(True),
        )
        .order_by(AgendaItem.order, AgendaItem.id)
    ).all()
    agenda = "\n".join(_line(f"{item.number} {item.name}") for item in items)
    page = f"{mailing.portal_url}/sitzungen/{meeting.id}"
    name = _line(meeting.name)
    when = _when(meeting, mailing.zone)
    local = meeting.start.astimezone(mailing.zone)
    sent = 0
    told: set[str] = set()
    for organization in organizations:
        title = _line(organization.name)
        if meeting.cancelled:
            subject = (
                f"Abgesagt: {name} am {local:%d.%m.%Y}",
                f"Cancelled: {name} on {local:%Y-%m-%d}",
            )
            text = (
                f"Die Sitzung „{name}“ ({title}) {when[0]} fällt aus.\n\n{page}",
                f"The meeting “{name}” ({title}) {when[1]} is cancelled.\n\n{page}",
            )
        else:
            subject = (
                f"Tagesordnung: {name} am {local:%d.%m.%Y}",
                f"Agenda: {name} on {local:%Y-%m-%d}",
            )
            text = (
                f"Die Einladung zur Sitzung „{name}“ ({title}) {when[0]} ist versandt. "
                f"Die öffentliche Tagesordnung:\n\n{agenda or '—'}\n\n"
                f"Tagesordnung, Vorlagen und Unterlagen:\n{page}",
                f"The invitation to the meeting “{name}” ({title}) {when[1]} was sent. "
                f"The public agenda:\n\n{agenda or '—'}\n\n"
                f"The agenda, papers and documents:\n{page}",
            )
        sent += _send(
            db,
            _followers(db, Follow.organization_id == organization.id),
            mailing,
            subject=subject,
            text=text,
            about=(f"„{title}“", f"“{title}”"),
            told=told,
        )
    return sent
