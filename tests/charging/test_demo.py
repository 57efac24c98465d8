"""The demo: ten charging points of the Stadtwerke at five places in Dresden's centre, near
the demo benches and tram stops, each with a history of status reports and an ad-hoc price;
the open-data table lists them with the AFIR data points."""

from __future__ import annotations

from fastapi.testclient import TestClient

from smartcity.charging import demo
from smartcity.charging.open_data import charging_points
from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.spatial import great_circle_m
from tests.conftest import World

BENCH_ALTMARKT = (51.0504, 13.7373)


def test_demo_brings_ten_charging_points_with_their_status(
    world: World, client: TestClient
) -> None:
    said: list[str] = []
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=said.append))
    assert len(said) == 1
    assert said[0].startswith("Dresden: 10 charging points at 5 places")
    locations = client.get("/dresden/api/v1/charging/locations").json()
    evses = [e for loc in locations for e in loc["evses"]]
    assert len(evses) == 10
    assert all(e["status"] in {"AVAILABLE", "CHARGING", "OUTOFORDER"} for e in evses)
    assert all(e["price_per_kwh_incl_vat"] in ("0.55", "0.65") for e in evses)
    altmarkt = next(loc for loc in locations if loc["id"] == "DD-ALTMARKT")
    assert great_circle_m(*BENCH_ALTMARKT, altmarkt["lat"], altmarkt["lon"]) < 150
    with world.tenant(world.dresden) as db:
        table = charging_points(db, world.dresden, utcnow())
    assert len(table.rows) == 10
    columns = [c.name for c in table.columns]
    assert {"status", "ad_hoc_price_per_kwh_incl_vat", "renewable_energy"} <= set(columns)
