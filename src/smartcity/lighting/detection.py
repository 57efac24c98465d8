"""Each run: check every luminaire against the fault rules; open a fault (and its repair case)
once, and close both when the luminaire shows it is normal again."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.citizen.system_services import close_filed_case
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.lighting import control, faults
from smartcity.lighting.models import LampFault, LightingGroup, Luminaire
from smartcity.lighting.program import Program
from smartcity.lighting.repair_cases import open_fault
from smartcity.lighting.services import place_of
from smartcity.sensorthings.latest import newest_results
from smartcity.sensorthings.models import Observation


@dataclass
class Changes:
    opened: list[LampFault] = field(default_factory=list)
    closed: list[LampFault] = field(default_factory=list)


@dataclass
class _Readings:
    power: tuple[datetime, float] | None
    recent_power: list[tuple[datetime, float]]
    last_seen: datetime | None


def check_group(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    group: LightingGroup,
    now: datetime,
    rules: faults.Rules = faults.RULES,
) -> Changes:
    luminaires = list(group.luminaires)
    changes = Changes()
    if not luminaires:
        return changes
    active = control.is_active(place_of(municipality, group), Program.parse(group.program), now)
    readings = _readings(db, luminaires, now, rules)
    open_now = {
        (f.luminaire_id, f.kind): f
        for f in db.scalars(
            select(LampFault).where(
                LampFault.luminaire_id.in_([lum.id for lum in luminaires]),
                LampFault.closed_at.is_(None),
            )
        )
    }
    for luminaire in luminaires:
        seen = readings[luminaire.id]
        found = {
            "lamp_failure": faults.lamp_failure(
                luminaire.commanded_level,
                luminaire.commanded_at,
                seen.power,
                luminaire.rated_power_w,
                now,
                rules,
            ),
            "day_burner": faults.day_burner(active, seen.power, luminaire.rated_power_w, rules),
            "cycling": faults.cycling(seen.recent_power, luminaire.rated_power_w, now, rules),
            "communication_loss": faults.communication_loss(seen.last_seen, now, rules),
        }
        for kind in faults.KINDS:
            fault = open_now.get((luminaire.id, kind))
            if found[kind] and fault is None:
                changes.opened.append(open_fault(db, portal, municipality, luminaire, kind, now))
            elif fault is not None and _normal_again(fault, luminaire, seen, active, now, rules):
                fault.closed_at = now
                if fault.case_id is not None:
                    close_filed_case(
                        db,
                        fault.case_id,
                        f"Die Leuchte meldet wieder Normalbetrieb ({faults.LABELS_DE[kind]}).",
                        now,
                    )
                changes.closed.append(fault)
    return changes


def _normal_again(
    fault: LampFault,
    luminaire: Luminaire,
    seen: _Readings,
    active: bool,
    now: datetime,
    rules: faults.Rules,
) -> bool:
    """Evidence that the fault is gone, from readings taken after it was detected (a lamp that
    went dark at dawn has not been repaired)."""
    rated = luminaire.rated_power_w
    fresh = seen.power is not None and seen.power[0] > fault.opened_at
    if fault.kind == "lamp_failure":
        return fresh and seen.power is not None and seen.power[1] > rules.lit_above * rated
    if fault.kind == "day_burner":
        return (
            fresh
            and not active
            and seen.power is not None
            and seen.power[1] < rules.dark_below * rated
        )
    if fault.kind == "cycling":
        return bool(seen.recent_power) and not faults.cycling(seen.recent_power, rated, now, rules)
    return seen.last_seen is not None and seen.last_seen > fault.opened_at


def _readings(
    db: Session, luminaires: list[Luminaire], now: datetime, rules: faults.Rules
) -> dict[int, _Readings]:
    power_of = {lum.power_datastream_id: lum.id for lum in luminaires}
    streams_of = {
        ds: lum.id
        for lum in luminaires
        for ds in (
            lum.power_datastream_id,
            lum.energy_datastream_id,
            lum.dim_datastream_id,
            lum.hours_datastream_id,
            lum.motion_datastream_id,
        )
    }
    newest = newest_results(db, streams_of)
    recent: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    rows = db.execute(
        select(
            Observation.datastream_id, Observation.phenomenon_time_start, Observation.result_number
        ).where(
            Observation.datastream_id.in_(power_of),
            Observation.phenomenon_time_start >= now - rules.cycling_window,
            Observation.phenomenon_time_start <= now,
            Observation.result_number.is_not(None),
        )
    )
    for ds, at, watts in rows:
        if ds is not None and watts is not None:
            recent[power_of[ds]].append((at, watts))
    result = {}
    for lum in luminaires:
        power = newest.get(lum.power_datastream_id)
        seen = [
            newest[ds][0] for ds, owner in streams_of.items() if owner == lum.id and ds in newest
        ]
        result[lum.id] = _Readings(
            power=(power[0], float(power[1]))
            if power is not None and isinstance(power[1], int | float)
            else None,
            recent_power=recent[lum.id],
            last_seen=max(seen, default=None),
        )
    return result
