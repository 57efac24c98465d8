"""Demo data: three smart benches in Dresden with the last day of readings (every ten
minutes), written through the bulk ingestion path. `bench_value` is what a bench's sensor
measures, here and in the simulator."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.benches.services import create_bench, statuses
from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache

BERLIN = ZoneInfo("Europe/Berlin")
BENCHES = (
    ("Bank Altmarkt", 51.0504, 13.7373, 1.0),
    ("Bank Neumarkt", 51.0519, 13.7417, 0.8),
    ("Bank Albertplatz", 51.0631, 13.7472, 1.3),
)
# Late-autumn levels in a city centre (°C, %, µg/m³): base, daily swing, hour of the peak.
BENCH_LEVELS = {
    "temperature": (5.0, 3.0, 15),
    "humidity": (80.0, -10.0, 15),
    "pm10": (18.0, 6.0, 18),
    "pm25": (9.0, 4.0, 18),
    "no2": (24.0, 12.0, 18),
    "o3": (35.0, 15.0, 15),
}
TRAFFIC_BOUND = ("pm10", "pm25", "no2")


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    now = utcnow().replace(second=0, microsecond=0)
    rows = 0
    with context.tenant_session(dresden) as db:
        made = [
            create_bench(db, name=name, lat=lat, lon=lon, actor="demo")
            for name, lat, lon, _ in BENCHES
        ]
        cache = TargetCache(context.platform.sessions, 0)
        store = ObservationStore(context.platform.engine)
        for status, (_, _, _, traffic) in zip(statuses(db, made), BENCHES, strict=True):
            payload = [
                {
                    "Datastream": {"@iot.id": datastream},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": day_of(key, traffic, now, random.Random(datastream)),  # noqa: S311
                }
                for key, datastream in status.datastreams.items()
            ]
            _, good = bulk.prepare(payload, cache, dresden.id, db)
            store.write_on(db.connection(), [observation for _, observation in good])
            rows += len(good)
    context.say(f"Dresden: {len(BENCHES)} smart benches with a day of readings ({rows})")


def day_of(key: str, traffic: float, now: datetime, noise: random.Random) -> list[list[Any]]:
    """Readings every ten minutes over the last day."""
    readings: list[list[Any]] = []
    for step in range(144, 0, -1):
        moment = now - timedelta(minutes=10 * step)
        at = moment.isoformat().replace("+00:00", "Z")
        value: Any = (
            True if key in ("charging", "wifi") else bench_value(key, traffic, moment, noise)
        )
        readings.append([at, value])
    return readings


def bench_value(key: str, traffic: float, moment: datetime, noise: random.Random) -> float:
    """A daily cycle (pollution peaks with the evening traffic, temperature in the afternoon)
    plus noise; now and then a pollution spike (a bus idling, a building site)."""
    base, swing, peak = BENCH_LEVELS[key]
    local = moment.astimezone(BERLIN)
    cycle = math.cos((local.hour + local.minute / 60 - peak) / 24 * 2 * math.pi)
    scale = traffic if key in TRAFFIC_BOUND else 1.0
    value = (base + swing * cycle) * scale + noise.gauss(0, abs(swing) * 0.1)
    if key in TRAFFIC_BOUND and noise.random() < 0.01:
        value += noise.uniform(20, 60)
    return round(max(value, 0.0), 1)
