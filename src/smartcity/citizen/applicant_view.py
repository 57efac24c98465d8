"""The applicant's view of their case: where it stands (by tracking code), the signed-in
citizen's applications, and answering the clerk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases import services as cases
from smartcity.cases.models import Case, CaseEvent
from smartcity.cases.workflow import Workflow
from smartcity.citizen.catalog import adoption_by_id
from smartcity.citizen.models import ServiceAdoption, ServiceTemplate, Submission
from smartcity.citizen.schemas import ApplicationOut, DecisionSummary, StatusEvent, StatusOut
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality


def case_of(db: Session, submission: Submission) -> Case:
    return cases.case_of(db, submission.id)


def status_for_applicant(
    db: Session, portal: Portal, municipality: Municipality, submission: Submission, language: str
) -> StatusOut:
    case = case_of(db, submission)
    service = adoption_by_id(db, case.adoption_id)
    workflow = Workflow.of(service.template.workflow)
    events = db.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.public.is_(True))
        .order_by(CaseEvent.id)
    )
    shown: list[StatusEvent] = []
    awaiting = False
    for e in events:
        kind = e.kind
        if kind not in ("status", "message", "reply", "decision"):
            continue
        text = e.text
        if kind == "message":
            awaiting = True
        elif kind == "reply" or (kind == "status" and e.status == workflow.closed):
            awaiting = False
        shown.append(
            StatusEvent(
                at=e.created_at,
                kind=kind,
                status=e.status,
                status_label=workflow.label(e.status, language) if e.status else None,
                text=text,
            )
        )
    decision = None
    if case.decision is not None:
        status_url = f"{portal.api(municipality)}/status/{submission.tracking_code}"
        decision = DecisionSummary(
            outcome=case.decision["outcome"],
            decided_at=datetime.fromisoformat(case.decision["decided_at"]),
            text=case.decision["text"] or "",
            document=case.decision["document"] or "",
            pdf_url=f"{status_url}/decision.pdf",
        )
    return StatusOut(
        tracking_code=submission.tracking_code,
        service=service.name(language),
        submitted_at=submission.submitted_at,
        status=case.status,
        status_label=workflow.label(case.status, language),
        deadline=case.deadline,
        events=shown,
        decision=decision,
        closed=case.closed_at is not None,
        awaiting_reply=awaiting or case.status == "rueckfrage",
        report=service.template.start_page is not None,
    )


def applications_of(db: Session, subject: str, language: str) -> list[ApplicationOut]:
    """A signed-in citizen's applications in the session's municipality, newest first."""
    rows = db.execute(
        select(Submission, Case, ServiceTemplate)
        .join(Case, Case.submission_id == Submission.id)
        .join(ServiceAdoption, ServiceAdoption.id == Case.adoption_id)
        .join(ServiceTemplate, ServiceTemplate.id == ServiceAdoption.template_id)
        .where(Submission.citizen_subject == subject)
        .order_by(Submission.submitted_at.desc())
    ).all()
    return [
        ApplicationOut(
            tracking_code=submission.tracking_code,
            service=template.name.get(language) or template.name["de"],
            submitted_at=submission.submitted_at,
            status=case.status,
            status_label=Workflow.of(template.workflow).label(case.status, language),
        )
        for submission, case, template in rows
    ]


def decision_pdf(
    db: Session, portal: Portal, municipality: Municipality, submission: Submission
) -> bytes:
    return cases.decision_pdf(db, portal, municipality, case_of(db, submission))


def reply(
    db: Session,
    submission: Submission,
    text: str,
    *,
    portal: Portal | None = None,
    file: tuple[str, bytes] | None = None,
) -> None:
    """The applicant answers the clerk (e.g. a query), with a file if asked for one; a
    closed case takes no answers."""
    cases.applicant_reply(db, case_of(db, submission), text, portal=portal, file=file)


@dataclass(frozen=True)
class StatusSection:
    """A part of the applicant's status page a domain adds for its own cases (the defect
    report of a Mängelmelder case: category, place, photo): `values` answers None for a
    submission that is not its own."""

    template: str
    values: Callable[[Session, Submission], dict[str, Any] | None]


_status_sections: list[StatusSection] = []


def add_status_section(section: StatusSection) -> None:
    if section not in _status_sections:
        _status_sections.append(section)


def status_sections(db: Session, submission: Submission) -> list[tuple[str, dict[str, Any]]]:
    """The sections that apply to `submission`, each with its template and values."""
    shown = []
    for section in _status_sections:
        values = section.values(db, submission)
        if values is not None:
            shown.append((section.template, values))
    return shown
