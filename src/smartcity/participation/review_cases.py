"""A review opens a case in the responsible department's inbox: the proposal is filed as an
application of the region's "Bürgervorschlag prüfen" service (created on first use, like the
platform's other system services), so the department works it with workflow, deadline and
history like any other case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smartcity.citizen.system_services import SystemService, file_case
from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.participation.models import Process, Proposal

SERVICE_KEY = "beteiligung-vorschlag"
TEMPLATE: dict[str, Any] = {
    "key": SERVICE_KEY,
    "name": {"de": "Bürgervorschlag prüfen", "en": "Review a citizen's proposal"},
    "description": {
        "de": "Ein Vorschlag aus der Bürgerbeteiligung, den ein Amt prüft.",
        "en": "A proposal of citizen participation a department reviews.",
    },
    "default_department": "Bürgerbeteiligung",
    "default_processing_days": 30,
    "allows_anonymous": True,
    "retention_days": 3650,
    "retention_action": "anonymise",
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["verfahren", "vorschlag", "vorschlag_id"],
    "additionalProperties": False,
    "properties": {
        "verfahren": {"type": "string", "title": "Beteiligungsverfahren", "maxLength": 200},
        "vorschlag": {"type": "string", "title": "Vorschlag", "maxLength": 200},
        "vorschlag_id": {"type": "integer", "title": "Vorschlag-Nr."},
        "adresse": {"type": "string", "title": "Seite des Vorschlags", "maxLength": 500},
    },
}
UI: dict[str, Any] = {"order": ["verfahren", "vorschlag", "vorschlag_id", "adresse"]}
REVIEW_SERVICE = SystemService(TEMPLATE, SCHEMA, UI)


def open_review_case(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    proposal: Proposal,
    *,
    actor: str,
    now: datetime | None = None,
) -> int:
    """Opens the proposal's case in its reviewing department's inbox (once); its id."""
    if proposal.case_id is not None:
        return proposal.case_id
    if not proposal.department:
        raise InvalidInput(
            "Please name the responsible department first.",
            errors={"department": "Please name the responsible department first."},
        )
    process = db.get(Process, proposal.process_id)
    assert process is not None
    data = {
        "verfahren": process.title,
        "vorschlag": proposal.title,
        "vorschlag_id": proposal.id,
        "adresse": f"{portal.public_url}/{municipality.slug}/beteiligung/{process.slug}"
        f"/vorschlaege/{proposal.id}",
    }
    filed = file_case(db, portal, municipality, REVIEW_SERVICE, data, now=now or utcnow())
    filed.case.department = proposal.department
    proposal.case_id = filed.case.id
    audit.record(
        db,
        actor=actor,
        action="participation.proposal.case",
        resource_type="participation_proposal",
        resource_id=proposal.id,
        changes={"case": filed.case.id, "department": proposal.department},
    )
    return filed.case.id
