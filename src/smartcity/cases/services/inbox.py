"""The inbox: the cases a clerk may see, filtered and paged in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, not_, select
from sqlalchemy.orm import Session

from smartcity.cases.interfaces import Application, applications
from smartcity.cases.models import Case
from smartcity.cases.schemas import CasePage, CaseSummary
from smartcity.cases.services.access import visible
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.identity.permissions import Principal


@dataclass(frozen=True)
class InboxFilter:
    status: str | None = None
    service: str | None = None
    department: str | None = None
    assignee: str | None = None  # "me", "none" or an id
    older_than_days: int | None = None
    overdue: bool | None = None
    limit: int = 50
    offset: int = 0
    # A tracking code or part of the applicant's name.
    search: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None


def summary(case: Case, application: Application, now: datetime) -> CaseSummary:
    workflow = application.workflow
    return CaseSummary(
        id=case.id,
        tracking_code=application.tracking_code,
        service=application.service_key,
        service_name=application.service_name("de"),
        department=case.department,
        status=case.status,
        status_label=workflow.label(case.status),
        assignee_id=case.assignee_id,
        created_at=case.created_at,
        deadline=case.deadline,
        overdue=is_overdue(case, now),
        age_days=(now - case.created_at).days,
        version=case.version,
    )


def is_overdue(case: Case, now: datetime) -> bool:
    """The deadline passed and the case was neither decided nor closed."""
    return (
        case.deadline is not None
        and case.deadline < now
        and case.decided_at is None
        and case.closed_at is None
    )


def _overdue(now: datetime) -> ColumnElement[bool]:
    """`is_overdue` as SQL, so that the inbox filters and pages in the database."""
    return and_(Case.deadline < now, Case.decided_at.is_(None), Case.closed_at.is_(None))


def inbox(
    db: Session, principal: Principal, wanted: InboxFilter, now: datetime | None = None
) -> CasePage:
    now = now or utcnow()
    query = select(Case).where(visible(principal))
    if wanted.status:
        query = query.where(Case.status == wanted.status)
    if wanted.service:
        query = query.where(
            Case.adoption_id.in_(applications().adoptions_of_service(wanted.service))
        )
    if wanted.department:
        query = query.where(Case.department == wanted.department)
    if wanted.assignee == "me":
        query = query.where(Case.assignee_id == principal.id)
    elif wanted.assignee == "none":
        query = query.where(Case.assignee_id.is_(None))
    elif wanted.assignee:
        if not wanted.assignee.isdecimal():
            raise InvalidInput('assignee is "me", "none" or a staff member\'s id.')
        query = query.where(Case.assignee_id == int(wanted.assignee))
    if wanted.older_than_days is not None:
        query = query.where(Case.created_at < now - timedelta(days=wanted.older_than_days))
    if wanted.overdue is not None:
        query = query.where(_overdue(now) if wanted.overdue else not_(_overdue(now)))
    if wanted.search:
        query = query.where(Case.submission_id.in_(applications().matching(wanted.search)))
    if wanted.received_from is not None:
        query = query.where(Case.created_at >= wanted.received_from)
    if wanted.received_before is not None:
        query = query.where(Case.created_at < wanted.received_before)
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    found = db.scalars(
        query.order_by(Case.deadline.asc().nulls_last(), Case.id)
        .limit(wanted.limit)
        .offset(wanted.offset)
    ).all()
    of_case = applications().of_cases(db, found)
    return CasePage(total=total or 0, cases=[summary(c, of_case[c.id], now) for c in found])
