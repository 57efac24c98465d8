"""A fault becomes a repair case like any application: a submission of the region's
"Störung der Straßenbeleuchtung" service (created on first use, offered with the department
Straßenbeleuchtung), so it shows in that inbox with workflow, deadline and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smartcity.citizen.system_services import SystemService, file_case
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.lighting.faults import LABELS_DE
from smartcity.lighting.models import LampFault, Luminaire

SERVICE_KEY = "strassenbeleuchtung-stoerung"
DEPARTMENT = "Straßenbeleuchtung"
TEMPLATE: dict[str, Any] = {
    "key": SERVICE_KEY,
    "name": {"de": "Störung der Straßenbeleuchtung", "en": "Street lighting fault"},
    "description": {
        "de": "Von der Leuchtensteuerung erkannte Störung einer Straßenleuchte.",
        "en": "A street light fault detected by the lighting control.",
    },
    "default_department": DEPARTMENT,
    "default_processing_days": 5,
    "allows_anonymous": True,
    "retention_days": 3650,
    "retention_action": "anonymise",
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["leuchte", "stoerung", "erkannt"],
    "additionalProperties": False,
    "properties": {
        "leuchte": {"type": "string", "title": "Leuchte", "maxLength": 200},
        "leuchten_id": {"type": "integer", "title": "Leuchten-Nr."},
        "stoerung": {"type": "string", "title": "Störung", "maxLength": 200},
        "erkannt": {"type": "string", "title": "Erkannt am", "format": "date-time"},
    },
}
UI: dict[str, Any] = {"order": ["leuchte", "leuchten_id", "stoerung", "erkannt"]}
FAULT_SERVICE = SystemService(TEMPLATE, SCHEMA, UI)


def open_fault(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    luminaire: Luminaire,
    kind: str,
    now: datetime,
) -> LampFault:
    """The fault, with its new repair case."""
    data = {
        "leuchte": luminaire.name,
        "leuchten_id": luminaire.id,
        "stoerung": LABELS_DE[kind],
        "erkannt": now.isoformat(),
    }
    filed = file_case(db, portal, municipality, FAULT_SERVICE, data, now=now)
    fault = LampFault(
        luminaire_id=luminaire.id,
        kind=kind,
        opened_at=now,
        case_id=filed.case.id,
        tracking_code=filed.tracking_code,
    )
    db.add(fault)
    db.flush()
    return fault
