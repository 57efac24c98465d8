"""Issuing the decision (Bescheid): rendered from the service's template, signed, shown to
the applicant; and the decision as PDF."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from smartcity.cases.decisions import OUTCOMES, render
from smartcity.cases.interfaces import Application, application
from smartcity.cases.models import Case
from smartcity.cases.services.actions import add_event, touch
from smartcity.cases.services.notices import notify
from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.documents import Document, local_time, sender_of
from smartcity.core.errors import Conflict, NotFound
from smartcity.core.portal import Portal
from smartcity.core.signing import services as signing
from smartcity.core.tenancy.models import Municipality


def _text(
    found: Application, municipality: Municipality, outcome: str, reasons: str, now: datetime
) -> str:
    language = found.language
    local = ZoneInfo(municipality.timezone)
    return render(
        found.decision_template,
        language,
        {
            "municipality": municipality.name,
            "service": found.service_name(language),
            "tracking_code": found.tracking_code,
            "submitted_on": found.submitted_at.astimezone(local).strftime("%d.%m.%Y"),
            "decided_on": now.astimezone(local).strftime("%d.%m.%Y"),
            "outcome": OUTCOMES[outcome][language],
            "reasons": reasons,
            "data": found.data,
        },
    )


def preview_decision(
    db: Session,
    municipality: Municipality,
    case: Case,
    outcome: str,
    reasons: str,
    now: datetime | None = None,
) -> str:
    """The text the decision would have if issued now, for the clerk to read before issuing
    it (issuing signs it, and a signed decision cannot be taken back). Nothing is stored."""
    found = application(db, case)
    workflow = found.workflow
    if not workflow.allows(case.status, workflow.decided):
        raise Conflict(
            f"In the status „{workflow.label(case.status)}“ no decision can be issued; "
            f"first move the case to one from which „{workflow.label(workflow.decided)}“ follows."
        )
    return _text(found, municipality, outcome, reasons, now or utcnow())


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
    found = application(db, case)
    workflow = found.workflow
    if not workflow.allows(case.status, workflow.decided):
        raise Conflict(
            f"In the status „{workflow.label(case.status)}“ no decision can be issued; "
            f"first move the case to one from which „{workflow.label(workflow.decided)}“ follows."
        )
    text = _text(found, municipality, outcome, reasons, now)
    claims = {
        "iss": portal.base(municipality),
        "sub": found.tracking_code,
        "iat": int(now.timestamp()),
        "type": "decision",
        "service": found.service_key,
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
    touch(case, now)
    add_event(db, case, "decision", actor, now, public=True, status=workflow.decided)
    record(
        db,
        actor=actor,
        action="case.decision",
        resource_type="case",
        resource_id=case.id,
        changes={"status": {"old": previous, "new": workflow.decided}, "outcome": outcome},
    )
    if found.contact_email:
        notify(db, portal, municipality, found, "decision")
    return case


def decision_pdf(db: Session, portal: Portal, municipality: Municipality, case: Case) -> bytes:
    if case.decision is None:
        raise NotFound("This case has no decision yet.")
    found = application(db, case)
    language = found.language
    german = language == "de"
    decided = datetime.fromisoformat(case.decision["decided_at"])
    sender = sender_of(db, municipality)
    references = [
        ("Unser Zeichen" if german else "Our reference", found.tracking_code),
        ("Zuständig" if german else "Responsible", case.department),
    ]
    if sender.phone:
        references.append(("Telefon" if german else "Phone", sender.phone))
    if sender.email:
        references.append(("E-Mail" if german else "E-mail", sender.email))
    references.append(
        ("Datum" if german else "Date", local_time(decided, municipality, language).split(",")[0])
    )
    title = "Bescheid" if german else "Decision"
    paragraphs = [p.strip() for p in (case.decision["text"] or "").split("\n\n") if p.strip()]
    if paragraphs and paragraphs[0] == title:  # the subject line says it already
        paragraphs = paragraphs[1:]
    document = Document(
        title=title,
        issuer=municipality.name,
        office=case.department,
        sender_address=sender.address,
        recipient=list(found.addressee),
        references=references,
        subtitle=found.service_name(language),
        paragraphs=paragraphs,
        small_print=[
            "Elektronisch signiert (JWS, Ed25519); prüfbar mit den öffentlichen Schlüsseln unter "
            f"{portal.base(municipality)}/.well-known/jwks.json:",
            case.decision["document"] or "",
        ],
        language=language,
    )
    return document.render()
