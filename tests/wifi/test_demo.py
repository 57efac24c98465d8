"""The demo: fifteen hotspots in Dresden's centre near the demo benches, one offline long
enough for the outage job to file its case."""

from __future__ import annotations

from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.platform import Platform
from smartcity.core.spatial import great_circle_m
from smartcity.wifi import demo, jobs
from tests.conftest import World

BENCH_ALTMARKT = (51.0504, 13.7373)


def test_demo_brings_fifteen_hotspots_and_one_outage(
    world: World, client: TestClient, platform: Platform
) -> None:
    said: list[str] = []
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=said.append))
    assert said == ["Dresden: 15 WiFi hotspots (14 online)"]
    found = client.get("/dresden/api/v1/wifi/hotspots").json()
    assert len(found) == 15
    assert sum(1 for h in found if h["online"]) == 14
    altmarkt = next(h for h in found if h["name"] == "dd-stadt-altmarkt")
    assert great_circle_m(*BENCH_ALTMARKT, altmarkt["lat"], altmarkt["lon"]) < 150
    assert len(jobs.check_outages(platform, utcnow()).opened) == 1
