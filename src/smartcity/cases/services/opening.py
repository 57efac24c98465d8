"""Opening a case for a stored application, and finding the case of an application."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from smartcity.cases.models import Case, CaseEvent
from smartcity.cases.workflow import Workflow
from smartcity.core.db import table_of
from smartcity.core.lookup import found_or_404


@dataclass(frozen=True)
class CaseOpening:
    """What a new case needs: the stored application (submission), the service's adoption,
    the department that works it, the workflow and the processing time."""

    municipality_id: int
    submission_id: int
    adoption_id: int
    department: str
    workflow: Workflow
    processing_days: int


# Built once, Core rather than the unit of work: every submission opens a case.
_CASES = table_of(Case)
_NEW_CASE = insert(_CASES).returning(_CASES.c.id)
_NEW_EVENT = insert(table_of(CaseEvent))


def open_case(db: Session, opening: CaseOpening, now: datetime) -> int:
    """Open the case of a stored submission, with its first status event; the case's id."""
    initial = opening.workflow.initial
    connection = db.connection()
    case_id: int = connection.execute(
        _NEW_CASE,
        {
            "municipality_id": opening.municipality_id,
            "submission_id": opening.submission_id,
            "adoption_id": opening.adoption_id,
            "department": opening.department,
            "status": initial,
            "deadline": now + timedelta(days=opening.processing_days),
            "created_at": now,
            "updated_at": now,
        },
    ).scalar_one()
    connection.execute(
        _NEW_EVENT,
        {
            "municipality_id": opening.municipality_id,
            "case_id": case_id,
            "kind": "status",
            "public": True,
            "status": initial,
            "actor": "system",
            "created_at": now,
        },
    )
    return case_id


def case_of(db: Session, submission_id: int) -> Case:
    """The case opened for the submission `submission_id`."""
    return found_or_404(
        db.scalar(select(Case).where(Case.submission_id == submission_id)),
        "No case belongs to this application.",
    )
