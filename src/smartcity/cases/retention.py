"""Retention of closed cases: after the service's `retention_days` a closed case is deleted
or anonymised (`retention_action`), once a day, once across instances.

Anonymising keeps what statistics need (service, department, dates, status, outcome) and
removes everything about the person: the answers, the e-mail address, the login, the texts of
notes, messages and the decision, and all files. Deleting removes the case and the
application entirely. The audit log keeps its entries (they hold ids, never the texts)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from smartcity.cases.interfaces import RetentionRule, applications
from smartcity.cases.models import Case, CaseEvent
from smartcity.core import holds
from smartcity.core.audit.services import record
from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.core.uploads import services as uploads

log = logging.getLogger(__name__)


def apply_case_retention(platform: Platform, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    done = {"deleted": 0, "anonymised": 0}
    with platform.sessions() as db:
        municipalities = list(db.scalars(select(Municipality)))
    for municipality in municipalities:
        files: list[Path] = []
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            for case, rule in _due(db, now):
                if rule.action == "delete":
                    files += _delete(db, platform, case)
                    done["deleted"] += 1
                else:
                    files += _anonymise(db, platform, case, now)
                    done["anonymised"] += 1
        uploads.unlink_all(files)
    if any(done.values()):
        log.info("case retention applied", extra=done)
    return done


def _due(db: Session, now: datetime) -> list[tuple[Case, RetentionRule]]:
    rules = applications().retention_rules(db)
    found = db.scalars(
        select(Case).where(
            Case.closed_at.is_not(None),
            Case.anonymised_at.is_(None),
            Case.adoption_id.in_(rules),
        )
    ).all()
    # A case under a legal hold (objection, court, a restriction) waits until it ends.
    kept = holds.held(db, Case.__tablename__, [case.id for case in found])
    return [
        (case, rules[case.adoption_id])
        for case in found
        if case.closed_at is not None
        and case.id not in kept
        and case.closed_at + timedelta(days=rules[case.adoption_id].days) <= now
    ]


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
