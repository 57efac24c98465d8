"""An offline hotspot becomes a case: once it has been offline longer than the municipality
allows, a case of the service "Ausfall eines WLAN-Hotspots" is filed (created on first use,
offered with the IT department), so it shows in that inbox with workflow and history; when
the hotspot is online again the case is closed with a note."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.citizen.system_services import SystemService, close_filed_case, file_case
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.wifi.models import Outage, WifiSource
from smartcity.wifi.services import HotspotState, states

SERVICE_KEY = "wlan-hotspot-ausfall"
DEPARTMENT = "IT"
DEFAULT_OFFLINE_MINUTES = 30
CLOSING_NOTE = "Der Hotspot ist wieder erreichbar."
TEMPLATE: dict[str, Any] = {
    "key": SERVICE_KEY,
    "name": {"de": "Ausfall eines WLAN-Hotspots", "en": "Public WiFi hotspot offline"},
    "description": {
        "de": "Ein öffentlicher WLAN-Hotspot ist länger als erlaubt nicht erreichbar.",
        "en": "A public WiFi hotspot has been unreachable for longer than allowed.",
    },
    "default_department": DEPARTMENT,
    "default_processing_days": 2,
    "allows_anonymous": True,
    "retention_days": 730,
    "retention_action": "anonymise",
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["hotspot", "offline_seit"],
    "additionalProperties": False,
    "properties": {
        "hotspot": {"type": "string", "title": "Hotspot", "maxLength": 200},
        "hotspot_id": {"type": "integer", "title": "Hotspot-Nr."},
        "standort": {"type": "string", "title": "Standort (Breite, Länge)", "maxLength": 60},
        "offline_seit": {"type": "string", "title": "Nicht erreichbar seit", "format": "date-time"},
    },
}
UI: dict[str, Any] = {"order": ["hotspot", "hotspot_id", "standort", "offline_seit"]}
OUTAGE_SERVICE = SystemService(TEMPLATE, SCHEMA, UI)


@dataclass
class Changes:
    opened: list[Outage] = field(default_factory=list)
    closed: list[Outage] = field(default_factory=list)


def check(db: Session, portal: Portal, municipality: Municipality, now: datetime) -> Changes:
    """Open a case for each hotspot offline longer than allowed (once), close it when the
    hotspot is online again."""
    # Not `source_of`: a municipality without hotspots gets no source row from this job.
    minutes = db.scalar(select(WifiSource.offline_minutes))
    allowed = timedelta(minutes=minutes or DEFAULT_OFFLINE_MINUTES)
    open_now = open_outages(db)
    changes = Changes()
    for state in states(db):
        outage = open_now.get(state.hotspot.id)
        since = state.offline_since
        if outage is None and since is not None and now - since >= allowed:
            changes.opened.append(_open(db, portal, municipality, state, since, now))
        elif outage is not None and state.online:
            outage.closed_at = now
            if outage.case_id is not None:
                close_filed_case(db, outage.case_id, CLOSING_NOTE, now)
            changes.closed.append(outage)
    return changes


def _open(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    state: HotspotState,
    since: datetime,
    now: datetime,
) -> Outage:
    hotspot = state.hotspot
    data = {
        "hotspot": hotspot.name,
        "hotspot_id": hotspot.id,
        "standort": f"{hotspot.lat:.5f}, {hotspot.lon:.5f}",
        "offline_seit": since.isoformat(),
    }
    filed = file_case(db, portal, municipality, OUTAGE_SERVICE, data, now=now)
    outage = Outage(
        hotspot_id=hotspot.id,
        offline_since=since,
        opened_at=now,
        case_id=filed.case.id,
        tracking_code=filed.tracking_code,
    )
    db.add(outage)
    db.flush()
    return outage


def open_outages(db: Session) -> dict[int, Outage]:
    return {o.hotspot_id: o for o in db.scalars(select(Outage).where(Outage.closed_at.is_(None)))}
