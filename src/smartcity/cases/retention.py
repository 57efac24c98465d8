"""Retention of closed cases: after the service's `retention_days` a closed case is deleted
or anonymised (`retention_action`), once a day, once across instances.

Anonymising keeps what statistics need (service, department, dates, status, outcome) and
removes everything about the person: the answers, the e-mail address, the login, the texts of
notes, messages and the decision, and all files. Deleting removes the case and the
application entirely. The audit log keeps its entries (they hold ids, never the texts).

`RETENTION` declares it to the data-protection officer's retention run: `plan` counts the due
cases in the database (the dry run), `apply` removes exactly the cases due at the same moment."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from smartcity.cases.interfaces import RetentionRule, applications
from smartcity.cases.models import Case, CaseEvent
from smartcity.core import holds
from smartcity.core.audit.services import record
from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.modules import ERASE_ANONYMISE, ERASE_DELETE, Removal, Removed, RetentionJob
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.core.uploads import services as uploads

log = logging.getLogger(__name__)


LABEL = "case file: per service after closing, then anonymised or deleted"
_ACTIONS = {"delete": ERASE_DELETE, "anonymise": ERASE_ANONYMISE}


def apply_case_retention(platform: Platform, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: every municipality's due cases, each municipality in a transaction."""
    now = now or utcnow()
    done = {"deleted": 0, "anonymised": 0}
    with platform.sessions() as db:
        municipalities = list(db.scalars(select(Municipality)))
    for municipality in municipalities:
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            removed = apply(platform, db, now)
        uploads.unlink_all(removed.files)
        for removal in removed.removals:
            done["deleted" if removal.action == ERASE_DELETE else "anonymised"] += removal.rows
    if any(done.values()):
        log.info("case retention applied", extra=done)
    return done


def _due_condition(rules: dict[int, RetentionRule], now: datetime, action: str) -> Any:
    """Closed, not anonymised cases of services whose retention with `action` has run out
    at `now` (one condition per service: the period is the service's)."""
    return and_(
        Case.closed_at.is_not(None),
        Case.anonymised_at.is_(None),
        or_(
            false(),
            *(
                and_(
                    Case.adoption_id == adoption,
                    Case.closed_at <= now - timedelta(days=rule.days),
                )
                for adoption, rule in sorted(rules.items())
                if rule.action == action
            ),
        ),
    )


def plan(platform: Platform, db: Session, now: datetime) -> list[Removal]:
    """The dry run in the session's municipality: cases due at `now` per action, counted in
    the database; a held case is counted as held."""
    rules = applications().retention_rules(db)
    held = sorted(holds.held_keys(db, Case.__tablename__))
    found = []
    for action in ("anonymise", "delete"):
        due = _due_condition(rules, now, action)
        total = db.scalar(select(func.count()).select_from(Case).where(due)) or 0
        if not total:
            continue
        blocked = 0
        if held:
            blocked = (
                db.scalar(select(func.count()).select_from(Case).where(due, Case.id.in_(held))) or 0
            )
        found.append(Removal(Case.__tablename__, LABEL, _ACTIONS[action], total - blocked, blocked))
    return found


def apply(platform: Platform, db: Session, now: datetime) -> Removed:
    """Delete or anonymise the session's municipality's cases due at `now` (what `plan`
    counted), except held ones; their files go once the transaction has committed."""
    files: list[Path] = []
    counts = {"delete": 0, "anonymise": 0}
    for case, rule in _due(db, now):
        if rule.action == "delete":
            files += _delete(db, platform, case)
        else:
            files += _anonymise(db, platform, case, now)
        counts[rule.action] += 1
    return Removed(
        [
            Removal(Case.__tablename__, LABEL, _ACTIONS[action], rows)
            for action, rows in counts.items()
            if rows
        ],
        files,
    )


def _due(db: Session, now: datetime) -> list[tuple[Case, RetentionRule]]:
    rules = applications().retention_rules(db)
    found = db.scalars(
        select(Case).where(
            or_(
                _due_condition(rules, now, "anonymise"),
                _due_condition(rules, now, "delete"),
            )
        )
    ).all()
    # A case under a legal hold (objection, court, a restriction) waits until it ends.
    kept = holds.held(db, Case.__tablename__, [case.id for case in found])
    return [(case, rules[case.adoption_id]) for case in found if case.id not in kept]


def _files(db: Session, platform: Platform, case: Case) -> list[Path]:
    stored = uploads.files_of(db, "submission", case.submission_id) + uploads.files_of(
        db, "case", case.id
    )
    return [uploads.remove(db, platform.settings.data_dir, f) for f in stored]


def _delete(db: Session, platform: Platform, case: Case) -> list[Path]:
    files = _files(db, platform, case)
    case_id = case.id
    db.execute(delete(CaseEvent).where(CaseEvent.case_id == case_id))
    db.delete(case)
    applications().delete(db, case)
    record(
        db,
        actor="system",
        action="case.retention.delete",
        resource_type="case",
        resource_id=case_id,
    )
    return files


def _anonymise(db: Session, platform: Platform, case: Case, now: datetime) -> list[Path]:
    files = _files(db, platform, case)
    applications().anonymise(db, case, now)
    db.execute(update(CaseEvent).where(CaseEvent.case_id == case.id).values(text=None))
    if case.decision is not None:
        case.decision = {**case.decision, "text": None, "document": None}
    case.anonymised_at = now
    record(
        db,
        actor="system",
        action="case.retention.anonymise",
        resource_type="case",
        resource_id=case.id,
    )
    return files


def _run(platform: Platform) -> None:
    apply_case_retention(platform)


CASE_RETENTION = PeriodicJob("cases.retention", 24 * 3600, _run)
RETENTION = RetentionJob("cases.retention", plan, apply)
