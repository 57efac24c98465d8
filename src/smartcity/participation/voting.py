"""The participatory budget's vote: ballots, their receipts and the tally.

A ballot is stored under a keyed hash of the voter (HMAC with the server secret and the
process), never under the citizen's identity, and carries a random receipt code. After voting
closes the tally is published with every ballot by its receipt: each voter finds theirs, and
anybody can recount with `tally` and get the announced result.

The tally is deterministic: projects are ranked by votes, ties broken by the declared rule
(the cheaper project first, or the earlier proposal), then funded greedily in that order while
the remaining budget covers them (a project that does not fit is skipped, the next may fit)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.participation.models import Ballot, Process, Proposal
from smartcity.participation.services import require, tenant_id, upsert, visible_proposals

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Project:
    id: int
    title: str
    cost_cents: int


@dataclass(frozen=True)
class Rules:
    rule: str
    max_choices: int
    budget_cents: int
    tie_break: str

    @classmethod
    def of(cls, process: Process) -> Rules:
        return cls(process.rule, process.max_choices, process.budget_cents or 0, process.tie_break)


@dataclass(frozen=True)
class Line:
    project: Project
    votes: int
    rank: int
    funded: bool


@dataclass(frozen=True)
class Result:
    lines: list[Line]
    ballots: int
    budget_cents: int
    spent_cents: int


def check_choices(
    projects: Mapping[int, Project], choices: Sequence[int], rules: Rules
) -> dict[str, str]:
    """What is wrong with a ballot ({} when nothing is)."""
    if len(set(choices)) != len(choices):
        return {"choices": "Each project can be chosen once."}
    if any(choice not in projects for choice in choices):
        return {"choices": "A chosen project is not on the ballot of this process."}
    if not choices:
        return {"choices": "Please choose at least one project."}
    if rules.rule == "approval" and len(choices) > rules.max_choices:
        return {"choices": "You chose more projects than the voting rule allows."}
    if rules.rule == "knapsack":
        total = sum(projects[choice].cost_cents for choice in choices)
        if total > rules.budget_cents:
            return {"choices": "The chosen projects cost more than the budget."}
    return {}


def tally(projects: Iterable[Project], ballots: Iterable[Sequence[int]], rules: Rules) -> Result:
    """The result from the ballots alone: anybody can recompute it from the published list."""
    listed = {project.id: project for project in projects}
    votes = dict.fromkeys(listed, 0)
    counted = 0
    for ballot in ballots:
        counted += 1
        for choice in set(ballot):
            if choice in votes:
                votes[choice] += 1

    def order(project: Project) -> tuple[int, int, int]:
        tie = project.cost_cents if rules.tie_break == "lower_cost" else project.id
        return (-votes[project.id], tie, project.id)

    remaining = rules.budget_cents
    lines = []
    for rank, project in enumerate(sorted(listed.values(), key=order), start=1):
        funded = votes[project.id] > 0 and project.cost_cents <= remaining
        if funded:
            remaining -= project.cost_cents
        lines.append(Line(project, votes[project.id], rank, funded))
    return Result(lines, counted, rules.budget_cents, rules.budget_cents - remaining)


def projects_of(db: Session, process: Process) -> dict[int, Project]:
    """The projects on the ballot: visible proposals reviewed as feasible, with their cost."""
    return {
        p.id: Project(p.id, p.title, p.cost_cents or 0)
        for p in visible_proposals(db, process)
        if p.on_ballot and p.cost_cents is not None
    }


def voter_key(secret: str, process: Process, citizen_subject: str) -> str:
    message = f"{process.municipality_id}|{process.id}|{citizen_subject}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def cast(
    db: Session,
    process: Process,
    choices: Sequence[int],
    *,
    citizen_subject: str,
    secret: str,
    now: datetime | None = None,
) -> Ballot:
    """Casts or replaces the citizen's ballot (one per citizen and process: the unique key
    decides under concurrency, the receipt stays the same when the ballot changes)."""
    now = now or utcnow()
    require(db, process, "vote", now)
    errors = check_choices(projects_of(db, process), choices, Rules.of(process))
    if errors:
        raise InvalidInput(errors["choices"], errors=errors)
    key = voter_key(secret, process, citizen_subject)
    chosen = sorted(choices)
    db.execute(
        upsert(db, Ballot)
        .values(
            municipality_id=tenant_id(db),
            process_id=process.id,
            voter_key=key,
            receipt=_receipt(),
            choices=chosen,
            cast_at=now,
        )
        .on_conflict_do_update(
            index_elements=["process_id", "voter_key"],
            set_={"choices": chosen, "cast_at": now},
        )
    )
    found = db.scalar(
        select(Ballot)
        .where(Ballot.process_id == process.id, Ballot.voter_key == key)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


def ballot_of(db: Session, process: Process, *, citizen_subject: str, secret: str) -> Ballot | None:
    key = voter_key(secret, process, citizen_subject)
    return db.scalar(select(Ballot).where(Ballot.process_id == process.id, Ballot.voter_key == key))


def published_ballots(db: Session, process: Process) -> list[tuple[str, list[int]]]:
    """Every ballot by its receipt, in the receipts' order (nothing about who cast it)."""
    rows = db.execute(
        select(Ballot.receipt, Ballot.choices)
        .where(Ballot.process_id == process.id)
        .order_by(Ballot.receipt)
    )
    return [(receipt, list(choices)) for receipt, choices in rows]


def result(db: Session, process: Process) -> Result:
    ballots = [choices for _, choices in published_ballots(db, process)]
    return tally(projects_of(db, process).values(), ballots, Rules.of(process))


def ballot_projects(db: Session, process: Process) -> list[Proposal]:
    return [p for p in visible_proposals(db, process) if p.on_ballot and p.cost_cents is not None]
