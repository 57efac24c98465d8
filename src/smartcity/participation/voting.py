"""The participatory budget's vote: ballots, their receipts and the tally.

A ballot is stored under a keyed hash of the voter (HMAC with the server secret and the
process), never under the citizen's identity, and carries a random receipt code. After voting
closes the tally is published with every ballot by its receipt: each voter finds theirs, and
anybody can recount with `tally` and get the announced result.

The tally is deterministic: projects are ranked by votes, ties broken by the declared rule
(the cheaper project first, or the earlier proposal), then funded greedily in that order while
the remaining budget covers them (a project that does not fit is skipped, the next may fit).
With partial funding declared, the first ranked project that does not fit gets what remains.
Under the "supports" rule a voter distributes up to N supports, several on one project if they
like, and every support counts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.participation import districts, eligibility
from smartcity.participation.models import (
    Ballot,
    District,
    PaperBallot,
    Process,
    Proposal,
    VotingCode,
)
from smartcity.participation.services import (
    require,
    tenant_id,
    upsert,
    visible_proposals,
    voting_closed,
)

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
    # knapsack: a ballot must spend at least this share of the budget (0: no minimum).
    min_share_percent: int = 0
    # The first ranked project that no longer fits gets what remains of the budget.
    partial_funding: bool = False

    @classmethod
    def of(cls, process: Process) -> Rules:
        return cls(
            process.rule,
            process.max_choices,
            process.budget_cents or 0,
            process.tie_break,
            process.min_share_percent,
            process.partial_funding,
        )

    @classmethod
    def of_district(cls, district: District) -> Rules:
        """A district's own budget and rule (budgets per district)."""
        return cls(
            district.rule,
            district.max_choices,
            district.budget_cents,
            district.tie_break,
            district.min_share_percent,
            district.partial_funding,
        )


@dataclass(frozen=True)
class Line:
    project: Project
    votes: int
    rank: int
    funded: bool
    # What the project gets: its cost when funded, the rest of the budget when it is the one
    # project funded in part, else 0.
    funded_cents: int = 0

    @property
    def partly(self) -> bool:
        return not self.funded and self.funded_cents > 0


@dataclass(frozen=True)
class Result:
    lines: list[Line]
    ballots: int
    budget_cents: int
    spent_cents: int


def check_choices(
    projects: Mapping[int, Project], choices: Sequence[int], rules: Rules
) -> dict[str, str]:
    """What is wrong with a ballot ({} when nothing is). Under the "supports" rule a project
    may appear several times (each time one support)."""
    if rules.rule != "supports" and len(set(choices)) != len(choices):
        return {"choices": "Each project can be chosen once."}
    if any(choice not in projects for choice in choices):
        return {"choices": "A chosen project is not on the ballot of this process."}
    if not choices:
        return {"choices": "Please choose at least one project."}
    if rules.rule == "approval" and len(choices) > rules.max_choices:
        return {"choices": "You chose more projects than the voting rule allows."}
    if rules.rule == "supports" and len(choices) > rules.max_choices:
        return {"choices": "You gave more supports than the voting rule allows."}
    if rules.rule == "knapsack":
        total = sum(projects[choice].cost_cents for choice in choices)
        if total > rules.budget_cents:
            return {"choices": "The chosen projects cost more than the budget."}
        if total * 100 < rules.budget_cents * rules.min_share_percent:
            return {
                "choices": "The chosen projects use less of the budget than the voting rule "
                "asks for."
            }
    return {}


def tally(projects: Iterable[Project], ballots: Iterable[Sequence[int]], rules: Rules) -> Result:
    """The result from the ballots alone: anybody can recompute it from the published list."""
    listed = {project.id: project for project in projects}
    votes = dict.fromkeys(listed, 0)
    counted = 0
    for ballot in ballots:
        counted += 1
        # Each support counts under "supports"; otherwise a project once per ballot.
        for choice in ballot if rules.rule == "supports" else set(ballot):
            if choice in votes:
                votes[choice] += 1

    def order(project: Project) -> tuple[int, int, int]:
        tie = project.cost_cents if rules.tie_break == "lower_cost" else project.id
        return (-votes[project.id], tie, project.id)

    remaining = rules.budget_cents
    partial_given = not rules.partial_funding
    lines = []
    for rank, project in enumerate(sorted(listed.values(), key=order), start=1):
        voted = votes[project.id] > 0
        funded = voted and project.cost_cents <= remaining
        amount = project.cost_cents if funded else 0
        if voted and not funded and not partial_given and remaining > 0:
            amount, partial_given = remaining, True
        remaining -= amount
        lines.append(Line(project, votes[project.id], rank, funded, amount))
    return Result(lines, counted, rules.budget_cents, rules.budget_cents - remaining)


def projects_of(
    db: Session, process: Process, district: District | None = None
) -> dict[int, Project]:
    """The projects on the ballot: visible proposals reviewed as feasible, with their cost
    (with budgets per district: those of `district`)."""
    return _projects(ballot_projects(db, process, district))


def _projects(proposals: Iterable[Proposal]) -> dict[int, Project]:
    return {p.id: Project(p.id, p.title, p.cost_cents or 0) for p in proposals}


def voter_key(secret: str, process: Process, citizen_subject: str) -> str:
    message = f"{process.municipality_id}|{process.id}|{citizen_subject}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def receipt_code() -> str:
    """A new receipt code (online and paper ballots alike)."""
    return _receipt()


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
    on_ballot: Sequence[Proposal] | None = None,
    facts: eligibility.Facts | None = None,
    district_id: int | None = None,
    found: Sequence[District] | None = None,
) -> Ballot:
    """Casts or replaces the citizen's ballot (one per citizen and process: the unique key
    decides under concurrency, the receipt stays the same when the ballot changes).
    `on_ballot`: `ballot_projects` as the caller read them in this transaction (the voting
    page shows them too), else they are read here. `facts`: what the citizen login says
    about the voter, checked against the process's eligibility rules (`NotEligible`);
    `district_id`: the district the voter chose, where the process lets them choose;
    `found`: the process's districts when the caller has read them."""
    now = now or utcnow()
    require(db, process, "vote", now)
    if process.identification != "login":
        raise InvalidInput(
            "This vote takes the voting code from your letter, not the citizen login.",
            errors={"code": "Please enter the voting code from your letter."},
        )
    # Read once for the eligibility check and the ballot's district.
    if found is None:
        found = districts.districts(db, process)
    home = eligibility.check(db, process, facts or eligibility.Facts(), now, found)
    district = eligibility.voting_district(
        db, process, home=home, chosen=district_id, by_login=True, found=found
    )
    key = voter_key(secret, process, citizen_subject)
    return _store(db, process, choices, key, now, on_ballot, district)


def _store(
    db: Session,
    process: Process,
    choices: Sequence[int],
    key: str,
    now: datetime,
    on_ballot: Sequence[Proposal] | None,
    district: District | None = None,
) -> Ballot:
    """`district`: as `eligibility.voting_district` returned it (None exactly when the process
    has no districts)."""
    if on_ballot is None:
        projects = projects_of(db, process, district)
    else:
        projects = _projects(p for p in on_ballot if _in_district(p, district))
    rules = Rules.of(process) if district is None else Rules.of_district(district)
    errors = check_choices(projects, choices, rules)
    if errors:
        raise InvalidInput(errors["choices"], errors=errors)
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
            district_id=district.id if district is not None else None,
        )
        .on_conflict_do_update(
            index_elements=["process_id", "voter_key"],
            # A voter who may choose their district may change it with their ballot.
            set_={
                "choices": chosen,
                "cast_at": now,
                "district_id": district.id if district is not None else None,
            },
            # A paper ballot counted under this key (its voting code) is never replaced.
            where=Ballot.paper.is_(False),
        )
    )
    found = db.scalar(
        select(Ballot)
        .where(Ballot.process_id == process.id, Ballot.voter_key == key)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    if found.paper:
        raise CodeUsedOnPaper(CODE_ON_PAPER, errors={"code": CODE_ON_PAPER})
    return found


CODE_ON_PAPER = "This voting code was used on a paper ballot at a polling station."


class CodeUsedOnPaper(InvalidInput):
    """The voting code was handed in with a paper ballot: it cannot vote online."""


# Voting codes: 16 characters of the receipt alphabet (80 bits), printed in groups of four.
CODE_LENGTH = 16
MAX_CODES_AT_ONCE = 200_000


def normalise_code(code: str) -> str:
    """What a person typed, as the code: without spaces and dashes, in capitals."""
    return "".join(c for c in code.upper() if c.isalnum())


def _code_hash(secret: str, process: Process, code: str) -> str:
    message = f"code|{process.municipality_id}|{process.id}|{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def generate_codes(
    db: Session, process: Process, count: int, *, secret: str, actor: str
) -> list[tuple[int, str]]:
    """`count` new voting codes with their serial numbers, for the print shop. The codes are
    returned this once and kept only as keyed hashes (audited: how many, not which)."""
    if not 1 <= count <= MAX_CODES_AT_ONCE:
        raise InvalidInput(
            "Please ask for between 1 and 200,000 codes at once.",
            errors={"count": "Please ask for between 1 and 200,000 codes at once."},
        )
    if process.budget_cents is None:
        raise InvalidInput("This process has no participatory budget.")
    if voting_closed(db, process):
        raise Conflict("Voting has closed: no more voting codes.")
    last = db.scalar(select(func.max(VotingCode.serial)).where(VotingCode.process_id == process.id))
    first = (last or 0) + 1
    codes = []
    for serial in range(first, first + count):
        raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(CODE_LENGTH))
        codes.append((serial, "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))))
    municipality = tenant_id(db)
    rows = [
        {
            "municipality_id": municipality,
            "process_id": process.id,
            "serial": serial,
            "code_hash": _code_hash(secret, process, normalise_code(code)),
            "created_at": utcnow(),
        }
        for serial, code in codes
    ]
    try:
        with db.begin_nested():  # two clicks at once: the second is refused, not a 500
            for start in range(0, len(rows), 5000):
                db.execute(insert(VotingCode), rows[start : start + 5000])
    except IntegrityError:
        raise Conflict(
            "Codes are being created for this vote at this moment. Please try again."
        ) from None
    audit.record(
        db,
        actor=actor,
        action="participation.codes.generate",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"count": count, "serials": f"{first}-{first + count - 1}"},
    )
    return codes


def cast_with_code(
    db: Session,
    process: Process,
    choices: Sequence[int],
    *,
    code: str,
    secret: str,
    now: datetime | None = None,
    on_ballot: Sequence[Proposal] | None = None,
    district_id: int | None = None,
    found: Sequence[District] | None = None,
) -> Ballot:
    """Casts or replaces the ballot of a voting code. The ballot is keyed by the code, so
    concurrent casts with one code leave one ballot, and the code's holder can change it
    until voting closes; an unknown code changes nothing. The code's row is only read.
    `on_ballot` as for `cast`; `district_id`: with budgets per district, the one the voter
    chose (the letter names it); `found` as for `cast`."""
    now = now or utcnow()
    require(db, process, "vote", now)
    if process.identification != "codes":
        raise InvalidInput("This vote takes the citizen login, not a voting code.")
    key = code_voter_key(db, process, code, secret=secret)
    waiting = db.scalar(
        select(PaperBallot.id).where(
            PaperBallot.process_id == process.id,
            PaperBallot.voter_key == key,
            PaperBallot.status == "pending",
        )
    )
    if waiting is not None:
        raise CodeUsedOnPaper(CODE_ON_PAPER, errors={"code": CODE_ON_PAPER})
    district = eligibility.voting_district(
        db, process, home=None, chosen=district_id, by_login=False, found=found
    )
    return _store(db, process, choices, key, now, on_ballot, district)


def code_voter_key(db: Session, process: Process, code: str, *, secret: str) -> str:
    """The key a voting code's ballot is stored under (online or on paper); InvalidInput
    for a code that is not one of this process's."""
    typed = normalise_code(code)
    known = (
        len(typed) == CODE_LENGTH
        and db.scalar(
            select(VotingCode.id).where(
                VotingCode.process_id == process.id,
                VotingCode.code_hash == _code_hash(secret, process, typed),
            )
        )
        is not None
    )
    if not known:
        raise InvalidInput(
            "This voting code is not valid for this vote. Please check it against your letter.",
            errors={"code": "This voting code is not valid for this vote."},
        )
    return voter_key(secret, process, f"code:{typed}")


def ballot_of(db: Session, process: Process, *, citizen_subject: str, secret: str) -> Ballot | None:
    key = voter_key(secret, process, citizen_subject)
    return db.scalar(select(Ballot).where(Ballot.process_id == process.id, Ballot.voter_key == key))


def ballot_of_code(db: Session, process: Process, *, code: str, secret: str) -> Ballot | None:
    key = voter_key(secret, process, f"code:{normalise_code(code)}")
    return db.scalar(select(Ballot).where(Ballot.process_id == process.id, Ballot.voter_key == key))


def code_turnout(db: Session, process: Process) -> tuple[int, int]:
    """(codes issued, ballots cast): in a process voted with codes every ballot is a code's.
    Which codes were used is not recorded (see `VotingCode`)."""
    issued = db.scalar(select(func.count(VotingCode.id)).where(VotingCode.process_id == process.id))
    cast = db.scalar(select(func.count(Ballot.id)).where(Ballot.process_id == process.id))
    return int(issued or 0), int(cast or 0)


def published_ballots(
    db: Session, process: Process, district: District | None = None
) -> list[tuple[str, list[int]]]:
    """Every ballot by its receipt, in the receipts' order (nothing about who cast it); with
    budgets per district, those of `district`."""
    query = select(Ballot.receipt, Ballot.choices).where(Ballot.process_id == process.id)
    if district is not None:
        query = query.where(Ballot.district_id == district.id)
    rows = db.execute(query.order_by(Ballot.receipt))
    return [(receipt, list(choices)) for receipt, choices in rows]


def result(db: Session, process: Process, district: District | None = None) -> Result:
    """The tally of the process, or with budgets per district of one district under its own
    rules (each district is counted on its own)."""
    ballots = [choices for _, choices in published_ballots(db, process, district)]
    rules = Rules.of(process) if district is None else Rules.of_district(district)
    return tally(projects_of(db, process, district).values(), ballots, rules)


def ballot_projects(
    db: Session, process: Process, district: District | None = None
) -> list[Proposal]:
    return [
        p
        for p in visible_proposals(db, process)
        if p.on_ballot and p.cost_cents is not None and _in_district(p, district)
    ]


def _in_district(proposal: Proposal, district: District | None) -> bool:
    return district is None or proposal.district_id == district.id


def has_districts(db: Session, process: Process) -> bool:
    """Whether the process has budgets per district (then every ballot is in one)."""
    found = db.scalar(select(District.id).where(District.process_id == process.id).limit(1))
    return found is not None
