"""Processes, phases and proposals: what citizens may do is decided here, by the phase the
process is in at the moment of the request, never by what a page shows.

Every staff action is audited; a refused change of the voting rules is audited too (the
caller commits the refusal's entry, see `RulesFrozen`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import nh3
from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, Gone, InvalidInput, NotFound
from smartcity.core.tenancy.scope import TenantScope, scope_of
from smartcity.participation import areas, blocking
from smartcity.participation.models import (
    ALLOWED,
    FEASIBILITY,
    IDENTIFICATIONS,
    PHASES,
    RULES,
    STANCES,
    TIE_BREAKS,
    Ballot,
    Comment,
    CommentSupport,
    Flag,
    PaperBallot,
    Phase,
    Process,
    Proposal,
    Support,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
# The safe formatting subset of a proposal's text: paragraphs, emphasis, lists, links.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote"}
MAX_TEXT = 20_000
MAX_COMMENT = 5_000
SORTS = ("newest", "supported")
# Path segments of the back office next to a process's slug.
RESERVED = ("moderation", "abbestellen")


class PhaseClosed(Conflict):
    """The process is not in a phase that allows this."""


class RulesFrozen(Conflict):
    """Voting has started: the voting rule, the budget and the projects on the ballot stay as
    they are. The refused attempt is in the audit log once the caller commits."""


def sanitise(html: str) -> str:
    """A proposal's text as safe HTML: anything outside the subset is dropped."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def upsert(db: Session, model: type[object]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of `model` with ON CONFLICT, in the session's database's dialect."""
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


def tenant_id(db: Session) -> int:
    """The municipality of the session: a Core INSERT bypasses the ORM's stamping."""
    scope = scope_of(db)
    if not isinstance(scope, TenantScope):
        raise RuntimeError("participation writes need a tenant scope")
    return scope.municipality_id


# --- processes and phases ---------------------------------------------------------------


@dataclass
class ProcessInput:
    slug: str
    title: str
    description: str = ""
    area: str = ""
    categories: Sequence[str] = ()
    support_threshold: int | None = None
    budget_cents: int | None = None
    rule: str = "approval"
    max_choices: int = 3
    tie_break: str = "lower_cost"
    identification: str = "login"
    min_share_percent: int = 0
    partial_funding: bool = False


@dataclass(frozen=True)
class PhaseInput:
    kind: str
    starts_at: datetime
    ends_at: datetime


def check_rules(
    rule: str,
    max_choices: int,
    tie_break: str,
    budget: int | None,
    identification: str,
    min_share_percent: int = 0,
) -> None:
    errors = {}
    if not 0 <= min_share_percent <= 100:
        errors["min_share_percent"] = "Please give a share between 0 and 100 percent."
    if identification not in IDENTIFICATIONS:
        errors["identification"] = "Please choose how voters identify themselves."
    if rule not in RULES:
        errors["rule"] = "Please choose a voting rule."
    if not 1 <= max_choices <= 100:
        errors["max_choices"] = "Please allow between 1 and 100 choices."
    if tie_break not in TIE_BREAKS:
        errors["tie_break"] = "Please choose how ties are broken."
    if budget is not None and budget < 0:
        errors["budget"] = "The budget cannot be negative."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)


def create_process(db: Session, data: ProcessInput, *, actor: str) -> Process:
    errors = {}
    if not SLUG.match(data.slug) or data.slug in RESERVED:
        errors["slug"] = "Use 2 to 60 lower-case letters, digits and hyphens."
    elif db.scalar(select(Process.id).where(Process.slug == data.slug)) is not None:
        errors["slug"] = "This address is taken."
    if not data.title.strip():
        errors["title"] = "Please enter a title."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    check_rules(
        data.rule,
        data.max_choices,
        data.tie_break,
        data.budget_cents,
        data.identification,
        data.min_share_percent,
    )
    process = Process(
        slug=data.slug,
        title=data.title.strip()[:200],
        description=data.description.strip(),
        area=data.area.strip()[:200],
        categories=[c.strip()[:60] for c in data.categories if c.strip()],
        support_threshold=data.support_threshold,
        budget_cents=data.budget_cents,
        rule=data.rule,
        max_choices=data.max_choices,
        tie_break=data.tie_break,
        identification=data.identification,
        min_share_percent=data.min_share_percent,
        partial_funding=data.partial_funding,
    )
    db.add(process)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="participation.process.create",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"slug": process.slug, "title": process.title},
    )
    return process


def processes(db: Session) -> list[Process]:
    return list(db.scalars(select(Process).order_by(Process.created_at.desc(), Process.id.desc())))


def process_by_slug(db: Session, slug: str) -> Process:
    found = db.scalar(select(Process).where(Process.slug == slug))
    if found is None:
        raise NotFound("There is no such participation process.")
    return found


def phases(db: Session, process: Process) -> list[Phase]:
    found = db.scalars(select(Phase).where(Phase.process_id == process.id))
    return sorted(found, key=lambda p: (p.starts_at, PHASES.index(p.kind)))


def current_phase(db: Session, process: Process, now: datetime | None = None) -> Phase | None:
    return running_phase(phases(db, process), now or utcnow())


def running_phase(found: Sequence[Phase], now: datetime) -> Phase | None:
    """The phase running at `now` among a process's `phases` (for a caller that has them)."""
    running = [p for p in found if p.starts_at <= now < p.ends_at]
    return running[-1] if running else None


def require(db: Session, process: Process, action: str, now: datetime | None = None) -> None:
    """Refuses `action` unless the process's current phase allows it."""
    phase = current_phase(db, process, now)
    if phase is None or action not in ALLOWED[phase.kind]:
        raise PhaseClosed(
            {
                "propose": "Proposals cannot be made in the current phase of this process.",
                "comment": "Comments cannot be written in the current phase of this process.",
                "support": "Proposals cannot be supported in the current phase of this process.",
                "vote": "Voting is not open in the current phase of this process.",
            }[action]
        )


def voting_phase(db: Session, process: Process) -> Phase | None:
    return next((p for p in phases(db, process) if p.kind == "voting"), None)


def voting_started(db: Session, process: Process, now: datetime | None = None) -> bool:
    """From the start of the voting phase on (or once any ballot exists) the rules are frozen."""
    now = now or utcnow()
    phase = voting_phase(db, process)
    if phase is not None and phase.starts_at <= now:
        return True
    return db.scalar(select(Ballot.id).where(Ballot.process_id == process.id).limit(1)) is not None


def voting_closed(db: Session, process: Process, now: datetime | None = None) -> bool:
    return voting_over(phases(db, process), now or utcnow())


def voting_over(found: Sequence[Phase], now: datetime) -> bool:
    """Whether the voting phase among a process's `phases` has ended at `now`."""
    return any(p.kind == "voting" and p.ends_at <= now for p in found)


def count_end(found: Sequence[Phase]) -> datetime | None:
    """When the count of a process's `phases` ends: paper ballots of the polling stations can
    be entered from the start of voting until the results phase starts (without a results
    phase, until voting ends). None without a voting phase."""
    voting = next((p for p in found if p.kind == "voting"), None)
    if voting is None:
        return None
    results = next((p for p in found if p.kind == "results"), None)
    return voting.ends_at if results is None else max(voting.ends_at, results.starts_at)


def counting(found: Sequence[Phase], now: datetime) -> bool:
    """Whether paper ballots can be entered at `now` (see `count_end`)."""
    voting = next((p for p in found if p.kind == "voting"), None)
    end = count_end(found)
    return voting is not None and end is not None and voting.starts_at <= now < end


def result_final(db: Session, process: Process, now: datetime | None = None) -> bool:
    """Whether the published result is final: voting has ended, the count has ended (the
    results phase has started) and no paper ballot waits for its confirmation. Until then the
    result is provisional: paper ballots may still change it."""
    now = now or utcnow()
    found = phases(db, process)
    if not voting_over(found, now) or counting(found, now):
        return False
    waiting = db.scalar(
        select(PaperBallot.id)
        .where(PaperBallot.process_id == process.id, PaperBallot.status == "pending")
        .limit(1)
    )
    return waiting is None


def refuse_frozen(
    db: Session, process: Process, what: str, attempted: dict[str, object], actor: str
) -> None:
    audit.record(
        db,
        actor=actor,
        action="participation.rules.refused",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"attempted": what, **attempted},
    )
    raise RulesFrozen(
        "Voting has started: the voting rule, the budget, the voting phase and the projects "
        "on the ballot can no longer be changed."
    )


def set_phases(
    db: Session,
    process: Process,
    given: Sequence[PhaseInput],
    *,
    actor: str,
    now: datetime | None = None,
) -> list[Phase]:
    errors = {}
    kinds = [p.kind for p in given]
    if any(k not in PHASES for k in kinds) or len(set(kinds)) != len(kinds):
        errors["phases"] = "Each phase may appear once."
    for phase in given:
        if phase.ends_at <= phase.starts_at:
            errors[phase.kind] = "A phase must end after it starts."
    if errors:
        raise InvalidInput("Please check the phases.", errors=errors)
    existing = {p.kind: p for p in phases(db, process)}
    if voting_started(db, process, now):
        old = existing.get("voting")
        new = next((p for p in given if p.kind == "voting"), None)
        if (
            old is None
            or new is None
            or (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at)
        ):
            refuse_frozen(db, process, "voting phase", {}, actor)
    for kind, dropped in existing.items():
        if kind not in kinds:
            db.delete(dropped)
    for item in given:
        found = existing.get(item.kind)
        if found is None:
            db.add(
                Phase(
                    process_id=process.id,
                    kind=item.kind,
                    starts_at=item.starts_at,
                    ends_at=item.ends_at,
                )
            )
        else:
            found.starts_at, found.ends_at = item.starts_at, item.ends_at
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="participation.phases.set",
        resource_type="participation_process",
        resource_id=process.id,
        changes={p.kind: f"{p.starts_at.isoformat()}/{p.ends_at.isoformat()}" for p in given},
    )
    return phases(db, process)


def change_rules(
    db: Session,
    process: Process,
    *,
    rule: str,
    max_choices: int,
    tie_break: str,
    budget_cents: int | None,
    actor: str,
    identification: str | None = None,
    min_share_percent: int | None = None,
    partial_funding: bool | None = None,
    now: datetime | None = None,
) -> Process:
    """Sets the voting rule, budget, how voters identify, the knapsack's minimum share and
    partial funding (None: unchanged); refused (and audited) once voting has started."""
    identification = identification or process.identification
    if min_share_percent is None:
        min_share_percent = process.min_share_percent
    if partial_funding is None:
        partial_funding = process.partial_funding
    check_rules(rule, max_choices, tie_break, budget_cents, identification, min_share_percent)
    changes: dict[str, object] = {
        name: value
        for name, value in (
            ("rule", rule),
            ("max_choices", max_choices),
            ("tie_break", tie_break),
            ("budget_cents", budget_cents),
            ("identification", identification),
            ("min_share_percent", min_share_percent),
            ("partial_funding", partial_funding),
        )
        if getattr(process, name) != value
    }
    return change_frozen(
        db, process, changes, what="voting rules", action="rules.change", actor=actor, now=now
    )


def change_frozen(
    db: Session,
    process: Process,
    changes: dict[str, object],
    *,
    what: str,
    action: str,
    actor: str,
    now: datetime | None,
) -> Process:
    """Apply `changes` to settings of a process that are frozen once voting starts: nothing
    to do without a change; refused (and the attempt audited) once voting started; otherwise
    set and audited as `participation.<action>`."""
    if not changes:
        return process
    if voting_started(db, process, now):
        refuse_frozen(db, process, what, changes, actor)
    for name, value in changes.items():
        setattr(process, name, value)
    audit.record(
        db,
        actor=actor,
        action=f"participation.{action}",
        resource_type="participation_process",
        resource_id=process.id,
        changes=changes,
    )
    return process


def set_on_ballot(
    db: Session,
    proposal: Proposal,
    on_ballot: bool,
    *,
    actor: str,
    now: datetime | None = None,
) -> None:
    """Puts a reviewed, feasible proposal with a cost on the ballot (or takes it off)."""
    if proposal.on_ballot == on_ballot:
        return
    process = db.get(Process, proposal.process_id)
    assert process is not None
    if voting_started(db, process, now):
        refuse_frozen(db, process, "projects on the ballot", {"proposal": proposal.id}, actor)
    if on_ballot and (
        proposal.hidden_at is not None
        or proposal.held_at is not None
        or proposal.feasibility != "feasible"
        or proposal.cost_cents is None
    ):
        raise InvalidInput(
            "Only a visible proposal reviewed as feasible, with its cost, can go on the ballot."
        )
    proposal.on_ballot = on_ballot
    audit.record(
        db,
        actor=actor,
        action="participation.ballot.project",
        resource_type="participation_proposal",
        resource_id=proposal.id,
        changes={"on_ballot": on_ballot},
    )


# --- proposals ------------------------------------------------------------------------------


@dataclass
class ProposalInput:
    title: str
    text: str
    public_name: str
    category: str = ""
    lat: float | None = None
    lon: float | None = None


def _check_place(lat: float | None, lon: float | None) -> dict[str, str]:
    if (lat is None) != (lon is None):
        return {"lat": "Please give both coordinates, or none."}
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return {"lat": "These coordinates are not on the map."}
    return {}


def submit_proposal(
    db: Session,
    process: Process,
    data: ProposalInput,
    *,
    citizen_subject: str,
    now: datetime | None = None,
) -> Proposal:
    require(db, process, "propose", now)
    blocking.require_not_blocked(db, citizen_subject)
    body = sanitise(data.text.strip())
    errors = {}
    if not data.title.strip():
        errors["title"] = "Please enter a title."
    elif len(data.title.strip()) > 200:
        errors["title"] = "Please use at most 200 characters for the title."
    if not nh3.clean(body, tags=set()).strip():
        errors["text"] = "Please describe your proposal."
    elif len(body) > MAX_TEXT:
        errors["text"] = "The text is too long."
    if not data.public_name.strip():
        errors["public_name"] = "Please enter the name to show (a pseudonym is fine)."
    if data.category and data.category not in process.categories:
        errors["category"] = "Please choose one of the categories."
    errors.update(_check_place(data.lat, data.lon))
    if (
        "lat" not in errors
        and data.lat is not None
        and data.lon is not None
        and not areas.contains(process.area_geojson, data.lat, data.lon)
    ):
        errors["lat"] = "This place lies outside the area of this process."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    proposal = Proposal(
        process_id=process.id,
        author_subject=citizen_subject,
        public_name=data.public_name.strip()[:80],
        title=data.title.strip(),
        body_html=body,
        category=data.category,
        lat=data.lat,
        lon=data.lon,
        created_at=now or utcnow(),
    )
    if blocking.should_hold(db, proposal.title, nh3.clean(body, tags=set())):
        proposal.held_at = proposal.created_at
    db.add(proposal)
    db.flush()
    return proposal


def visible_proposals(
    db: Session,
    process: Process | None = None,
    *,
    sort: str = "newest",
    category: str | None = None,
) -> list[Proposal]:
    """The proposals anybody may see: never a hidden one. Pages, the map, the exports and the
    open data all read through here."""
    return list(db.scalars(_visible_query(process, sort, category)))


def visible_proposals_page(
    db: Session, process: Process, *, sort: str, category: str | None, limit: int, offset: int
) -> tuple[int, list[Proposal]]:
    """One page of `visible_proposals` and how many there are in all (counted and paged in
    the database, not by loading every proposal)."""
    total = db.scalar(select(func.count(Proposal.id)).where(*_visible_where(process, category)))
    page = _visible_query(process, sort, category).limit(limit).offset(offset)
    return int(total or 0), list(db.scalars(page))


def _visible_where(process: Process | None, category: str | None) -> list[ColumnElement[bool]]:
    # Held for review (the word list) is as invisible as hidden, until released.
    where: list[ColumnElement[bool]] = [Proposal.hidden_at.is_(None), Proposal.held_at.is_(None)]
    if process is not None:
        where.append(Proposal.process_id == process.id)
    if category:
        where.append(Proposal.category == category)
    return where


def _visible_query(process: Process | None, sort: str, category: str | None) -> Select[Proposal]:
    query = select(Proposal).where(*_visible_where(process, category))
    if sort == "supported":
        return query.order_by(Proposal.supports.desc(), Proposal.id.desc())
    return query.order_by(Proposal.created_at.desc(), Proposal.id.desc())


def get_proposal(db: Session, process: Process, proposal_id: int) -> Proposal:
    """Any proposal of the process, hidden or not (staff)."""
    found = db.get(Proposal, proposal_id)
    if found is None or found.process_id != process.id:
        raise NotFound("There is no such proposal.")
    return found


def visible_proposal(db: Session, process: Process, proposal_id: int) -> Proposal:
    found = get_proposal(db, process, proposal_id)
    if found.held_at is not None:
        raise NotFound("There is no such proposal.")
    if found.hidden_at is not None:
        raise Gone(f"This proposal was removed by the moderation: {found.hidden_reason}")
    return found


def support(
    db: Session,
    proposal: Proposal,
    *,
    citizen_subject: str,
    now: datetime | None = None,
) -> bool:
    """One support per citizen and proposal, only in the support phase; False when the citizen
    had supported it already. Safe under concurrency: the unique key decides."""
    process = db.get(Process, proposal.process_id)
    assert process is not None
    if proposal.hidden_at is not None:
        raise Gone("This proposal was removed by the moderation.")
    if proposal.held_at is not None:
        raise NotFound("There is no such proposal.")
    require(db, process, "support", now)
    blocking.require_not_blocked(db, citizen_subject)
    added = db.execute(
        upsert(db, Support)
        .values(
            municipality_id=tenant_id(db),
            proposal_id=proposal.id,
            citizen_subject=citizen_subject,
            created_at=now or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["proposal_id", "citizen_subject"])
        .returning(Support.id)
    )
    # RETURNING names the new row; nothing when the citizen had supported it already.
    if added.scalar_one_or_none() is None:
        return False
    db.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(supports=Proposal.supports + 1)
        .execution_options(synchronize_session=False)
    )
    db.refresh(proposal)
    return True


def has_supported(db: Session, proposal: Proposal, citizen_subject: str | None) -> bool:
    if citizen_subject is None:
        return False
    return (
        db.scalar(
            select(Support.id).where(
                Support.proposal_id == proposal.id, Support.citizen_subject == citizen_subject
            )
        )
        is not None
    )


def reached_threshold(process: Process, proposal: Proposal) -> bool:
    return process.support_threshold is None or proposal.supports >= process.support_threshold


@dataclass
class ReviewInput:
    feasibility: str
    reason: str = ""
    cost_cents: int | None = None
    department: str = ""


def review(
    db: Session,
    proposal: Proposal,
    data: ReviewInput,
    *,
    actor: str,
    now: datetime | None = None,
) -> Proposal:
    errors = {}
    if data.feasibility not in FEASIBILITY:
        errors["feasibility"] = "Please say whether the proposal is feasible."
    if data.feasibility == "not_feasible" and not data.reason.strip():
        errors["reason"] = "Please give the reason why it is not feasible."
    if data.cost_cents is not None and data.cost_cents < 0:
        errors["cost"] = "The cost cannot be negative."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    if proposal.on_ballot and (
        data.feasibility != "feasible" or data.cost_cents != proposal.cost_cents
    ):
        process = db.get(Process, proposal.process_id)
        assert process is not None
        if voting_started(db, process, now):
            refuse_frozen(db, process, "cost of a project on the ballot", {}, actor)
        if data.feasibility != "feasible":
            proposal.on_ballot = False
    proposal.feasibility = data.feasibility
    proposal.review_reason = data.reason.strip()
    proposal.cost_cents = data.cost_cents
    proposal.department = data.department.strip()[:100]
    proposal.reviewed_at = now or utcnow()
    audit.record(
        db,
        actor=actor,
        action="participation.proposal.review",
        resource_type="participation_proposal",
        resource_id=proposal.id,
        changes={
            "feasibility": data.feasibility,
            "cost_cents": data.cost_cents,
            "department": proposal.department,
        },
    )
    return proposal


# --- comments -------------------------------------------------------------------------------


@dataclass
class CommentInput:
    body: str
    public_name: str
    stance: str = "neutral"
    parent_id: int | None = None


def add_comment(
    db: Session,
    proposal: Proposal,
    data: CommentInput,
    *,
    citizen_subject: str | None = None,
    official_by: int | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Comment:
    """A citizen's comment (in a phase that allows comments) or an official answer of the
    administration (`official_by`: the staff member; any phase)."""
    process = db.get(Process, proposal.process_id)
    assert process is not None
    if proposal.hidden_at is not None:
        raise Gone("This proposal was removed by the moderation.")
    if proposal.held_at is not None:
        raise NotFound("There is no such proposal.")
    official = official_by is not None
    if not official:
        if citizen_subject is None:
            raise InvalidInput("Please sign in to comment.")
        require(db, process, "comment", now)
        blocking.require_not_blocked(db, citizen_subject)
    errors = {}
    body = data.body.strip()
    if not body:
        errors["body"] = "Please write your comment."
    elif len(body) > MAX_COMMENT:
        errors["body"] = "Please use at most 5000 characters."
    if data.stance not in STANCES:
        errors["stance"] = "Please choose pro, contra or neutral."
    if not official and not data.public_name.strip():
        errors["public_name"] = "Please enter the name to show (a pseudonym is fine)."
    if data.parent_id is not None:
        parent = db.get(Comment, data.parent_id)
        if parent is None or parent.proposal_id != proposal.id or parent.held_at is not None:
            errors["parent"] = "There is no such comment to answer."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    comment = Comment(
        proposal_id=proposal.id,
        parent_id=data.parent_id,
        author_subject=None if official else citizen_subject,
        author_user_id=official_by,
        public_name=data.public_name.strip()[:80],
        stance=data.stance,
        official=official,
        body=body,
        created_at=now or utcnow(),
    )
    # The administration's own answers are never held.
    if not official and blocking.should_hold(db, body):
        comment.held_at = comment.created_at
    db.add(comment)
    db.flush()
    if official and actor:
        audit.record(
            db,
            actor=actor,
            action="participation.comment.official",
            resource_type="participation_comment",
            resource_id=comment.id,
            changes={"proposal": proposal.id},
        )
    return comment


@dataclass
class Thread:
    comment: Comment
    replies: list[Thread]


def comments(
    db: Session, proposal: Proposal, sort: str = "newest", viewer: str | None = None
) -> list[Thread]:
    """The proposal's comments as threads; hidden ones stay in place (their answers keep
    their context) and the page shows only the moderation's reason for them. A comment held
    for review is left out, except for its author (`viewer`), whose page says it is checked."""
    held_visible: ColumnElement[bool] = Comment.held_at.is_(None)
    if viewer is not None:
        held_visible = held_visible | (Comment.author_subject == viewer)
    found = list(
        db.scalars(select(Comment).where(Comment.proposal_id == proposal.id, held_visible))
    )
    if sort == "supported":
        found.sort(key=lambda c: (-c.supports, -c.id))
    else:
        found.sort(key=lambda c: (c.created_at, c.id), reverse=True)
    by_parent: dict[int | None, list[Comment]] = {}
    for comment in found:
        by_parent.setdefault(comment.parent_id, []).append(comment)

    def build(parent: int | None, depth: int) -> list[Thread]:
        children = by_parent.get(parent, [])
        if parent is not None:
            children = sorted(children, key=lambda c: (c.created_at, c.id))
        return [Thread(c, build(c.id, depth + 1) if depth < 20 else []) for c in children]

    return build(None, 0)


def support_comment(
    db: Session, comment: Comment, *, citizen_subject: str, now: datetime | None = None
) -> bool:
    proposal = db.get(Proposal, comment.proposal_id)
    assert proposal is not None
    process = db.get(Process, proposal.process_id)
    assert process is not None
    if comment.hidden_at is not None or proposal.hidden_at is not None:
        raise Gone("This comment was removed by the moderation.")
    if comment.held_at is not None or proposal.held_at is not None:
        raise NotFound("There is no such comment.")
    require(db, process, "comment", now)
    blocking.require_not_blocked(db, citizen_subject)
    added = db.execute(
        upsert(db, CommentSupport)
        .values(
            municipality_id=tenant_id(db),
            comment_id=comment.id,
            citizen_subject=citizen_subject,
        )
        .on_conflict_do_nothing(index_elements=["comment_id", "citizen_subject"])
        .returning(CommentSupport.id)
    )
    # RETURNING names the new row; nothing when the citizen had supported it already.
    if added.scalar_one_or_none() is None:
        return False
    db.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(supports=Comment.supports + 1)
        .execution_options(synchronize_session=False)
    )
    db.refresh(comment)
    return True


def comment_of(db: Session, proposal: Proposal, comment_id: int) -> Comment:
    found = db.get(Comment, comment_id)
    if found is None or found.proposal_id != proposal.id:
        raise NotFound("There is no such comment.")
    return found


def count_comments(db: Session, proposal_ids: Sequence[int]) -> dict[int, int]:
    if not proposal_ids:
        return {}
    rows = db.execute(
        select(Comment.proposal_id, func.count())
        .where(
            Comment.proposal_id.in_(proposal_ids),
            Comment.hidden_at.is_(None),
            Comment.held_at.is_(None),
        )
        .group_by(Comment.proposal_id)
    )
    return {proposal_id: int(total) for proposal_id, total in rows}


# --- moderation -------------------------------------------------------------------------------

TARGETS = ("proposal", "comment")


def find_target(db: Session, target_type: str, target_id: int) -> Proposal | Comment:
    """The proposal or comment a moderation form or report names (any, hidden or held too)."""
    found: Proposal | Comment | None = None
    if target_type == "proposal":
        found = db.get(Proposal, target_id)
    elif target_type == "comment":
        found = db.get(Comment, target_id)
    if found is None:
        raise NotFound("There is no such contribution.")
    return found


def flag(
    db: Session,
    target_type: str,
    target_id: int,
    *,
    citizen_subject: str,
    reason: str,
    now: datetime | None = None,
) -> Flag:
    found = find_target(db, target_type, target_id)
    if found.held_at is not None:  # nobody but its author sees it
        raise NotFound("There is no such contribution.")
    if found.hidden_at is not None:
        raise Gone("This contribution was removed already.")
    if not reason.strip():
        raise InvalidInput(
            "Please tell us what is wrong.", errors={"reason": "Please tell us what is wrong."}
        )
    report = Flag(
        target_type=target_type,
        target_id=target_id,
        reporter_subject=citizen_subject,
        reason=reason.strip()[:500],
        created_at=now or utcnow(),
    )
    db.add(report)
    db.flush()
    return report


@dataclass(frozen=True)
class QueueItem:
    target_type: str
    target_id: int
    title: str
    text: str
    reasons: list[str]
    process_slug: str
    proposal_id: int


def moderation_queue(db: Session) -> list[QueueItem]:
    """Flagged contributions not decided yet, oldest first."""
    open_flags = list(
        db.scalars(select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.created_at))
    )
    grouped: dict[tuple[str, int], list[str]] = {}
    for item in open_flags:
        grouped.setdefault((item.target_type, item.target_id), []).append(item.reason)
    queue = []
    for (target_type, target_id), reasons in grouped.items():
        target = find_target(db, target_type, target_id)
        proposal = target if isinstance(target, Proposal) else db.get(Proposal, target.proposal_id)
        assert proposal is not None
        process = db.get(Process, proposal.process_id)
        assert process is not None
        queue.append(
            QueueItem(
                target_type,
                target_id,
                proposal.title,
                nh3.clean(target.body_html, tags=set())
                if isinstance(target, Proposal)
                else target.body,
                reasons,
                process.slug,
                proposal.id,
            )
        )
    return queue


def _resolve_flags(db: Session, target_type: str, target_id: int, now: datetime) -> None:
    db.execute(
        update(Flag)
        .where(
            Flag.target_type == target_type,
            Flag.target_id == target_id,
            Flag.resolved_at.is_(None),
        )
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )


def hide(
    db: Session,
    target_type: str,
    target_id: int,
    *,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> None:
    """Hides a contribution with a public reason ("Beleidigung"): from then on it is in no
    page, API, map, feed or export; a hidden proposal leaves the ballot."""
    now = now or utcnow()
    if not reason.strip():
        raise InvalidInput(
            "Please give the public reason.", errors={"reason": "Please give the public reason."}
        )
    target = find_target(db, target_type, target_id)
    if isinstance(target, Proposal) and target.on_ballot:
        process = db.get(Process, target.process_id)
        assert process is not None
        if voting_started(db, process, now):
            refuse_frozen(db, process, "projects on the ballot", {"proposal": target.id}, actor)
        target.on_ballot = False
    target.hidden_at = now
    target.hidden_reason = reason.strip()[:200]
    target.held_at = None  # a held post the moderation hides is decided
    _resolve_flags(db, target_type, target_id, now)
    audit.record(
        db,
        actor=actor,
        action="participation.moderation.hide",
        resource_type=f"participation_{target_type}",
        resource_id=target_id,
        changes={"reason": target.hidden_reason},
    )


def restore(
    db: Session, target_type: str, target_id: int, *, actor: str, now: datetime | None = None
) -> None:
    target = find_target(db, target_type, target_id)
    target.hidden_at = None
    target.hidden_reason = ""
    _resolve_flags(db, target_type, target_id, now or utcnow())
    audit.record(
        db,
        actor=actor,
        action="participation.moderation.restore",
        resource_type=f"participation_{target_type}",
        resource_id=target_id,
    )


def dismiss_flags(
    db: Session, target_type: str, target_id: int, *, actor: str, now: datetime | None = None
) -> None:
    find_target(db, target_type, target_id)
    _resolve_flags(db, target_type, target_id, now or utcnow())
    audit.record(
        db,
        actor=actor,
        action="participation.moderation.dismiss",
        resource_type=f"participation_{target_type}",
        resource_id=target_id,
    )


def hidden(db: Session) -> list[Proposal | Comment]:
    found: list[Proposal | Comment] = list(
        db.scalars(select(Proposal).where(Proposal.hidden_at.is_not(None)))
    )
    found += list(db.scalars(select(Comment).where(Comment.hidden_at.is_not(None))))
    return found
