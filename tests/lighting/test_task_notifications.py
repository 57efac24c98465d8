"""A luminaire's controller learns its commands the SensorThings way: the Tasks the lighting
controller creates are published on the TaskingCapability's MQTT topic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.settings import Settings
from smartcity.lighting.jobs import run_control
from tests.conftest import World, free_port
from tests.sensorthings.mqtt.device import Device

NIGHT = datetime(2026, 11, 20, 23, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def broker_app(settings: Settings, world: World) -> Iterator[TestClient]:
    settings.mqtt_port = free_port()
    with TestClient(create_app(platform=world.platform, run_jobs=False)) as client:
        client.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'lighting:write')}"
        yield client


def test_the_lamp_hears_its_dim_level(
    broker_app: TestClient, settings: Settings, world: World
) -> None:
    group = broker_app.post("/dresden/api/v1/lighting/groups", json={"name": "Hof"}).json()
    lamp = broker_app.post(
        f"/dresden/api/v1/lighting/groups/{group['id']}/luminaires",
        json={"name": "Hof 1", "lat": 51.05, "lon": 13.74, "rated_power_w": 40},
    ).json()
    controller = Device(settings.mqtt_port, world.api_key(world.dresden, "sta:write"))
    try:
        topic = f"v1.1/TaskingCapabilities({lamp['tasking_capability_id']})/Tasks"
        assert controller.subscribe(topic)
        assert run_control(world.platform, NIGHT) == 1
        task = controller.next_message(topic)
        assert task["taskingParameters"] == {"dimLevel": 100}
        assert task["@iot.selfLink"].endswith(f"/dresden/sta/v1.1/Tasks({task['@iot.id']})")
    finally:
        controller.close()
