"""The simulator finds the municipality's devices through the public APIs and makes them
alive: counters, benches and lamps send readings, lamps follow their Tasks."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.settings import Settings
from smartcity.lighting.jobs import run_control
from smartcity.simulator.runner import Options, Simulation
from tests.conftest import World, free_port, login
from tests.parking.conftest import DRESDEN

API = "/dresden/api/v1"


@pytest.fixture
def city(app: Any, world: World) -> None:
    operator = TestClient(app, base_url="https://testserver")
    login(operator, "dd.operator")
    imported = operator.post(
        f"{API}/parking/car-parks/import", json=json.loads(DRESDEN.read_text())
    )
    assert imported.status_code == 200
    for lot in operator.get(f"{API}/parking/car-parks").json()[:3]:
        if lot["total"]:
            assert operator.post(f"{API}/parking/car-parks/{lot['id']}/counter").status_code == 201
    operator.post(f"{API}/benches", json={"name": "Bank Altmarkt", "lat": 51.05, "lon": 13.73})
    group = operator.post(f"{API}/lighting/groups", json={"name": "Hof"}).json()
    for number in range(2):
        operator.post(
            f"{API}/lighting/groups/{group['id']}/luminaires",
            json={
                "name": f"Hof {number}",
                "lat": 51.05,
                "lon": 13.74 + number * 1e-4,
                "rated_power_w": 40,
            },
        )


@pytest.mark.usefixtures("city")
def test_one_round_brings_the_city_alive(app: Any, world: World, client: TestClient) -> None:
    device = TestClient(app, base_url="https://testserver")
    key = world.api_key(world.dresden, "sta:write")
    simulation = Simulation(Options("https://testserver", "dresden", key, seed=1), http=device)
    assert (
        len(simulation.city.counters),
        len(simulation.city.benches),
        len(simulation.city.lamps),
    ) == (
        len([p for p in client.get(f"{API}/parking/car-parks").json() if p["datastream_id"]]),
        1,
        2,
    )
    run_control(world.platform)  # the lamps get a Task (on at night, off by day)
    sent = simulation.tick()
    assert sent > 0

    counted = [p for p in client.get(f"{API}/parking/car-parks").json() if p["datastream_id"]]
    assert counted
    assert all(p["state"] == "open" and 0 <= p["free"] <= p["total"] for p in counted)
    bench = client.get(f"{API}/benches").json()[0]
    assert bench["temperature_c"] is not None
    assert bench["air_quality"]["eaqi"] is not None
    lamps = client.get(f"{API}/lighting/groups").json()[0]["luminaires"]
    for lamp in lamps:
        expected = 40 * lamp["commanded_level"] / 100
        assert lamp["power_w"] == pytest.approx(expected, rel=0.03, abs=0.1)


@pytest.mark.usefixtures("city")
def test_readings_over_mqtt(settings: Settings, world: World) -> None:
    settings.mqtt_port = free_port()
    with TestClient(create_app(platform=world.platform, run_jobs=False)) as device:
        key = world.api_key(world.dresden, "sta:write")
        options = Options(
            "http://testserver", "dresden", key, mqtt_url=f"mqtt://127.0.0.1:{settings.mqtt_port}"
        )
        simulation = Simulation(options, http=device)
        try:
            acknowledged = simulation.tick()
        finally:
            simulation.close()
        assert acknowledged > 0
        deadline = time.monotonic() + 15
        stored = 0
        while time.monotonic() < deadline and stored < acknowledged:
            stored = device.get("/dresden/sta/v1.1/Observations?$count=true&$top=0").json()[
                "@iot.count"
            ]
            time.sleep(0.2)
        assert stored == acknowledged
