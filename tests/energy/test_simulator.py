"""The simulator keeps the demo's meters alive: it finds them through the SensorThings API
and sends the readings taken since, the town hall's electricity every full hour, the other
meters on the first of each month, as a device with an API key of scope sta:write."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.energy import demo
from smartcity.simulator.energy import Meters, newest
from smartcity.simulator.transport import Api
from tests.conftest import World

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_town_halls_meter_gets_its_hours_as_time_passes(app: Any, world: World) -> None:
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=lambda _: None))
    device = TestClient(app, base_url="https://testserver")
    api = Api("https://testserver", "dresden", world.api_key(world.dresden, "sta:write"), device)
    meters = Meters.discover(api)
    # 5 buildings × electricity, heat and water.
    assert len(meters.meters) == 15
    town_hall = next(
        m for m in meters.meters if m.building == "Neues Rathaus" and m.kind == "electricity"
    )
    before = town_hall.last
    later = utcnow() + timedelta(hours=3)
    stored = meters.send(api, later, random.Random(1))
    assert stored >= 2
    found = newest(api, town_hall.datastream)
    assert found is not None
    assert found == town_hall.last
    at, value = found
    # Full hours after the last one, up to now; more kWh than before.
    assert at > before[0]
    assert (at - before[0]) % timedelta(hours=1) == timedelta(0)
    assert later - timedelta(hours=1) < at <= later
    assert value > before[1]
    # Nothing new within the same hour.
    assert meters.send(api, later, random.Random(1)) == 0


def test_monthly_meters_are_read_on_the_first_at_six() -> None:
    last = (datetime(2026, 10, 1, 4, tzinfo=UTC), 1000.0)  # 06:00 in Dresden (summer time)
    now = datetime(2026, 12, 1, 6, tzinfo=UTC)  # 07:00 in Dresden
    rows = demo.next_readings("Kita Sonnenschein", "heat", last, now, BERLIN, random.Random(2))
    assert [at.astimezone(BERLIN).strftime("%d.%m. %H:%M") for at, _ in rows] == [
        "01.11. 06:00",
        "01.12. 06:00",
    ]
    # October and November of 110,000 kWh a year by the heating season's shares (±8 %).
    october = rows[0][1] - last[1]
    assert 0.08 * 110_000 * 0.9 < october < 0.08 * 110_000 * 1.1
    assert rows[1][1] > rows[0][1]
    # A building the demo does not know is left alone.
    assert demo.next_readings("Anderes Haus", "heat", last, now, BERLIN, random.Random(2)) == []
