"""Issuing the decision (Bescheid): rendered from the service's template, signed, shown to
the applicant; and the decision as PDF."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from smartcity.cases.decisions import OUTCOMES, render
from smartcity.cases.interfaces import application
from smartcity.cases.models import Case
from smartcity.cases.services.actions import add_event, touch
from smartcity.cases.services.notices import notify
from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.documents import Document, local_time
from smartcity.core.errors import Conflict, NotFound
from smartcity.core.portal import Portal
from smartcity.core.signing import services as signing
from smartcity.core.tenancy.models import Municipality


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
    language = found.language
    local = ZoneInfo(municipality.timezone)
    text = render(
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
    german = found.language == "de"
    decided = datetime.fromisoformat(case.decision["decided_at"])
    document = Document(
        title="Bescheid" if german else "Decision",
        issuer=municipality.name,
        subtitle=found.service_name(found.language),
        facts=[
            ("Vorgangsnummer" if german else "Tracking code", found.tracking_code),
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
