"""Every SensorThings path of one municipality is blind to the others' entities."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.sensorthings.conftest import STA

RADEBEUL = "/radebeul/sta/v1.1"


def test_reads_do_not_cross_municipalities(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    thing_id = bench_thing["@iot.id"]
    # a Dresden key is no key at all in Radebeul
    assert writer.get(f"{RADEBEUL}/Things").status_code == 401
    radebeul_reader = world.api_key(world.radebeul, "sta:read")
    writer.headers["Authorization"] = f"Bearer {radebeul_reader}"
    for entity_set in (
        "Things",
        "Locations",
        "Datastreams",
        "Observations",
        "Sensors",
        "FeaturesOfInterest",
        "HistoricalLocations",
        "ObservedProperties",
    ):
        assert writer.get(f"{RADEBEUL}/{entity_set}").json()["value"] == [], entity_set
    for path in (
        f"Things({thing_id})",
        f"Things({thing_id})/Datastreams",
        f"Things({thing_id})/name/$value",
        "Datastreams(1)/Observations",
        "Observations(1)/Datastream",
        "Datastreams(1)/Thing/$ref",
    ):
        assert writer.get(f"{RADEBEUL}/{path}").status_code == 404, path
    filtered = writer.get(f"{RADEBEUL}/Observations?$filter=Datastream/Thing/name ne 'x'")
    assert filtered.json()["value"] == []


def test_writes_cannot_reach_or_link_across(
    client: TestClient, world: World, writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    radebeul_key = world.api_key(world.radebeul, "sta:write")
    device = TestClient(client.app, base_url="https://testserver")
    device.headers["Authorization"] = f"Bearer {radebeul_key}"
    thing_id = bench_thing["@iot.id"]
    assert device.patch(f"{RADEBEUL}/Things({thing_id})", json={"name": "x"}).status_code == 404
    assert device.delete(f"{RADEBEUL}/Things({thing_id})").status_code == 404
    link = device.post(f"{RADEBEUL}/Things", json={"name": "Dieb", "Locations": [{"@iot.id": 1}]})
    assert link.status_code == 400
    into = device.post(f"{RADEBEUL}/Datastreams(1)/Observations", json={"result": 1})
    assert into.status_code == 404
    # and the Dresden key does not work on Radebeul's paths at all
    assert writer.post(f"{RADEBEUL}/Things", json={"name": "x"}).status_code == 401
    assert writer.get(f"{STA}/Things({thing_id})").json()["name"] == "Bank am Altmarkt"


def test_ids_are_unique_across_the_instance(
    client: TestClient, world: World, writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    device = TestClient(client.app, base_url="https://testserver")
    device.headers["Authorization"] = f"Bearer {world.api_key(world.radebeul, 'sta:write')}"
    created = device.post(f"{RADEBEUL}/Things", json={"name": "Radebeuler Bank"}).json()
    assert created["@iot.id"] != bench_thing["@iot.id"]
