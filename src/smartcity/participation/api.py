"""The public participation API (JSON): processes with their phases, the visible proposals with
their review, the comment threads, and a participatory budget's result once voting has closed.

It reads through the same services as the pages, so nothing the moderation hid reaches it: a
hidden proposal answers 410 with the moderation's reason, a hidden comment keeps its place in
the thread (its answers need the context) without its text or author. Citizens' identities
never leave: authors are their chosen public names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.http.caching import cacheable
from smartcity.core.http.deps import IdPath, TenantDbDep, public
from smartcity.core.web.i18n import gettext_
from smartcity.participation import districts, services, voting
from smartcity.participation.models import (
    ALLOWED,
    Comment,
    District,
    Phase,
    Process,
    Proposal,
)

router = APIRouter(prefix="/{municipality}/api/v1/participation", tags=["participation"])
# Supports and comments change by the minute during a campaign; a short cache is enough.
Public = [Depends(public), Depends(cacheable(30))]


class PhaseOut(BaseModel):
    kind: str = Field(description="information, proposals, comments, support, review, voting, …")
    starts_at: datetime
    ends_at: datetime
    allows: list[str] = Field(description="What citizens may do in it: propose, comment, …")


class ProcessOut(BaseModel):
    slug: str
    title: str
    description: str
    area: str
    categories: list[str]
    current_phase: str | None
    phases: list[PhaseOut]
    support_threshold: int | None = Field(
        description="Supports a proposal needs to reach the review (none: no threshold)"
    )
    budget_cents: int | None = Field(description="The participatory budget, in cents")
    voting_rule: str | None = Field(
        description="approval, knapsack or supports, where there is a budget"
    )
    min_share_percent: int | None = Field(
        description="knapsack: the least share of the budget a ballot must spend"
    )
    partial_funding: bool | None
    max_choices: int | None
    tie_break: str | None
    identification: str | None = Field(
        description="How voters identify: login (citizen login) or codes (printed voting codes)"
    )
    result_published: bool


class ReviewOut(BaseModel):
    feasibility: str = Field(description="feasible or not_feasible")
    reason: str
    cost_cents: int | None
    department: str
    reviewed_at: datetime | None


class ProposalOut(BaseModel):
    id: int
    title: str
    body_html: str = Field(description="Sanitised HTML (paragraphs, lists, emphasis, links)")
    category: str
    author: str = Field(description="The author's public name (a pseudonym is allowed)")
    lat: float | None
    lon: float | None
    supports: int
    threshold_reached: bool
    comments: int
    created_at: datetime
    review: ReviewOut | None
    on_ballot: bool


class ProposalPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ProposalOut]


class CommentOut(BaseModel):
    id: int
    hidden: bool = Field(description="Removed by the moderation: text and author are left out")
    hidden_reason: str
    author: str | None
    official: bool = Field(description="An official answer of the administration")
    stance: str = Field(description="pro, contra or neutral")
    body: str | None = Field(description="Plain text")
    supports: int
    created_at: datetime
    replies: list[CommentOut]


class ProposalDetail(ProposalOut):
    thread: list[CommentOut]


class ResultLineOut(BaseModel):
    rank: int
    proposal_id: int
    title: str
    cost_cents: int
    votes: int
    funded: bool
    funded_cents: int = Field(
        description="Its cost when funded, the rest of the budget when funded in part, else 0"
    )


class ResultOut(BaseModel):
    ballots: int
    budget_cents: int
    spent_cents: int
    voting_rule: str
    tie_break: str
    lines: list[ResultLineOut]
    published_ballots: list[tuple[str, list[int]]] = Field(
        description="Every ballot as (receipt code, chosen proposal ids), to recount and to "
        "find one's own"
    )
    final: bool = Field(
        description="False while the result is provisional: the polling stations' paper "
        "ballots are still counted (until the results phase starts) or wait for confirmation"
    )


def _phase_out(phase: Phase) -> PhaseOut:
    return PhaseOut(
        kind=phase.kind,
        starts_at=phase.starts_at,
        ends_at=phase.ends_at,
        allows=sorted(ALLOWED[phase.kind]),
    )


def _process_out(db: Session, process: Process) -> ProcessOut:
    now = utcnow()
    found = services.phases(db, process)  # read once: the timeline, the current phase, closed
    current = services.running_phase(found, now)
    has_budget = process.budget_cents is not None
    return ProcessOut(
        slug=process.slug,
        title=process.title,
        description=process.description,
        area=process.area,
        categories=list(process.categories or []),
        current_phase=current.kind if current else None,
        phases=[_phase_out(p) for p in found],
        support_threshold=process.support_threshold,
        budget_cents=process.budget_cents,
        voting_rule=process.rule if has_budget else None,
        max_choices=process.max_choices if has_budget else None,
        tie_break=process.tie_break if has_budget else None,
        identification=process.identification if has_budget else None,
        min_share_percent=process.min_share_percent if has_budget else None,
        partial_funding=process.partial_funding if has_budget else None,
        result_published=has_budget and services.voting_over(found, now),
    )


def _proposal_out(process: Process, proposal: Proposal, comments: int) -> ProposalOut:
    review = None
    if proposal.feasibility is not None:
        review = ReviewOut(
            feasibility=proposal.feasibility,
            reason=proposal.review_reason,
            cost_cents=proposal.cost_cents,
            department=proposal.department,
            reviewed_at=proposal.reviewed_at,
        )
    return ProposalOut(
        id=proposal.id,
        title=proposal.title,
        body_html=proposal.body_html,
        category=proposal.category,
        author=proposal.public_name,
        lat=proposal.lat,
        lon=proposal.lon,
        supports=proposal.supports,
        threshold_reached=services.reached_threshold(process, proposal),
        comments=comments,
        created_at=proposal.created_at,
        review=review,
        on_ballot=proposal.on_ballot,
    )


def _comment_out(thread: services.Thread) -> CommentOut:
    comment: Comment = thread.comment
    hidden = comment.hidden_at is not None
    return CommentOut(
        id=comment.id,
        hidden=hidden,
        hidden_reason=comment.hidden_reason if hidden else "",
        author=None if hidden else comment.public_name,
        official=comment.official,
        stance=comment.stance,
        body=None if hidden else comment.body,
        supports=comment.supports,
        created_at=comment.created_at,
        replies=[_comment_out(reply) for reply in thread.replies],
    )


@router.get("/processes", dependencies=Public, summary="The municipality's processes")
def list_processes(db: TenantDbDep) -> list[ProcessOut]:
    return [_process_out(db, p) for p in services.processes(db)]


@router.get("/processes/{slug}", dependencies=Public, summary="A process with its phases")
def get_process(db: TenantDbDep, slug: str) -> ProcessOut:
    return _process_out(db, services.process_by_slug(db, slug))


@router.get(
    "/processes/{slug}/proposals",
    dependencies=Public,
    summary="The process's proposals (never one the moderation hid), paged",
)
def list_proposals(
    db: TenantDbDep,
    slug: str,
    sort: Annotated[Literal["newest", "supported"], Query()] = "newest",
    category: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ProposalPage:
    process = services.process_by_slug(db, slug)
    total, page = services.visible_proposals_page(
        db, process, sort=sort, category=category, limit=limit, offset=offset
    )
    counts = services.count_comments(db, [p.id for p in page])
    return ProposalPage(
        total=total,
        offset=offset,
        limit=limit,
        items=[_proposal_out(process, p, counts.get(p.id, 0)) for p in page],
    )


@router.get(
    "/processes/{slug}/proposals/{proposal_id}",
    dependencies=Public,
    summary="A proposal with its comment threads (410 when the moderation removed it)",
)
def get_proposal(
    db: TenantDbDep,
    slug: str,
    proposal_id: IdPath,
    sort: Annotated[Literal["newest", "supported"], Query()] = "newest",
) -> ProposalDetail:
    process = services.process_by_slug(db, slug)
    proposal = services.visible_proposal(db, process, proposal_id)
    threads = services.comments(db, proposal, sort)
    counts = services.count_comments(db, [proposal.id])
    summary = _proposal_out(process, proposal, counts.get(proposal.id, 0))
    return ProposalDetail(
        **summary.model_dump(), thread=[_comment_out(thread) for thread in threads]
    )


@router.get(
    "/processes/{slug}/result",
    dependencies=Public,
    summary="The participatory budget's result and every ballot, once voting has closed",
)
def get_result(
    db: TenantDbDep,
    slug: str,
    district: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> ResultOut:
    """With budgets per district, one district's result (`district`), counted on its own."""
    process = services.process_by_slug(db, slug)
    if process.budget_cents is None:
        raise NotFound(gettext_("This process has no participatory budget."))
    if not services.voting_closed(db, process):
        raise Conflict(gettext_("The result is published when voting has closed."))
    chosen: District | None = None
    if district is not None:
        chosen = districts.district_of(db, process, district)
    elif voting.has_districts(db, process):
        raise InvalidInput(
            gettext_("This process has a budget per district: please name the district.")
        )
    found = voting.result(db, process, chosen)
    terms: District | Process = chosen if chosen is not None else process
    return ResultOut(
        ballots=found.ballots,
        budget_cents=found.budget_cents,
        spent_cents=found.spent_cents,
        voting_rule=terms.rule,
        tie_break=terms.tie_break,
        lines=[
            ResultLineOut(
                rank=line.rank,
                proposal_id=line.project.id,
                title=line.project.title,
                cost_cents=line.project.cost_cents,
                votes=line.votes,
                funded=line.funded,
                funded_cents=line.funded_cents,
            )
            for line in found.lines
        ],
        published_ballots=voting.published_ballots(db, process, chosen),
        final=services.result_final(db, process),
    )
