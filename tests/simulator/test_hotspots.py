"""The simulator keeps the demo's WiFi hotspots alive the way a hotspot reports itself (an API
key of scope sta:write, the online and clients Datastreams): devices come and go over the
day, now and then a hotspot drops out and comes back, and the Goldener Reiter's broken router
stays offline, so its outage case is still filed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.platform import Platform
from smartcity.simulator.devices import HOTSPOT_OUTAGE, Hotspot
from smartcity.simulator.runner import Options, Simulation
from smartcity.wifi import demo, jobs
from smartcity.wifi.demo import OFFLINE, hotspot_clients
from tests.conftest import World

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_demo_hotspots_report_themselves(
    app: Any, world: World, client: TestClient, platform: Platform
) -> None:
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=lambda _: None))
    device = TestClient(app, base_url="https://testserver")
    key = world.api_key(world.dresden, "sta:write")
    simulation = Simulation(Options("https://testserver", "dresden", key, seed=4), http=device)
    assert len(simulation.city.hotspots) == 15
    before = {h["name"]: h for h in client.get("/dresden/api/v1/wifi/hotspots").json()}
    # Fourteen hotspots report online and their devices; the broken one says nothing.
    assert simulation.tick() == 14 * 2
    after = {h["name"]: h for h in client.get("/dresden/api/v1/wifi/hotspots").json()}
    assert after[OFFLINE]["online"] is False
    assert after[OFFLINE]["last_seen"] == before[OFFLINE]["last_seen"]
    working = [h for name, h in after.items() if name != OFFLINE]
    assert all(h["online"] for h in working)
    assert all(h["last_seen"] > before[h["name"]]["last_seen"] for h in working)
    # A hotspot reports once a minute, not every round.
    assert simulation.tick() == 0
    (opened,) = jobs.check_outages(platform, utcnow()).opened
    assert opened.hotspot_id == after[OFFLINE]["id"]


def test_devices_follow_the_day_and_busy_places_have_more() -> None:
    noise = random.Random(1)
    day = datetime(2026, 6, 3, tzinfo=BERLIN)

    def average(name: str, hour: int) -> float:
        at = day + timedelta(hours=hour)
        return sum(hotspot_clients(name, at, noise) for _ in range(200)) / 200

    assert average("dd-stadt-altmarkt", 3) < 4
    assert average("dd-stadt-altmarkt", 8) < average("dd-stadt-altmarkt", 15)
    assert average("dd-stadt-altmarkt", 15) > 30
    assert average("dd-stadt-zwinger", 15) < average("dd-stadt-hauptbahnhof", 15)


def test_now_and_then_a_hotspot_drops_out_and_comes_back() -> None:
    noise = random.Random(8)
    hotspots = [Hotspot(name, 2 * n, 2 * n + 1) for n, (name, _, _) in enumerate(demo.PLACES)]
    start = datetime(2026, 6, 3, tzinfo=BERLIN)
    reported: dict[str, list[tuple[datetime, bool]]] = {h.name: [] for h in hotspots}
    for minute in range(3 * 24 * 60):
        now = start + timedelta(minutes=minute)
        for hotspot in hotspots:
            for datastream, value in hotspot.readings(now, noise):
                if datastream == hotspot.online_datastream:
                    reported[hotspot.name].append((now, value))
    assert reported.pop(OFFLINE) == []
    outages: list[timedelta] = []
    for reports in reported.values():
        assert len(reports) == 3 * 24 * 60  # once a minute
        down: datetime | None = None
        for at, online in reports:
            if not online and down is None:
                down = at
            elif online and down is not None:
                outages.append(at - down)
                down = None
    assert outages, "three days of fourteen hotspots without a dropout"
    # Back before the offline time (30 minutes in the demo) would open a case.
    assert all(HOTSPOT_OUTAGE[0] <= o <= HOTSPOT_OUTAGE[1] + timedelta(minutes=1) for o in outages)
