"""One case as the clerk reads it: the application, the files, the events, the history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases.interfaces import application, applications
from smartcity.cases.models import Case, CaseEvent
from smartcity.cases.schemas import CaseOut, EventOut, FileOut, HistoryEntry
from smartcity.cases.services.inbox import summary
from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.errors import NotFound
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile

# Owners of a case's files: the applicant's uploads stay with the submission.
STAFF_FILES = "case"
APPLICANT_FILES = "submission"


def file_out(
    portal: Portal,
    municipality: Municipality,
    case: Case,
    stored: StoredFile,
    source: Literal["applicant", "staff"],
) -> FileOut:
    url = f"{portal.base(municipality)}/api/v1/cases/{case.id}/files/{stored.public_id}"
    return FileOut(**uploads.facts(stored), source=source, url=url)


def case_out(
    db: Session, portal: Portal, municipality: Municipality, case: Case, now: datetime | None = None
) -> CaseOut:
    now = now or utcnow()
    found = application(db, case)
    workflow = found.workflow
    applicant = uploads.files_of(db, APPLICANT_FILES, case.submission_id)
    staff = uploads.files_of(db, STAFF_FILES, case.id)
    files = [file_out(portal, municipality, case, f, "applicant") for f in applicant] + [
        file_out(portal, municipality, case, f, "staff") for f in staff
    ]
    events = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return CaseOut(
        **summary(case, found, now).model_dump(),
        form_version=found.form_version,
        data=found.data,
        answers=applications().answers(db, case, applicant),
        contact_email=found.contact_email,
        allowed_statuses=[
            s for s in workflow.transitions.get(case.status, []) if s != workflow.decided
        ],
        files=files,
        events=[
            EventOut(
                id=e.id,
                kind=e.kind,
                public=e.public,
                status=e.status,
                text=e.text,
                actor=e.actor,
                created_at=e.created_at,
            )
            for e in events
        ],
        decision=case.decision,
    )


def file_of(db: Session, case: Case, public_id: str) -> StoredFile:
    for kind, owner in ((APPLICANT_FILES, case.submission_id), (STAFF_FILES, case.id)):
        for stored in uploads.files_of(db, kind, owner):
            if stored.public_id == public_id:
                return stored
    raise NotFound("This case has no such file.")


def history(db: Session, case: Case) -> list[HistoryEntry]:
    """Everything the audit log holds about the case, oldest first."""
    entries = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.resource_type == "case", AuditEntry.resource_id == str(case.id))
        .order_by(AuditEntry.seq)
    )
    return [
        HistoryEntry(at=e.created_at, actor=e.actor, action=e.action, changes=e.changes, seq=e.seq)
        for e in entries
    ]
