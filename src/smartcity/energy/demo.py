"""Demo data: three of Dresden's municipal buildings (the places are real, the figures made
up) with electricity, heat and water meters and two years of monthly readings, written
through the bulk ingestion path like any device's; the town hall's electricity meter also
has the last two weeks read hourly, with a base load at night that the report points out.
The school's water meter was exchanged a year ago."""

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
)
DEMO_SOURCE = "Beispielwerte der Demo (keine veröffentlichten Vergleichswerte)"
REFERENCES = {"administration": (95.0, 40.0), "culture": (80.0, 45.0), "school": (105.0, 20.0)}
# Share of the year's heat per month (January first): heating season and hot water.
HEAT_SHARES = (0.17, 0.15, 0.12, 0.08, 0.04, 0.02, 0.02, 0.02, 0.04, 0.08, 0.12, 0.14)
MONTHS = 25


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
                "heat": monthly_readings(starts, zone, heat, HEAT_SHARES, noise, 9_870_000.0),
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
    start = (now - timedelta(days=14)).replace(minute=0)
    kept = [row for row in monthly if row[0] < start]
    at, value = kept[-1]
    # The hours between the last monthly reading and the first hourly one, at a mean 170 kW.
    value += 170.0 * (start - at).total_seconds() / 3600
    rows = list(kept)
    hour = start
    while hour <= now:
        local = hour.astimezone(zone)
        busy = local.weekday() < 5 and 7 <= local.hour < 18
        rows.append((hour, round(value, 1)))
        value += (210.0 if busy else 150.0) * noise.uniform(0.95, 1.05)
        hour += timedelta(hours=1)
    return rows


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
