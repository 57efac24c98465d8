"""Anomalies become cases: the periodic check looks at each building's recent readings with
the same rules as the building's page (`services.series_of`), and when it finds anomalies no
case was filed for, it files one case of the service "Auffälligkeit im Energieverbrauch"
(created on first use, offered with the department Energiemanagement) naming them all, so the
energy manager finds them in that inbox with workflow and history.

Each anomaly is remembered (`EnergyAlert`) so that it is told only once. A sudden rise or a
reading lower than the one before is history once it happened: its case stays for the energy
manager to close. A high base load at night lasts; when a later check finds the night normal
again (over two weeks of hourly readings), its alert is closed, and its case with a note
unless the case names history too (then the note is added and the case stays open)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases import services as cases
from smartcity.cases.models import Case
from smartcity.citizen.system_services import SystemService, close_filed_case, file_case
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.energy import consumption, services
from smartcity.energy.consumption import Anomaly
from smartcity.energy.models import Building, EnergyAlert, Meter
from smartcity.energy.vocabulary import UNITS

SERVICE_KEY = "energie-auffaelligkeit"
DEPARTMENT = "Energiemanagement"
# Only anomalies of this recent past become cases: readings imported for an old year, or the
# first check after the module is switched on, do not fill the inbox with old history.
# (Readings come at least once a quarter.)
RECENT = timedelta(days=92)
# Readings read back from the start of the month this many months ago: heating is compared
# with the same month a year earlier, and the check starts at a month's turn so that no
# month it compares is cut off.
MONTHS_BACK = 18
SYSTEM_ACTOR = "system"
NIGHT_GONE = (
    "Die Grundlast in der Nacht ist wieder unauffällig ({night} kW nachts gegen {day} kW an "
    "Werktagen)."
)
TEMPLATE: dict[str, Any] = {
    "key": SERVICE_KEY,
    "name": {"de": "Auffälligkeit im Energieverbrauch", "en": "Energy consumption anomaly"},
    "description": {
        "de": "Die Zählerstände eines städtischen Gebäudes zeigen Auffälligkeiten: einen "
        "plötzlichen Anstieg, eine hohe Grundlast in der Nacht oder einen Zählerstand, der "
        "niedriger ist als der vorige.",
        "en": "The meter readings of a municipal building look wrong: a sudden rise, a high "
        "base load at night or a reading lower than the one before.",
    },
    "default_department": DEPARTMENT,
    "default_processing_days": 10,
    "allows_anonymous": True,
    "retention_days": 3650,
    "retention_action": "anonymise",
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["gebaeude", "auffaelligkeiten", "erkannt"],
    "additionalProperties": False,
    "properties": {
        "gebaeude": {"type": "string", "title": "Gebäude", "maxLength": 200},
        "gebaeude_id": {"type": "integer", "title": "Gebäude-Nr."},
        "anschrift": {"type": "string", "title": "Anschrift", "maxLength": 200},
        "auffaelligkeiten": {"type": "string", "title": "Auffälligkeiten", "maxLength": 4000},
        "erkannt": {"type": "string", "title": "Erkannt am", "format": "date-time"},
    },
}
UI: dict[str, Any] = {
    "order": ["gebaeude", "gebaeude_id", "anschrift", "auffaelligkeiten", "erkannt"],
    "fields": {
        "auffaelligkeiten": {
            "label": {"de": "Auffälligkeiten", "en": "Anomalies"},
            "widget": "textarea",
        }
    },
}
ANOMALY_SERVICE = SystemService(TEMPLATE, SCHEMA, UI)
# German, as the case is the department's record (the templates' language).
KINDS_DE = {
    "jump": "plötzlicher Anstieg",
    "night": "hohe Grundlast in der Nacht",
    consumption.LOWER: "Zählerstand niedriger als der vorige",
}
METERS_DE = {
    "electricity": "Stromzähler",
    "heat": "Wärmemengenzähler",
    "gas": "Gaszähler",
    "water": "Wasserzähler",
}
MONTHS_DE = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


@dataclass
class Changes:
    opened: list[EnergyAlert] = field(default_factory=list)
    closed: list[EnergyAlert] = field(default_factory=list)
    # ids of the cases filed
    cases: list[int] = field(default_factory=list)


def check(db: Session, portal: Portal, municipality: Municipality, now: datetime) -> Changes:
    """File one case per building for its anomalies not told yet; close the alerts (and
    cases) of night base loads that are gone."""
    zone = ZoneInfo(municipality.timezone)
    reports = services.reports(db, municipality.timezone, since=_since(now, zone))
    alerts = list(db.scalars(select(EnergyAlert)))
    told = {(a.meter_id, a.kind, a.at) for a in alerts}
    open_nights = {a.meter_id: a for a in alerts if a.kind == "night" and a.closed_at is None}
    changes = Changes()
    for report in reports:
        new: list[tuple[Meter, Anomaly]] = []
        for series in report.series:
            meter = series.meter
            night = open_nights.get(meter.id)
            for anomaly in series.anomalies:
                if not now - RECENT <= anomaly.at <= now:
                    continue
                if anomaly.kind == "night":
                    # One alert while it lasts, however often its newest reading moves on.
                    if night is None:
                        new.append((meter, anomaly))
                elif (meter.id, anomaly.kind, anomaly.at) not in told:
                    new.append((meter, anomaly))
            load = series.night
            # Closed only when two weeks of readings after it show a normal night; without
            # hourly readings nobody can tell, and the alert stays open.
            if night is not None and load is not None and not load.high and load.at > night.at:
                _close_night(db, night, alerts, load, now)
                changes.closed.append(night)
        if new:
            opened = _file(db, portal, municipality, report.building, new, zone, now)
            changes.opened += opened
            if opened[0].case_id is not None:
                changes.cases.append(opened[0].case_id)
    return changes


def _since(now: datetime, zone: ZoneInfo) -> datetime:
    local = now.astimezone(zone)
    index = local.year * 12 + local.month - 1 - MONTHS_BACK
    return consumption.month_start((index // 12, index % 12 + 1), zone)


def _file(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    building: Building,
    found: list[tuple[Meter, Anomaly]],
    zone: ZoneInfo,
    now: datetime,
) -> list[EnergyAlert]:
    found = sorted(found, key=lambda pair: (pair[1].at, pair[0].number))
    data = {
        "gebaeude": building.name,
        "gebaeude_id": building.id,
        "anschrift": f"{building.address}, {building.postal_code} {building.city}",
        "auffaelligkeiten": "\n".join(describe(meter, a, zone) for meter, a in found),
        "erkannt": now.isoformat(),
    }
    filed = file_case(db, portal, municipality, ANOMALY_SERVICE, data, now=now)
    opened = [
        EnergyAlert(
            building_id=building.id,
            meter_id=meter.id,
            kind=anomaly.kind,
            at=anomaly.at,
            value=anomaly.value,
            expected=anomaly.expected,
            case_id=filed.case.id,
            tracking_code=filed.tracking_code,
            created_at=now,
        )
        for meter, anomaly in found
    ]
    db.add_all(opened)
    db.flush()
    return opened


def _close_night(
    db: Session,
    alert: EnergyAlert,
    alerts: Iterable[EnergyAlert],
    load: consumption.NightLoad,
    now: datetime,
) -> None:
    alert.closed_at = now
    if alert.case_id is None:
        return
    note = NIGHT_GONE.format(night=_number(load.night_kw), day=_number(load.day_kw))
    same_case = [a for a in alerts if a.case_id == alert.case_id]
    if all(a.closed_at is not None for a in same_case):
        close_filed_case(db, alert.case_id, note, now)
        return
    # The case names history (a sudden rise) too: that stays for the energy manager.
    case = db.get(Case, alert.case_id)
    if case is not None and case.closed_at is None:
        cases.add_note(db, case, note, SYSTEM_ACTOR, now)


def describe(meter: Meter, anomaly: Anomaly, zone: ZoneInfo) -> str:
    """One line of the case: meter, what looks wrong and the figures."""
    unit = UNITS[meter.kind]
    head = f"{METERS_DE[meter.kind]} {meter.number}: {KINDS_DE.get(anomaly.kind, anomaly.kind)}"
    when = _time(anomaly.at, zone)
    if anomaly.kind == "night":
        return (
            f"{head} – {_number(anomaly.value)} kW nachts (0 bis 4 Uhr) gegen "
            f"{_number(anomaly.expected)} kW an Werktagen (8 bis 18 Uhr), in den zwei Wochen "
            f"bis {when}"
        )
    if anomaly.kind == "jump" and meter.kind in ("heat", "gas"):
        # A month against the same month a year earlier (`consumption.seasonal_jumps`).
        local = (anomaly.at - timedelta(days=1)).astimezone(zone)
        month = f"{MONTHS_DE[local.month - 1]} {local.year}"
        return (
            f"{head} – {_number(anomaly.value)} {unit} im {month} gegen "
            f"{_number(anomaly.expected)} {unit} im {MONTHS_DE[local.month - 1]} "
            f"{local.year - 1}"
        )
    if anomaly.kind == "jump":
        return (
            f"{head} – {_number(anomaly.value)} {unit} am Tag gegen üblich "
            f"{_number(anomaly.expected)} {unit} am Tag, im Ableseintervall bis {when}"
        )
    return f"{head}, abgelesen {when}"


def _number(value: float) -> str:
    text = f"{value:,.1f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _time(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def case_alerts(db: Session, building_id: int) -> list[EnergyAlert]:
    """The building's alerts, newest first (the building's page shows their cases)."""
    return list(
        db.scalars(
            select(EnergyAlert)
            .where(EnergyAlert.building_id == building_id)
            .order_by(EnergyAlert.created_at.desc(), EnergyAlert.id)
        )
    )
