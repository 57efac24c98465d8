"""Energy used per night and month against the full-power baseline (every luminaire at its
rated power for the whole night): what dimming and switching on demand save."""

from __future__ import annotations

import calendar
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_
from smartcity.lighting import control
from smartcity.lighting.models import LightingGroup, Luminaire
from smartcity.lighting.program import Program
from smartcity.lighting.services import place_of
from smartcity.sensorthings.models import Observation


@dataclass(frozen=True)
class Line:
    luminaire_id: int
    name: str
    kwh: float | None  # None: no readings that night
    # At rated power over the hours the readings cover (a night measured in part is compared
    # with that part only).
    baseline_kwh: float
    measured_hours: float


@dataclass(frozen=True)
class Report:
    first_night: date
    last_night: date
    nights: int
    hours: float
    lines: list[Line]

    @property
    def kwh(self) -> float:
        return sum(line.kwh or 0.0 for line in self.lines)

    @property
    def baseline_kwh(self) -> float:
        return sum(line.baseline_kwh for line in self.lines)

    @property
    def savings_percent(self) -> float | None:
        if not self.baseline_kwh:
            return None
        return round(100 * (1 - self.kwh / self.baseline_kwh), 1)


def night_report(
    db: Session, municipality: Municipality, group: LightingGroup, night_of: date
) -> Report:
    """The night that begins at dusk on `night_of`."""
    return _report(db, municipality, group, [night_of])


def month_report(
    db: Session, municipality: Municipality, group: LightingGroup, year: int, month: int
) -> Report:
    """Every night of the month that has ended."""
    days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    place, program = place_of(municipality, group), Program.parse(group.program)
    now = utcnow()
    finished = [d for d in days if _night(place, program, d)[1] <= now]
    if not finished:
        raise InvalidInput(gettext_("No night of that month has ended yet."))
    return _report(db, municipality, group, finished)


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that reads the numbers in a name as numbers: "Leuchte 3" before "Leuchte 11"
    (a plain string sort puts 11 and 13 before 3, and people look for lamps by number)."""
    return tuple(
        (0, int(part)) if part.isdecimal() else (1, part.casefold())
        for part in re.split(r"(\d+)", name)
        if part
    )


def _night(place: control.Place, program: Program, day: date) -> tuple[datetime, datetime]:
    start = place.dusk(day) + timedelta(minutes=program.dusk_offset_minutes)
    end = place.dawn(day + timedelta(days=1)) - timedelta(minutes=program.dawn_offset_minutes)
    return start, end


def _report(
    db: Session, municipality: Municipality, group: LightingGroup, days: list[date]
) -> Report:
    place, program = place_of(municipality, group), Program.parse(group.program)
    luminaires = sorted(group.luminaires, key=lambda lum: natural_key(lum.name))
    used: dict[int, float] = defaultdict(float)
    covered: dict[int, float] = defaultdict(float)
    hours = 0.0
    for day in days:
        start, end = _night(place, program, day)
        hours += (end - start).total_seconds() / 3600
        for luminaire_id, (kwh, measured_hours) in _night_energy(
            db, luminaires, start, end
        ).items():
            used[luminaire_id] += kwh
            covered[luminaire_id] += measured_hours
    lines = [
        Line(
            luminaire_id=lum.id,
            name=lum.name,
            kwh=round(used[lum.id], 3) if lum.id in covered else None,
            baseline_kwh=round(lum.rated_power_w * covered[lum.id] / 1000, 3),
            measured_hours=round(covered[lum.id], 2),
        )
        for lum in luminaires
    ]
    return Report(days[0], days[-1], len(days), round(hours, 2), lines)


def _night_energy(
    db: Session, luminaires: list[Luminaire], start: datetime, end: datetime
) -> dict[int, tuple[float, float]]:
    """kWh and hours covered per luminaire: the rise of its energy meter between its first
    and last reading of the night, or where it has no meter readings, its power readings
    integrated (trapezoids)."""
    meters = {lum.energy_datastream_id: lum.id for lum in luminaires}
    powers = {lum.power_datastream_id: lum.id for lum in luminaires}
    series: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    rows = db.execute(
        select(
            Observation.datastream_id, Observation.phenomenon_time_start, Observation.result_number
        )
        .where(
            Observation.datastream_id.in_([*meters, *powers]),
            Observation.phenomenon_time_start.between(start, end),
            Observation.result_number.is_not(None),
        )
        .order_by(Observation.phenomenon_time_start)
    )
    for ds, at, value in rows:
        if ds is not None and value is not None:
            series[ds].append((at, value))
    energy: dict[int, tuple[float, float]] = {}
    for ds, owner in meters.items():
        readings = series.get(ds, [])
        if len(readings) >= 2 and readings[-1][1] >= readings[0][1]:
            energy[owner] = (readings[-1][1] - readings[0][1], _hours(readings))
    for ds, owner in powers.items():
        readings = series.get(ds, [])
        if owner in energy or len(readings) < 2:
            continue
        watt_hours = sum(
            (a[1] + b[1]) / 2 * (b[0] - a[0]).total_seconds() / 3600
            for a, b in itertools.pairwise(readings)
        )
        energy[owner] = (watt_hours / 1000, _hours(readings))
    return energy


def _hours(readings: list[tuple[datetime, float]]) -> float:
    return (readings[-1][0] - readings[0][0]).total_seconds() / 3600
