"""Demo data: Dresden's real car parks, the ones with a known capacity with a counter; the five
with a published history get the last four weeks of it (replayed onto the same weekdays and
times), so that their forecasts work from the start; the others get one reading of now.
`car_park_free` is what a counter measures, here and in the simulator."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.parking import forecast
from smartcity.parking.dresden import LOTS, history_end, occupancy_history
from smartcity.parking.models import CarPark
from smartcity.parking.occupancy import all_car_parks
from smartcity.parking.sensors import provision_counter
from smartcity.parking.services import import_geojson_file
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache

BERLIN = ZoneInfo("Europe/Berlin")


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    with context.tenant_session(dresden) as db:
        path = Path(str(resources.files("smartcity.parking").joinpath("demo_data/Dresden.geojson")))
        result = import_geojson_file(db, path, city="Dresden", actor="demo")
        counted = [c for c in all_car_parks(db) if c.total]
        for car_park in counted:
            if car_park.datastream_id is None:
                provision_counter(db, car_park, actor="demo")
        db.flush()
        cache = TargetCache(context.platform.sessions, 0)
        store = ObservationStore(context.platform.engine)
        rows = 0
        for car_park in counted:
            readings = replayed(car_park, utcnow())
            payload = [
                {
                    "Datastream": {"@iot.id": car_park.datastream_id},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": [[moment.isoformat(), free] for moment, free in readings],
                }
            ]
            _, good = bulk.prepare(payload, cache, dresden.id, db)
            store.write_on(db.connection(), [observation for _, observation in good])
            rows += len(good)
    context.say(
        f"Dresden: {result.created} car parks imported from Dresden.geojson, "
        f"{len(counted)} with a counter ({rows} readings)"
    )


def replayed(car_park: CarPark, now: datetime) -> list[tuple[datetime, int]]:
    """Free spaces every 15 minutes of the last four weeks for a car park with a published
    history, else one reading of now."""
    total = car_park.total or 0
    noise = random.Random(car_park.external_id)  # noqa: S311 - demo values
    if car_park.external_id not in LOTS:
        return [(now, car_park_free(car_park.external_id, total, now, noise))]
    slot = forecast.slot_start(now.astimezone(BERLIN))
    steps = int(forecast.HISTORY / forecast.SLOT)
    moments = [slot - i * forecast.SLOT for i in range(steps, -1, -1)]
    return [(m, car_park_free(car_park.external_id, total, m, noise)) for m in moments]


def car_park_free(lot: str, total: int, moment: datetime, noise: random.Random) -> int:
    """Free spaces: the lot's own history replayed onto the same weekday and time where it has
    one (five Dresden car parks), else Altmarkt's pattern shifted by a lot-specific amount."""
    source = lot if lot in LOTS else "dresdenaltmarkt"
    history = occupancy_history(source)
    local = forecast.slot_start(moment.astimezone(BERLIN)).replace(tzinfo=None)
    weeks_back = (local - history_end(source)).days // 7 + 1
    percent = history.get(local - timedelta(weeks=weeks_back))
    if percent is None:
        percent = 60.0
    if source != lot:
        shift = random.Random(lot).uniform(-20, 15)  # noqa: S311 - simulated values
        percent = min(100.0, max(0.0, percent + shift + noise.gauss(0, 2)))
    return max(0, min(total, round(total * (1 - percent / 100))))
