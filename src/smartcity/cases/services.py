"""Working on cases: the inbox, status changes along the service's workflow, assignment,
deadlines, notes, messages to the applicant, attachments and the signed decision.

Every change is audited (who, what, when; the texts stay in the case, so that retention can
remove them). Changes that replace state (status, assignee, deadline, decision) must name
the version they were made on: `If-Match: "<version>"`; a stale version gets 412, none 428.
Appending (a note, a message) cannot overwrite anything and needs no version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, insert, not_, select, true
from sqlalchemy.orm import Session

from smartcity.cases.decisions import OUTCOMES, render
from smartcity.cases.models import Case, CaseEvent
from smartcity.cases.schemas import (
    CaseOut,
    CasePage,
    CaseSummary,
    EventOut,
    FileOut,
    HistoryEntry,
)
from smartcity.cases.workflow import Workflow
from smartcity.citizen.catalog import OfferedService, adoption_by_id
from smartcity.citizen.forms import FormDefinition
from smartcity.citizen.models import FormVersion, ServiceAdoption, ServiceTemplate, Submission
from smartcity.citizen.receipts import answers, local_time
from smartcity.citizen.schemas import ApplicationOut, DecisionSummary, StatusEvent, StatusOut
from smartcity.core.audit.models import AuditEntry
from smartcity.core.audit.services import record
from smartcity.core.db import table_of, utcnow
from smartcity.core.documents import Document
from smartcity.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
)
from smartcity.core.identity.models import RoleAssignment, UserAccount
from smartcity.core.identity.permissions import Principal, Role
from smartcity.core.mail.services import queue_mail
from smartcity.core.portal import Portal
from smartcity.core.signing import services as signing
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile

STAFF_FILES = "case"
APPLICANT_FILES = "submission"


# Built once, Core rather than the unit of work: every submission opens a case.
_CASES = table_of(Case)
_NEW_CASE = insert(_CASES).returning(_CASES.c.id)
_NEW_EVENT = insert(table_of(CaseEvent))


def open_case(db: Session, submission: Submission, service: OfferedService, now: datetime) -> int:
    """Open the case of a stored submission, with its first status event; the case's id."""
    workflow = Workflow.of(service.template.workflow)
    connection = db.connection()
    case_id: int = connection.execute(
        _NEW_CASE,
        {
            "municipality_id": submission.municipality_id,
            "submission_id": submission.id,
            "adoption_id": service.adoption.id,
            "department": service.department,
            "status": workflow.initial,
            "deadline": now + timedelta(days=service.processing_days),
            "created_at": now,
            "updated_at": now,
        },
    ).scalar_one()
    connection.execute(
        _NEW_EVENT,
        {
            "municipality_id": submission.municipality_id,
            "case_id": case_id,
            "kind": "status",
            "public": True,
            "status": workflow.initial,
            "actor": "system",
            "created_at": now,
        },
    )
    return case_id


# ---- who sees what ----------------------------------------------------------------------


def sees_all_departments(principal: Principal) -> bool:
    return bool({Role.ADMIN, Role.REGION_ADMIN, Role.AUDITOR} & principal.roles)


def _visible(principal: Principal) -> ColumnElement[bool]:
    """The cases the principal may see: all, or those of their departments."""
    if sees_all_departments(principal):
        return true()
    return Case.department.in_(sorted(principal.departments))


def get_case(db: Session, principal: Principal, case_id: int) -> Case:
    case = db.get(Case, case_id)
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    if not sees_all_departments(principal) and case.department not in principal.departments:
        raise PermissionDenied(
            f"Case {case_id} belongs to {case.department}, not to your departments."
        )
    return case


def check_version(case: Case, if_match: str | None) -> None:
    # `*` (any version) would let a change overwrite one its author never saw: refused too.
    if if_match is None or if_match.strip() == "*":
        raise PreconditionRequired(
            'Send the version you changed with If-Match: "<version>" (from the ETag), so that '
            "nobody's change is overwritten unseen."
        )
    versions = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    if str(case.version) not in versions:
        raise PreconditionFailed(
            f"Der Vorgang wurde inzwischen geändert (jetzt Version {case.version}). "
            "Bitte laden Sie ihn neu und prüfen Sie Ihre Änderung."
        )


# ---- inbox --------------------------------------------------------------------------------


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


def _summary(
    case: Case, submission: Submission, template: ServiceTemplate, now: datetime
) -> CaseSummary:
    workflow = Workflow.of(template.workflow)
    return CaseSummary(
        id=case.id,
        tracking_code=submission.tracking_code,
        service=template.key,
        service_name=template.name["de"],
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
    query = (
        select(Case, Submission, ServiceTemplate)
        .join(Submission, Submission.id == Case.submission_id)
        .join(ServiceAdoption, ServiceAdoption.id == Case.adoption_id)
        .join(ServiceTemplate, ServiceTemplate.id == ServiceAdoption.template_id)
        .where(_visible(principal))
    )
    if wanted.status:
        query = query.where(Case.status == wanted.status)
    if wanted.service:
        query = query.where(ServiceTemplate.key == wanted.service)
    if wanted.department:
        query = query.where(Case.department == wanted.department)
    if wanted.assignee == "me":
        query = query.where(Case.assignee_id == principal.id)
    elif wanted.assignee == "none":
        query = query.where(Case.assignee_id.is_(None))
    elif wanted.assignee:
        if not wanted.assignee.isdigit():
            raise InvalidInput('assignee is "me", "none" or a staff member\'s id.')
        query = query.where(Case.assignee_id == int(wanted.assignee))
    if wanted.older_than_days is not None:
        query = query.where(Case.created_at < now - timedelta(days=wanted.older_than_days))
    if wanted.overdue is not None:
        query = query.where(_overdue(now) if wanted.overdue else not_(_overdue(now)))
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.execute(
        query.order_by(Case.deadline.asc().nulls_last(), Case.id)
        .limit(wanted.limit)
        .offset(wanted.offset)
    ).all()
    return CasePage(total=total or 0, cases=[_summary(c, s, t, now) for c, s, t in rows])


# ---- one case ----------------------------------------------------------------------------


def case_out(
    db: Session, portal: Portal, municipality: Municipality, case: Case, now: datetime | None = None
) -> CaseOut:
    now = now or utcnow()
    submission = db.get(Submission, case.submission_id)
    assert submission is not None
    service = adoption_by_id(db, case.adoption_id)
    version = db.get(FormVersion, submission.form_version_id)
    assert version is not None
    workflow = Workflow.of(service.template.workflow)
    applicant = uploads.files_of(db, APPLICANT_FILES, submission.id)
    staff = uploads.files_of(db, STAFF_FILES, case.id)
    base = f"{portal.public_url}/{municipality.slug}/api/v1/cases/{case.id}/files"
    files = [
        FileOut(
            id=f.public_id,
            name=f.original_name,
            content_type=f.content_type,
            size=f.size,
            sha512=f.sha512,
            source=source,
            url=f"{base}/{f.public_id}",
        )
        for source, group in (("applicant", applicant), ("staff", staff))
        for f in group
    ]
    events = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    summary = _summary(case, submission, service.template, now)
    return CaseOut(
        **summary.model_dump(),
        form_version=version.version,
        data=submission.data,
        answers=answers(
            FormDefinition(version.schema, version.ui), submission.data, applicant, "de"
        ),
        contact_email=submission.contact_email,
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


def _event(db: Session, case: Case, kind: str, actor: str, now: datetime, **values: Any) -> None:
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


def _touch(case: Case, now: datetime) -> None:
    case.updated_at = now


def change_status(
    db: Session, case: Case, target: str, note: str | None, actor: str, now: datetime | None = None
) -> Case:
    now = now or utcnow()
    service = adoption_by_id(db, case.adoption_id)
    workflow = Workflow.of(service.template.workflow)
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
    _touch(case, now)
    _event(db, case, "status", actor, now, public=True, status=target)
    if note:
        _event(db, case, "note", actor, now, public=False, text=note)
    record(
        db,
        actor=actor,
        action="case.status",
        resource_type="case",
        resource_id=case.id,
        changes={"status": {"old": previous, "new": target}},
    )
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
        _event(db, case, "assignment", actor, now, public=False, text=None)
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
        _touch(case, now)
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
    _event(db, case, "note", actor, now, public=False, text=text)
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
    _event(db, case, "message", actor, now, public=True, text=text)
    record(db, actor=actor, action="case.message", resource_type="case", resource_id=case.id)
    submission = db.get(Submission, case.submission_id)
    assert submission is not None
    if submission.contact_email:
        _notify(db, portal, municipality, submission, "message")


def applicant_reply(
    db: Session, submission: Submission, text: str, now: datetime | None = None
) -> None:
    now = now or utcnow()
    case = case_of(db, submission)
    if case.closed_at is not None:
        raise Conflict(
            "Dieser Vorgang ist abgeschlossen; Antworten nimmt er nicht mehr an. Bitte wenden "
            "Sie sich direkt an die zuständige Stelle."
        )
    _event(db, case, "reply", "applicant", now, public=True, text=text)
    record(db, actor="applicant", action="case.reply", resource_type="case", resource_id=case.id)


def _notify(
    db: Session, portal: Portal, municipality: Municipality, submission: Submission, what: str
) -> None:
    assert submission.contact_email is not None
    status = f"{portal.base(municipality)}/status/{submission.tracking_code}"
    if submission.language == "en":
        subject = f"News on your application {submission.tracking_code}"
        noun = "a decision" if what == "decision" else "a message"
        body = (
            f"Hello,\n\n{municipality.name} has sent {noun} about your application.\n\n{status}\n"
        )
    else:
        subject = f"Neuigkeiten zu Ihrem Antrag {submission.tracking_code}"
        noun = "einen Bescheid" if what == "decision" else "eine Nachricht"
        body = (
            f"Guten Tag,\n\n{municipality.name} hat Ihnen {noun} zu Ihrem Antrag geschickt.\n\n"
            f"{status}\n"
        )
    queue_mail(db, to=submission.contact_email, subject=subject, body=body)


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


def file_of(db: Session, case: Case, public_id: str) -> StoredFile:
    for kind, owner in ((APPLICANT_FILES, case.submission_id), (STAFF_FILES, case.id)):
        for stored in uploads.files_of(db, kind, owner):
            if stored.public_id == public_id:
                return stored
    raise NotFound("This case has no such file.")


def decide(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    case: Case,
    outcome: str,
    reasons: str,
    actor: str,
    now: datetime | None = None,
) -> Case:
    now = now or utcnow()
    service = adoption_by_id(db, case.adoption_id)
    workflow = Workflow.of(service.template.workflow)
    if not workflow.allows(case.status, workflow.decided):
        raise Conflict(
            f"In the status „{workflow.label(case.status)}“ no decision can be issued; "
            f"first move the case to one from which „{workflow.label(workflow.decided)}“ follows."
        )
    submission = db.get(Submission, case.submission_id)
    assert submission is not None
    language = submission.language
    local = ZoneInfo(municipality.timezone)
    text = render(
        service.template.decision_template,
        language,
        {
            "municipality": municipality.name,
            "service": service.name(language),
            "tracking_code": submission.tracking_code,
            "submitted_on": submission.submitted_at.astimezone(local).strftime("%d.%m.%Y"),
            "decided_on": now.astimezone(local).strftime("%d.%m.%Y"),
            "outcome": OUTCOMES[outcome][language],
            "reasons": reasons,
            "data": submission.data,
        },
    )
    claims = {
        "iss": portal.base(municipality),
        "sub": submission.tracking_code,
        "iat": int(now.timestamp()),
        "type": "decision",
        "service": service.template.key,
        "outcome": outcome,
        "decided_at": now.isoformat(),
        "text": text,
    }
    case.decision = {
        "outcome": outcome,
        "text": text,
        "document": signing.sign(db, municipality, claims, portal.secret),
        "decided_at": now.isoformat(),
        "decided_by": actor,
    }
    previous = case.status
    case.status = workflow.decided
    case.decided_at = now
    _touch(case, now)
    _event(db, case, "decision", actor, now, public=True, status=workflow.decided)
    record(
        db,
        actor=actor,
        action="case.decision",
        resource_type="case",
        resource_id=case.id,
        changes={"status": {"old": previous, "new": workflow.decided}, "outcome": outcome},
    )
    if submission.contact_email:
        _notify(db, portal, municipality, submission, "decision")
    return case


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


# ---- the applicant's view ---------------------------------------------------------------


def case_of(db: Session, submission: Submission) -> Case:
    case = db.scalar(select(Case).where(Case.submission_id == submission.id))
    if case is None:
        raise NotFound("No case belongs to this application.")
    return case


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
    for e in events:
        kind = "message" if e.kind in ("message", "reply") else e.kind
        if kind not in ("status", "message", "decision"):
            continue
        text = e.text
        if e.kind == "reply" and text is not None:
            text = ("Ihre Antwort: " if language == "de" else "Your reply: ") + text
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


def decision_pdf(db: Session, portal: Portal, municipality: Municipality, case: Case) -> bytes:
    if case.decision is None:
        raise NotFound("This case has no decision yet.")
    submission = db.get(Submission, case.submission_id)
    assert submission is not None
    service = adoption_by_id(db, case.adoption_id)
    german = submission.language == "de"
    decided = datetime.fromisoformat(case.decision["decided_at"])
    document = Document(
        title="Bescheid" if german else "Decision",
        issuer=municipality.name,
        subtitle=service.name(submission.language),
        facts=[
            ("Vorgangsnummer" if german else "Tracking code", submission.tracking_code),
            ("Datum" if german else "Date", local_time(decided, municipality)),
        ],
        paragraphs=(case.decision["text"] or "").split("\n\n"),
        small_print=[
            "Elektronisch signiert (JWS, Ed25519); prüfbar mit den öffentlichen Schlüsseln unter "
            f"{portal.base(municipality)}/.well-known/jwks.json:",
            case.decision["document"] or "",
        ],
    )
    return document.render()
