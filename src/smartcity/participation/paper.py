"""Paper ballots of a polling station, entered under four eyes.

A staff member enters a paper ballot as it was marked; it is checked like an online ballot
(the same rules, the same projects) and waits. It counts only when a second, different staff
account confirms it: then it becomes a ballot like any other, with its receipt code, in the
published tally. A wrong entry is rejected with a reason and stays on record. In a vote with
voting codes the code handed in with the paper ballot is required and the paper ballot is
stored under the code's key, so a code votes once, online or on paper, never both. With
budgets per district the entry names the district whose ballot it is: it is checked against
that district's projects and rules and, once confirmed, counts in that district's tally.

Polling stations count after they close: paper ballots can be entered from the start of voting
until the count ends (`services.count_end`: when the results phase starts, without one when
voting ends), and an entry waiting then can still be confirmed or rejected. While the count
runs or an entry waits the published result is provisional (`services.result_final`).

Confirming is one conditional UPDATE (pending → counted, by someone other than the enterer):
of two confirmations at the same moment exactly one changes the row, the other is refused."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from smartcity.participation import districts, services, voting
from smartcity.participation.models import Ballot, District, PaperBallot, Process
from smartcity.participation.services import PhaseClosed, tenant_id, upsert

MAX_STATION = 100

CHOOSE_DISTRICT = "Please choose the district whose budget the paper ballot is in."
NO_SUCH_DISTRICT = "There is no such district in this process."
NO_DISTRICTS = "This process has no budgets per district."
COUNT_CLOSED = "Paper ballots can be entered from the start of voting until the count ends."
NOT_OWN = "A second person must confirm a paper ballot: you cannot confirm your own entry."
NOT_OWN_REJECT = "A second person must reject a paper ballot: you cannot reject your own entry."
ENTRY_WITHOUT_DISTRICT = (
    "This paper ballot names no district: please reject it and enter it again with its district."
)


def _district(db: Session, process: Process, district_id: int | None) -> District | None:
    """The district a paper ballot is entered for: required where the process has budgets per
    district (one of its own), none otherwise."""
    found = districts.districts(db, process)
    if not found:
        if district_id is not None:
            raise InvalidInput(NO_DISTRICTS, errors={"district": NO_DISTRICTS})
        return None
    if district_id is None:
        raise InvalidInput(CHOOSE_DISTRICT, errors={"district": CHOOSE_DISTRICT})
    district = next((d for d in found if d.id == district_id), None)
    if district is None:
        raise InvalidInput(NO_SUCH_DISTRICT, errors={"district": NO_SUCH_DISTRICT})
    return district


def _check(
    db: Session, process: Process, choices: Sequence[int], district: District | None
) -> dict[str, str]:
    """What is wrong with the ballot: the checks of an online ballot in the same district."""
    rules = voting.Rules.of(process) if district is None else voting.Rules.of_district(district)
    return voting.check_choices(voting.projects_of(db, process, district), choices, rules)


def enter(
    db: Session,
    process: Process,
    choices: Sequence[int],
    *,
    station: str,
    code: str = "",
    entered_by: int,
    actor: str,
    secret: str,
    now: datetime | None = None,
    district_id: int | None = None,
) -> PaperBallot:
    """Records a paper ballot as entered (it does not count yet). Refused, changing nothing,
    outside the count (from the start of voting until the results phase starts), for a ballot
    the rules refuse, without the polling station, in a vote with codes without a valid,
    unused code, or with budgets per district without one of the process's districts
    (`district_id`; the ballot is checked as one of that district)."""
    now = now or utcnow()
    if not services.counting(services.phases(db, process), now):
        raise PhaseClosed(COUNT_CLOSED)
    if process.budget_cents is None:
        raise InvalidInput("This process has no participatory budget.")
    # Without a valid district there are no projects to check the choices against.
    district = _district(db, process, district_id)
    errors = _check(db, process, choices, district)
    if not station.strip():
        errors["station"] = "Please name the polling station."
    key: str | None = None
    if process.identification == "codes":
        try:
            key = voting.code_voter_key(db, process, code, secret=secret)
        except InvalidInput as exc:
            errors.update(exc.errors)
        else:
            if _code_taken(db, process, key):
                errors["code"] = "This voting code has been used already (online or on paper)."
    if errors:
        raise InvalidInput(next(iter(errors.values())), errors=errors)
    entry = PaperBallot(
        process_id=process.id,
        station=station.strip()[:MAX_STATION],
        choices=sorted(choices),
        voter_key=key,
        district_id=district.id if district is not None else None,
        status="pending",
        entered_by=entered_by,
        entered_at=now,
    )
    db.add(entry)
    db.flush()
    # What was chosen stays out of the audit: the log names staff, the ballot is secret.
    audit.record(
        db,
        actor=actor,
        action="participation.paper.enter",
        resource_type="participation_paper_ballot",
        resource_id=entry.id,
        changes={"process": process.id, "station": entry.station, "district": entry.district_id},
    )
    return entry


def _code_taken(db: Session, process: Process, key: str) -> bool:
    ballot = db.scalar(
        select(Ballot.id).where(Ballot.process_id == process.id, Ballot.voter_key == key)
    )
    waiting = db.scalar(
        select(PaperBallot.id).where(
            PaperBallot.process_id == process.id,
            PaperBallot.voter_key == key,
            PaperBallot.status == "pending",
        )
    )
    return ballot is not None or waiting is not None


def _entry(db: Session, process: Process, entry_id: int, by: int, message: str) -> PaperBallot:
    """The entry to decide, refused to its enterer (an entry whose enterer's account was
    deleted may be decided by any other account) and once decided."""
    found = db.get(PaperBallot, entry_id)
    if found is None or found.process_id != process.id:
        raise NotFound("There is no such paper ballot.")
    if found.entered_by == by:
        raise PermissionDenied(message)
    if found.status != "pending":
        raise Conflict("This paper ballot has been decided already.")
    return found


def _others(by: int) -> ColumnElement[bool]:
    """The conditional UPDATE's guard: still waiting, entered by somebody else."""
    return or_(PaperBallot.entered_by.is_(None), PaperBallot.entered_by != by)


def confirm(
    db: Session,
    process: Process,
    entry_id: int,
    *,
    by: int,
    actor: str,
    secret: str,
    now: datetime | None = None,
) -> Ballot:
    """The second person's confirmation: the paper ballot becomes a counted ballot with a
    receipt code. The enterer cannot confirm their own entry; an entry decided already (also
    by a confirmation at the same moment) is refused. A waiting entry can be confirmed after
    the count ended too: the result stays provisional until no entry waits."""
    now = now or utcnow()
    entry = _entry(db, process, entry_id, by, NOT_OWN)
    district = db.get(District, entry.district_id) if entry.district_id is not None else None
    if district is None and voting.has_districts(db, process):
        raise InvalidInput(ENTRY_WITHOUT_DISTRICT, errors={"choices": ENTRY_WITHOUT_DISTRICT})
    errors = _check(db, process, entry.choices, district)
    if errors:
        raise InvalidInput(errors["choices"], errors=errors)
    key = entry.voter_key or voting.voter_key(secret, process, f"paper:{entry.id}")
    with db.begin_nested():  # a refusal below takes the claim back
        claimed = db.execute(
            update(PaperBallot)
            .where(
                PaperBallot.id == entry.id,
                PaperBallot.status == "pending",
                _others(by),
            )
            .values(status="counted", decided_by=by, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            raise Conflict("This paper ballot has been decided already.")
        added = db.execute(
            upsert(db, Ballot)
            .values(
                municipality_id=tenant_id(db),
                process_id=process.id,
                voter_key=key,
                receipt=voting.receipt_code(),
                choices=list(entry.choices),
                cast_at=now,
                paper=True,
                district_id=entry.district_id,
            )
            .on_conflict_do_nothing(index_elements=["process_id", "voter_key"])
            .returning(Ballot.id)
        ).scalar_one_or_none()
        if added is None:
            raise Conflict(
                "This voting code has been used online already: the paper ballot cannot count. "
                "Please reject it."
            )
        db.execute(
            update(PaperBallot)
            .where(PaperBallot.id == entry.id)
            .values(ballot_id=added)
            .execution_options(synchronize_session=False)
        )
    db.refresh(entry)
    ballot = db.get(Ballot, added)
    assert ballot is not None
    audit.record(
        db,
        actor=actor,
        action="participation.paper.confirm",
        resource_type="participation_paper_ballot",
        resource_id=entry.id,
        changes={"process": process.id, "station": entry.station},
    )
    return ballot


def reject(
    db: Session,
    process: Process,
    entry_id: int,
    *,
    by: int,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> PaperBallot:
    """A wrong entry does not count; it stays, with who rejected it and why. Under four eyes
    like a confirmation: not by its enterer, and only while it waits (so never once the
    result is final)."""
    entry = _entry(db, process, entry_id, by, NOT_OWN_REJECT)
    if not reason.strip():
        raise InvalidInput(
            "Please give the reason for the rejection.",
            errors={"reason": "Please give the reason for the rejection."},
        )
    claimed = db.execute(
        update(PaperBallot)
        .where(PaperBallot.id == entry.id, PaperBallot.status == "pending", _others(by))
        .values(
            status="rejected",
            decided_by=by,
            decided_at=now or utcnow(),
            reason=reason.strip()[:500],
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise Conflict("This paper ballot has been decided already.")
    db.refresh(entry)
    audit.record(
        db,
        actor=actor,
        action="participation.paper.reject",
        resource_type="participation_paper_ballot",
        resource_id=entry.id,
        changes={"process": process.id, "station": entry.station, "reason": entry.reason},
    )
    return entry


def entries(db: Session, process: Process) -> list[PaperBallot]:
    """The process's paper ballots, the waiting ones first, then the newest."""
    found = db.scalars(select(PaperBallot).where(PaperBallot.process_id == process.id))
    return sorted(found, key=lambda e: (e.status != "pending", -e.entered_at.timestamp(), -e.id))


def receipts(db: Session, found: Sequence[PaperBallot]) -> dict[int, str]:
    """The receipt codes of counted paper ballots, by entry id."""
    ids = {e.ballot_id: e.id for e in found if e.ballot_id is not None}
    if not ids:
        return {}
    rows = db.execute(select(Ballot.id, Ballot.receipt).where(Ballot.id.in_(ids)))
    return {ids[ballot_id]: receipt for ballot_id, receipt in rows}
