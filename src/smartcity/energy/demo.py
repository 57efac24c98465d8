"""Demo data: five of Dresden's municipal buildings (the places are real, the figures made
up) with electricity, heat and water meters and two years of monthly readings, written
through the bulk ingestion path like any device's; the town hall's electricity meter also
has the last two weeks read hourly, with a base load at night that the report points out.
The school's water meter was exchanged a year ago.

`next_readings` is what the device simulator sends as time passes: the town hall's meter
every hour, the others on the first of each month, by the same figures."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.energy import services
from smartcity.energy.models import MeterExchange
from smartcity.energy.schemas import BuildingIn, MeterIn, ReferenceIn
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache

# name, address, postcode, use type, m², lat, lon, kWh heat and electricity and m³ water a year
BUILDINGS = (
    (
        "Neues Rathaus",
        "Dr.-Külz-Ring 19",
        "01067",
        "administration",
        24_000.0,
        51.0474,
        13.7403,
        2_350_000,
        1_050_000,
        9_500,
    ),
    (
        "Städtische Bibliothek im Kulturpalast",
        "Schloßstraße 2",
        "01067",
        "culture",
        8_900.0,
        51.0508,
        13.7386,
        640_000,
        410_000,
        2_100,
    ),
    (
        "Dreikönigschule",
        "Louisenstraße 42",
        "01099",
        "school",
        6_200.0,
        51.0661,
        13.7536,
        720_000,
        130_000,
        3_800,
    ),
    (
        "Kita Sonnenschein",
        "Jordanstraße 8",
        "01099",
        "daycare",
        900.0,
        51.0683,
        13.7585,
        110_000,
        28_000,
        1_100,
    ),
    (
        "Hallenbad Freiberger Platz",
        "Freiberger Platz 1",
        "01067",
        "swimming_pool",
        4_800.0,
        51.0470,
        13.7262,
        2_900_000,
        900_000,
        38_000,
    ),
)
DEMO_SOURCE = "Beispielwerte der Demo (keine veröffentlichten Vergleichswerte)"
REFERENCES = {
    "administration": (95.0, 40.0),
    "culture": (80.0, 45.0),
    "school": (105.0, 20.0),
    "daycare": (125.0, 25.0),
    "swimming_pool": (550.0, 170.0),
}
# Share of the year's heat per month (January first): heating season and hot water.
HEAT_SHARES = (0.17, 0.15, 0.12, 0.08, 0.04, 0.02, 0.02, 0.02, 0.04, 0.08, 0.12, 0.14)
# A pool heats its water all year: the seasons show less.
POOL_SHARES = (0.11, 0.10, 0.09, 0.08, 0.07, 0.06, 0.06, 0.06, 0.07, 0.09, 0.10, 0.11)
MONTHS = 25
# The town hall's electricity meter (the first building's) is read hourly: mean power in kW
# while its offices are in use (working days 7 to 18 o'clock), otherwise (a base load at night
# that stays high: servers, ventilation left on), and on average over a week.
BUSY_KW = 210.0
IDLE_KW = 150.0
MEAN_KW = 170.0
HOURLY_DAYS = 14


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def month_starts(now: datetime, zone: ZoneInfo, count: int) -> list[datetime]:
    """The last `count` first days of a month at 06:00 local time, oldest first."""
    local = now.astimezone(zone)
    year, month = local.year, local.month
    found: list[datetime] = []
    while len(found) < count:
        at = datetime(year, month, 1, 6, tzinfo=zone)
        if at <= now:
            found.append(at.astimezone(UTC))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def monthly_readings(
    starts: list[datetime],
    zone: ZoneInfo,
    per_year: float,
    shares: tuple[float, ...] | None,
    noise: random.Random,
    start_value: float = 0.0,
) -> list[tuple[datetime, float]]:
    value = start_value
    rows = [(starts[0], round(value, 1))]
    for before, at in itertools.pairwise(starts):
        month = before.astimezone(zone).month
        share = shares[month - 1] if shares else 1 / 12
        value += per_year * share * noise.uniform(0.92, 1.08)
        rows.append((at, round(value, 1)))
    return rows


def heat_shares(use_type: str) -> tuple[float, ...]:
    return POOL_SHARES if use_type == "swimming_pool" else HEAT_SHARES


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    zone = ZoneInfo(dresden.timezone)
    now = utcnow().replace(second=0, microsecond=0)
    starts = month_starts(now, zone, MONTHS)
    written = 0
    with context.tenant_session(dresden) as db:
        for use_type, (heat, electricity) in REFERENCES.items():
            services.set_reference(
                db,
                ReferenceIn(
                    use_type=use_type,
                    heat_kwh_m2=heat,
                    electricity_kwh_m2=electricity,
                    source=DEMO_SOURCE,
                ),
                actor="demo",
            )
        payload: list[dict[str, Any]] = []
        for index, (name, address, postcode, use, area, lat, lon, heat, power, water) in enumerate(
            BUILDINGS
        ):
            noise = random.Random(name)  # noqa: S311 - demo figures, not secrets
            building = services.create_building(
                db,
                BuildingIn(
                    name=name,
                    address=address,
                    postal_code=postcode,
                    city="Dresden",
                    use_type=use,
                    floor_area_m2=area,
                    lat=lat,
                    lon=lon,
                ),
                actor="demo",
            )
            meters = {
                kind: services.add_meter(
                    db,
                    building,
                    MeterIn(kind=kind, number=f"DD-{index + 1:02d}-{code}", digits=digits),
                    actor="demo",
                )
                for kind, code, digits in (
                    ("electricity", "S", 8),
                    ("heat", "W", 8),
                    ("water", "T", 6),
                )
            }
            series = {
                "electricity": monthly_readings(starts, zone, power, None, noise, 4_200_000.0),
                "heat": monthly_readings(starts, zone, heat, heat_shares(use), noise, 9_870_000.0),
                "water": monthly_readings(starts, zone, water, None, noise, 51_300.0),
            }
            if index == 0:
                series["electricity"] = with_hourly(series["electricity"], now, zone, noise)
            if index == 2:
                series["water"] = _exchanged(db, meters["water"].id, series["water"])
            for kind, rows in series.items():
                payload.append(
                    {
                        "Datastream": {"@iot.id": meters[kind].datastream_id},
                        "components": ["phenomenonTime", "result"],
                        "dataArray": [[_stamp(at), value] for at, value in rows],
                    }
                )
        _, good = bulk.prepare(payload, TargetCache(context.platform.sessions, 0), dresden.id, db)
        ObservationStore(context.platform.engine).write_on(
            db.connection(), [observation for _, observation in good]
        )
        written = len(good)
    context.say(f"Dresden: {len(BUILDINGS)} municipal buildings with meters ({written} readings)")


def with_hourly(
    monthly: list[tuple[datetime, float]], now: datetime, zone: ZoneInfo, noise: random.Random
) -> list[tuple[datetime, float]]:
    """The last 14 days read hourly instead of monthly: offices in use on working days, and a
    base load at night that stays high (servers, ventilation left on)."""
    start = (now - timedelta(days=HOURLY_DAYS)).replace(minute=0)
    kept = [row for row in monthly if row[0] < start]
    at, value = kept[-1]
    # The hours between the last monthly reading and the first hourly one, at the mean power.
    value += MEAN_KW * (start - at).total_seconds() / 3600
    rows = [*kept, (start, round(value, 1))]
    while rows[-1][0] + timedelta(hours=1) <= now:
        rows.append(next_hour(rows[-1], zone, noise))
    return rows


def next_hour(
    last: tuple[datetime, float], zone: ZoneInfo, noise: random.Random
) -> tuple[datetime, float]:
    """The town hall's hourly reading after `last`: what it drew in that hour."""
    at, value = last
    local = at.astimezone(zone)
    busy = local.weekday() < 5 and 7 <= local.hour < 18
    return at + timedelta(hours=1), round(
        value + (BUSY_KW if busy else IDLE_KW) * noise.uniform(0.95, 1.05), 1
    )


def next_readings(
    building: str,
    kind: str,
    last: tuple[datetime, float],
    now: datetime,
    zone: ZoneInfo,
    noise: random.Random,
) -> list[tuple[datetime, float]]:
    """The readings a demo building's meter takes after its `last` (time, reading) up to
    `now`, oldest first: the town hall's electricity every full hour (after a longer pause the
    meter's last two weeks, the hours before them at the mean power, so that the nights can be
    compared at once), the others on the first of each month at 06:00 by the demo's figures
    for the year. Nothing for a building or meter the demo does not know."""
    found = next((b for b in BUILDINGS if b[0] == building), None)
    if found is None or kind not in ("electricity", "heat", "water"):
        return []
    if building == BUILDINGS[0][0] and kind == "electricity":
        rows = [last]
        start = (now - timedelta(days=HOURLY_DAYS)).replace(minute=0, second=0, microsecond=0)
        if last[0] < start:
            rows = [(start, round(last[1] + MEAN_KW * (start - last[0]).total_seconds() / 3600, 1))]
        while rows[-1][0] + timedelta(hours=1) <= now:
            rows.append(next_hour(rows[-1], zone, noise))
        return [row for row in rows if row[0] > last[0]]
    heat, power, water = found[7:10]
    per_year = {"electricity": power, "heat": heat, "water": water}[kind]
    shares = heat_shares(found[3]) if kind == "heat" else None
    starts = [at for at in month_starts(now, zone, 14) if at > last[0]]
    if not starts:
        return []
    return monthly_readings([last[0], *starts], zone, per_year, shares, noise, last[1])[1:]


def _exchanged(
    db: Any, meter_id: int, rows: list[tuple[datetime, float]]
) -> list[tuple[datetime, float]]:
    """The meter exchanged twelve months ago: the new one starts at 0."""
    cut = len(rows) - 13
    at, old_final = rows[cut]
    db.add(MeterExchange(meter_id=meter_id, exchanged_at=at, old_final=old_final, new_start=0.0))
    db.flush()
    shifted = [(t, round(v - old_final, 1)) for t, v in rows[cut + 1 :]]
    return [*rows[: cut + 1], *shifted]
