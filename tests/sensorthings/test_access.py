"""Per-dataset access: restricted Things and Datastreams (properties.access = "restricted")
are invisible to the public and visible to staff roles and `sta:read` keys."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World, login
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING


@pytest.fixture
def restricted(writer: TestClient, bench_thing: dict[str, Any]) -> dict[str, Any]:
    """Besides the public bench: a restricted water meter at its own location."""
    secret = copy.deepcopy(THING_WITH_EVERYTHING)
    secret["name"] = "Wasserzähler Hauptstraße 5"
    secret["properties"] = {"access": "restricted"}
    secret["Locations"][0]["name"] = "Hauptstraße 5"
    secret["Datastreams"][0]["Sensor"] = {"@iot.id": 1}
    secret["Datastreams"][0]["ObservedProperty"] = {"@iot.id": 1}
    response = writer.post(f"{STA}/Things", json=secret)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _names(client: TestClient, entity_set: str, query: str = "") -> list[str]:
    response = client.get(f"{STA}/{entity_set}{query}")
    assert response.status_code == 200, response.text
    return [entity.get("name") for entity in response.json()["value"]]


def test_public_sees_only_public_data(client: TestClient, restricted: dict[str, Any]) -> None:
    del client.headers["Authorization"]
    assert _names(client, "Things") == ["Bank am Altmarkt"]
    assert _names(client, "Locations") == ["Altmarkt"]
    assert len(_names(client, "Datastreams")) == 1
    assert len(client.get(f"{STA}/Observations").json()["value"]) == 3
    assert len(client.get(f"{STA}/HistoricalLocations").json()["value"]) == 1
    assert _names(client, "FeaturesOfInterest") == ["Altmarkt"]
    secret_id = restricted["@iot.id"]
    for path in (
        f"Things({secret_id})",
        f"Things({secret_id})/Datastreams",
        f"Things({secret_id})/name/$value",
    ):
        assert client.get(f"{STA}/{path}").status_code == 404, path


def test_restricted_data_cannot_be_probed(client: TestClient, restricted: dict[str, Any]) -> None:
    del client.headers["Authorization"]
    probe = "$filter=Datastream/Thing/name eq 'Wasserzähler Hauptstraße 5'"
    assert client.get(f"{STA}/Observations?{probe}").json()["value"] == []
    by_location = "?$filter=Things/name eq 'Wasserzähler Hauptstraße 5'"
    assert _names(client, "Locations", by_location) == []
    expanded = client.get(f"{STA}/Sensors?$expand=Datastreams($expand=Thing)").json()
    things = [d["Thing"]["name"] for s in expanded["value"] for d in s["Datastreams"]]
    assert things == ["Bank am Altmarkt"]
    counted = client.get(f"{STA}/Things?$count=true").json()["@iot.count"]
    assert counted == 1


def test_privileged_readers_see_everything(
    client: TestClient, world: World, restricted: dict[str, Any]
) -> None:
    del client.headers["Authorization"]
    reader_key = world.api_key(world.dresden, "sta:read")
    client.headers["Authorization"] = f"Bearer {reader_key}"
    assert sorted(_names(client, "Things")) == ["Bank am Altmarkt", "Wasserzähler Hauptstraße 5"]
    del client.headers["Authorization"]
    login(client, "dd.auditor")
    assert len(_names(client, "Things")) == 2
    clerk = TestClient(client.app, base_url="https://testserver")
    login(clerk, "dd.clerk.a")  # case workers have no business with sensor data
    assert _names(clerk, "Things") == ["Bank am Altmarkt"]


def test_a_restricted_datastream_of_a_public_thing(
    client: TestClient, writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    datastream = writer.get(f"{STA}/Datastreams").json()["value"][0]
    writer.patch(
        f"{STA}/Datastreams({datastream['@iot.id']})", json={"properties": {"access": "restricted"}}
    )
    del client.headers["Authorization"]
    assert _names(client, "Things") == ["Bank am Altmarkt"]
    assert client.get(f"{STA}/Datastreams").json()["value"] == []
    assert client.get(f"{STA}/Observations").json()["value"] == []
    assert client.get(f"{STA}/Things(1)?$expand=Datastreams").json()["Datastreams"] == []
