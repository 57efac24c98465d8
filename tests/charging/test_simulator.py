"""The simulator keeps the charging points alive: it finds them through the public charging
API and reports their status as their operator's backend would, only when it changes; a
backend publishing over MQTT reaches OCPI the same way."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.db import utcnow
from smartcity.core.settings import Settings
from smartcity.simulator.runner import Options, Simulation
from smartcity.simulator.transport import MqttSender
from tests.charging.conftest import Chargers, authorization
from tests.conftest import free_port


def test_the_simulator_reports_the_chargers_status(app: Any, chargers: Chargers) -> None:
    world = chargers.world
    device = TestClient(app, base_url="https://testserver")
    key = world.api_key(world.dresden, "sta:write")
    simulation = Simulation(Options("https://testserver", "dresden", key, seed=3), http=device)
    assert len(simulation.city.chargers) == 5
    public = TestClient(app, base_url="https://testserver")
    before = public.get("/dresden/api/v1/charging/locations").json()
    assert {e["status"] for loc in before for e in loc["evses"]} == {"UNKNOWN"}
    # Chargers without a report get one at once; unchanged ones send nothing.
    assert simulation.tick() == 5
    after = public.get("/dresden/api/v1/charging/locations").json()
    assert {e["status"] for loc in after for e in loc["evses"]} <= {"AVAILABLE", "CHARGING"}
    assert simulation.tick() == 0


def test_a_status_over_mqtt_reaches_ocpi(
    settings: Settings, chargers: Chargers, token: str
) -> None:
    """The operator's backend may publish to the embedded broker instead of posting."""
    world = chargers.world
    settings.mqtt_port = free_port()
    with TestClient(create_app(platform=world.platform, run_jobs=False)) as client:
        key = world.api_key(world.dresden, "sta:write")
        backend = MqttSender(f"mqtt://127.0.0.1:{settings.mqtt_port}", key)
        try:
            assert backend.send(utcnow(), [(chargers.datastreams["HBF-1"], "Charging")]) == 1
        finally:
            backend.close()
        deadline = time.monotonic() + 15
        status = "UNKNOWN"
        while time.monotonic() < deadline and status == "UNKNOWN":
            answer = client.get(
                "/dresden/ocpi/2.2.1/locations/DD-HBF/HBF-1", headers=authorization(token)
            )
            status = answer.json()["data"]["status"]
            time.sleep(0.2)
        assert status == "CHARGING"
