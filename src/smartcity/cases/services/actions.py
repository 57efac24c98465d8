"""What clerks (and the applicant's replies) do to a case: status changes along the service's
workflow, assignment and deadline, notes, messages and attachments. Every change is audited
(who, what, when; the texts stay in the case, so that retention can remove them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases.interfaces import application
from smartcity.cases.models import Case, CaseEvent
from smartcity.cases.services.case_file import APPLICANT_FILES, STAFF_FILES
from smartcity.cases.services.notices import notify
from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.identity.models import RoleAssignment, UserAccount
from smartcity.core.identity.permissions import Role
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile


def add_event(db: Session, case: Case, kind: str, actor: str, now: datetime, **values: Any) -> None:
    db.add(
        CaseEvent(
            municipality_id=case.municipality_id,
            case_id=case.id,
            kind=kind,
            actor=actor,
            created_at=now,
            **values,
        )
    )


def touch(case: Case, now: datetime) -> None:
    case.updated_at = now


def change_status(
    db: Session,
    case: Case,
    target: str,
    note: str | None,
    actor: str,
    now: datetime | None = None,
    *,
    notice: tuple[Portal, Municipality] | None = None,
) -> Case:
    """Move the case along its workflow. With `notice` (the portal and municipality for the
    link), closing it mails an applicant who gave an address: defect reporters were promised
    a word when the defect has been dealt with."""
    now = now or utcnow()
    workflow = application(db, case).workflow
    if target == workflow.decided:
        raise Conflict(
            "A case is decided by issuing the decision (POST …/decision), which signs it."
        )
    if not workflow.allows(case.status, target):
        allowed = ", ".join(workflow.transitions.get(case.status, [])) or "none"
        raise Conflict(
            f"From „{workflow.label(case.status)}“ a case cannot go to {target!r}; "
            f"possible: {allowed}."
        )
    previous = case.status
    case.status = target
    if target == workflow.closed:
        case.closed_at = now
    touch(case, now)
    add_event(db, case, "status", actor, now, public=True, status=target)
    if note:
        add_event(db, case, "note", actor, now, public=False, text=note)
    record(
        db,
        actor=actor,
        action="case.status",
        resource_type="case",
        resource_id=case.id,
        changes={"status": {"old": previous, "new": target}},
    )
    if notice is not None and target == workflow.closed:
        found = application(db, case)
        if found.contact_email:
            notify(db, notice[0], notice[1], found, "closed")
    return case


def update(
    db: Session, case: Case, changes: dict[str, Any], actor: str, now: datetime | None = None
) -> Case:
    now = now or utcnow()
    summary: dict[str, Any] = {}
    if "assignee_id" in changes:
        assignee = changes["assignee_id"]
        if assignee is not None and not _works_here(db, case, assignee):
            raise InvalidInput(
                f"Staff member {assignee} does not work on {case.department}'s cases here."
            )
        summary["assignee_id"] = {"old": case.assignee_id, "new": assignee}
        case.assignee_id = assignee
        add_event(db, case, "assignment", actor, now, public=False, text=None)
    if "deadline" in changes:
        deadline = changes["deadline"]
        if deadline is not None and deadline.tzinfo is None:
            raise InvalidInput("The deadline needs a time zone (e.g. 2026-12-31T16:00:00+01:00).")
        summary["deadline"] = {
            "old": case.deadline.isoformat() if case.deadline else None,
            "new": deadline.isoformat() if deadline else None,
        }
        case.deadline = deadline
    if summary:
        touch(case, now)
        record(
            db,
            actor=actor,
            action="case.update",
            resource_type="case",
            resource_id=case.id,
            changes=summary,
        )
    return case


def _works_here(db: Session, case: Case, user_id: int) -> bool:
    """An assignee must be active and a case worker of the case's department, or an
    administrator of the municipality."""
    user = db.get(UserAccount, user_id)
    if user is None or not user.is_active:
        return False
    grants = db.scalars(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.municipality_id == case.municipality_id,
        )
    ).all()
    return any(
        g.role == Role.ADMIN or (g.role == Role.CASE_WORKER and g.department == case.department)
        for g in grants
    )


def add_note(db: Session, case: Case, text: str, actor: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    add_event(db, case, "note", actor, now, public=False, text=text)
    record(db, actor=actor, action="case.note", resource_type="case", resource_id=case.id)


def send_message(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    case: Case,
    text: str,
    actor: str,
    now: datetime | None = None,
) -> None:
    """A message the applicant sees on the status page (and gets by e-mail if they gave an
    address)."""
    now = now or utcnow()
    add_event(db, case, "message", actor, now, public=True, text=text)
    record(db, actor=actor, action="case.message", resource_type="case", resource_id=case.id)
    found = application(db, case)
    if found.contact_email:
        notify(db, portal, municipality, found, "message")


def applicant_reply(
    db: Session,
    case: Case,
    text: str,
    now: datetime | None = None,
    *,
    portal: Portal | None = None,
    file: tuple[str, bytes] | None = None,
) -> StoredFile | None:
    """The applicant answers the office (e.g. a query), with a file if asked for one. The
    file joins the application's own files, so the clerk finds it with the others."""
    now = now or utcnow()
    if case.closed_at is not None:
        raise Conflict(
            "Dieser Vorgang ist abgeschlossen; Antworten nimmt er nicht mehr an. Bitte wenden "
            "Sie sich direkt an die zuständige Stelle."
        )
    stored = None
    if file is not None:
        assert portal is not None, "a file needs the portal's upload limits"
        stored = uploads.store(
            db,
            data_dir=portal.data_dir,
            limits=portal.limits,
            municipality_id=case.municipality_id,
            owner_kind=APPLICANT_FILES,
            owner_id=case.submission_id,
            name=file[0],
            data=file[1],
            field="reply",
        )
        named = f"[{stored.original_name}]"
        text = f"{text}\n{named}" if text else named
    add_event(db, case, "reply", "applicant", now, public=True, text=text)
    record(
        db,
        actor="applicant",
        action="case.reply",
        resource_type="case",
        resource_id=case.id,
        changes={"file": stored.public_id} if stored is not None else None,
    )
    # The answer to a query puts the case back in progress: it is the clerk's turn again.
    resumed = application(db, case).workflow.after_reply(case.status)
    if resumed is not None:
        previous = case.status
        case.status = resumed
        touch(case, now)
        add_event(db, case, "status", "applicant", now, public=True, status=resumed)
        record(
            db,
            actor="applicant",
            action="case.status",
            resource_type="case",
            resource_id=case.id,
            changes={"status": {"old": previous, "new": resumed}},
        )
    return stored


def add_attachment(
    db: Session, portal: Portal, case: Case, name: str, data: bytes, actor: str
) -> StoredFile:
    stored = uploads.store(
        db,
        data_dir=portal.data_dir,
        limits=portal.limits,
        municipality_id=case.municipality_id,
        owner_kind=STAFF_FILES,
        owner_id=case.id,
        name=name,
        data=data,
    )
    record(
        db,
        actor=actor,
        action="case.attachment",
        resource_type="case",
        resource_id=case.id,
        changes={"file": stored.public_id},
    )
    return stored
