"""What each luminaire of a group should do now: on between civil dusk and dawn (with the
program's offsets), at the level of the dimming profile, raised by light on demand, and never
below the program's minimum at night if it is a single-lamp luminaire (EN 13201 and German
practice allow dimming such a lamp, not switching it off)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from astral import Observer
from astral.sun import dawn, dusk

from smartcity.core.spatial import great_circle_m
from smartcity.lighting.program import Program


@dataclass(frozen=True)
class Lamp:
    id: int
    lat: float
    lon: float
    single_lamp: bool


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    zone: ZoneInfo

    def dusk(self, day: date) -> datetime:
        return dusk(Observer(self.lat, self.lon), day, tzinfo=self.zone)

    def dawn(self, day: date) -> datetime:
        return dawn(Observer(self.lat, self.lon), day, tzinfo=self.zone)


def night(place: Place, program: Program, moment: datetime) -> tuple[datetime, datetime]:
    """The active period (switch-on, switch-off) that contains `moment`, or else the next."""
    local = moment.astimezone(place.zone)
    today = local.date()
    on_offset = timedelta(minutes=program.dusk_offset_minutes)
    off_offset = timedelta(minutes=program.dawn_offset_minutes)
    morning_end = place.dawn(today) - off_offset
    if local < morning_end:
        return place.dusk(today - timedelta(days=1)) + on_offset, morning_end
    return place.dusk(today) + on_offset, place.dawn(today + timedelta(days=1)) - off_offset


def is_active(place: Place, program: Program, moment: datetime) -> bool:
    start, end = night(place, program, moment)
    return start <= moment < end


def scheduled_level(program: Program, night_start: datetime, moment: datetime) -> int:
    """The dimming profile's level: the program's level from dusk, then each step from its
    time of day (its first occurrence after dusk) on."""
    level = program.level
    latest: datetime | None = None
    local_start = night_start.astimezone(moment.tzinfo) if moment.tzinfo else night_start
    for at, step_level in program.steps:
        occurs = local_start.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
        if occurs <= local_start:
            occurs += timedelta(days=1)
        if occurs <= moment and (latest is None or occurs > latest):
            latest, level = occurs, step_level
    return level


def targets(
    lamps: list[Lamp],
    place: Place,
    program: Program,
    now: datetime,
    motions: Iterable[tuple[int, datetime]] = (),
) -> dict[int, int]:
    """Dim level (0–100) per lamp at `now`."""
    start, end = night(place, program, now)
    if not start <= now < end:
        return {lamp.id: 0 for lamp in lamps}
    base = scheduled_level(program, start, now.astimezone(place.zone))
    levels = {lamp.id: base for lamp in lamps}
    demand = program.on_demand
    if demand is not None:
        by_id = {lamp.id: lamp for lamp in lamps}
        hold = timedelta(seconds=demand.hold_seconds)
        for lamp_id, seen in motions:
            source = by_id.get(lamp_id)
            if source is None or not now - hold <= seen <= now:
                continue
            for lamp in [source, *nearest(source, lamps, demand.radius_m, demand.next)]:
                levels[lamp.id] = max(levels[lamp.id], demand.level)
    for lamp in lamps:
        if lamp.single_lamp:
            levels[lamp.id] = max(levels[lamp.id], program.min_level)
    return levels


def nearest(source: Lamp, lamps: list[Lamp], radius_m: float, count: int) -> list[Lamp]:
    """The `count` lamps nearest to `source` within `radius_m` (not `source` itself)."""
    around = [
        (great_circle_m(source.lat, source.lon, lamp.lat, lamp.lon), lamp.id, lamp)
        for lamp in lamps
        if lamp.id != source.id
    ]
    return [lamp for d, _, lamp in sorted(around) if d <= radius_m][:count]
