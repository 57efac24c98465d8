"""Conformance class 'create-update-delete' (OGC 18-088, A.3)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World, login
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING, ids

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"


def _count(client: TestClient, entity_set: str) -> int:
    return int(client.get(f"{STA}/{entity_set}?$count=true&$top=0").json()["@iot.count"])


def test_deep_insert_creates_everything(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/create-update-delete/deep-insert."""
    counts = {
        name: _count(writer, name)
        for name in (
            "Things",
            "Locations",
            "HistoricalLocations",
            "Datastreams",
            "Sensors",
            "ObservedProperties",
            "Observations",
            "FeaturesOfInterest",
        )
    }
    assert counts == {
        "Things": 1,
        "Locations": 1,
        "HistoricalLocations": 1,
        "Datastreams": 1,
        "Sensors": 1,
        "ObservedProperties": 1,
        "Observations": 3,
        "FeaturesOfInterest": 1,
    }


def test_create_answers_201_with_location(writer: TestClient, world: World) -> None:
    """Req /req/create-update-delete/create-entity: 201 Created and Location header."""
    response = writer.post(
        f"{STA}/Sensors",
        json={
            "name": "PM-Sensor",
            "description": "Feinstaub",
            "encodingType": "application/pdf",
            "metadata": "https://example.org/sds011.pdf",
        },
    )
    assert response.status_code == 201
    assert response.headers["location"] == response.json()["@iot.selfLink"]


def test_links_by_id_and_extra_properties_are_accepted(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    """Req /req/create-update-delete/link-to-existing-entities (FROST's client sends the
    linked entity's other properties too)."""
    thing_id = bench_thing["@iot.id"]
    sensor = writer.get(f"{STA}/Sensors").json()["value"][0]
    prop = writer.get(f"{STA}/ObservedProperties").json()["value"][0]
    response = writer.post(
        f"{STA}/Datastreams",
        json={
            "name": "Luftfeuchte",
            "description": "",
            "observationType": "OM_Measurement",
            "unitOfMeasurement": {"name": "Prozent", "symbol": "%", "definition": "ucum:%"},
            "Thing": {"@iot.id": thing_id, "name": "Bank am Altmarkt"},
            "Sensor": sensor,
            "ObservedProperty": {"@iot.id": prop["@iot.id"]},
        },
    )
    assert response.status_code == 201, response.text
    assert len(writer.get(f"{STA}/Things({thing_id})/Datastreams").json()["value"]) == 2


def test_observation_gets_feature_of_interest_from_location(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    """Req /req/create-update-delete/create-entity (FeatureOfInterest generated from the
    Thing's Location, and reused)."""
    datastream_id = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    for value in (7.0, 7.5):
        created = writer.post(
            f"{STA}/Datastreams({datastream_id})/Observations",
            json={"phenomenonTime": "2026-11-26T11:00:00Z", "result": value},
        )
        assert created.status_code == 201
    features = writer.get(f"{STA}/FeaturesOfInterest").json()["value"]
    assert len(features) == 1
    assert features[0]["feature"] == {"type": "Point", "coordinates": [13.7373, 51.0504]}


def test_observation_without_time_gets_server_time(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    datastream_id = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    created = writer.post(f"{STA}/Datastreams({datastream_id})/Observations", json={"result": 1})
    assert created.json()["phenomenonTime"].endswith("Z")


def test_results_of_any_json_type(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    """An OM_Observation takes any JSON value as its result (18-088 table 14)."""
    datastream_id = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    changed = writer.patch(
        f"{STA}/Datastreams({datastream_id})",
        json={"observationType": f"{OM}OM_Observation"},
    )
    assert changed.status_code == 200, changed.text
    for result in ("belegt", True, {"pm10": 12, "pm25": 7}, [1, 2, 3], 0):
        created = writer.post(
            f"{STA}/Datastreams({datastream_id})/Observations",
            json={
                "phenomenonTime": "2026-11-26T12:00:00Z",
                "result": result,
                "parameters": {"quality": "ok"},
                "validTime": "2026-11-26T12:00:00Z/2026-11-26T13:00:00Z",
            },
        )
        assert created.status_code == 201, created.text
        assert created.json()["result"] == result
        assert created.json()["validTime"] == "2026-11-26T12:00:00Z/2026-11-26T13:00:00Z"
    missing = writer.post(f"{STA}/Datastreams({datastream_id})/Observations", json={"result": None})
    assert missing.status_code == 400  # result is mandatory (18-088 table 24)


@pytest.mark.parametrize(
    ("observation_type", "good", "bad"),
    [
        ("OM_Measurement", 21.5, "warm"),
        ("OM_CountObservation", 3, 2.5),
        ("OM_TruthObservation", True, 1),
        ("OM_CategoryObservation", "belegt", 1),
    ],
)
def test_result_must_match_the_observation_type(
    writer: TestClient, bench_thing: dict[str, Any], observation_type: str, good: Any, bad: Any
) -> None:
    datastream_id = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    writer.patch(
        f"{STA}/Datastreams({datastream_id})", json={"observationType": OM + observation_type}
    )
    url = f"{STA}/Datastreams({datastream_id})/Observations"
    assert writer.post(url, json={"result": good}).status_code == 201
    refused = writer.post(url, json={"result": bad})
    assert refused.status_code == 400
    assert observation_type in refused.json()["message"]


def test_failed_deep_insert_leaves_nothing(writer: TestClient, world: World) -> None:
    """Req /req/create-update-delete/deep-insert: all or nothing."""
    broken = copy.deepcopy(THING_WITH_EVERYTHING)
    broken["Datastreams"][0]["Observations"][1]["phenomenonTime"] = "yesterday"
    response = writer.post(f"{STA}/Things", json=broken)
    assert response.status_code == 400
    assert "phenomenonTime" in response.json()["message"]
    for entity_set in ("Things", "Locations", "Sensors", "Datastreams", "Observations"):
        assert _count(writer, entity_set) == 0, entity_set


def test_invalid_input_is_400_with_message(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    cases = [
        ({"description": "no name"}, "name"),
        ({"name": "x", "properties": "not an object"}, "properties"),
        ({"name": "x", "Locations": [{"@iot.id": 999999}]}, "999999"),
        ({"name": "x", "colour": "red"}, "colour"),
        (
            {
                "name": "x",
                "Locations": [
                    {
                        "name": "l",
                        "encodingType": "application/geo+json",
                        "location": {"type": "Point", "coordinates": ["a"]},
                    }
                ],
            },
            "coordinates",
        ),
    ]
    for payload, word in cases:
        response = writer.post(f"{STA}/Things", json=payload)
        assert response.status_code == 400, payload
        assert word in response.json()["message"], (payload, response.json())
    not_json = writer.post(
        f"{STA}/Things", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert _count(writer, "Things") == 1


def test_patch_merges_and_put_replaces(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/create-update-delete/update-entity."""
    url = f"{STA}/Things({bench_thing['@iot.id']})"
    patched = writer.patch(url, json={"description": "Neue Beschreibung"})
    assert patched.status_code == 200
    assert patched.json()["name"] == "Bank am Altmarkt"
    assert patched.json()["description"] == "Neue Beschreibung"
    incomplete = writer.put(url, json={"description": "ohne Namen"})
    assert incomplete.status_code == 400
    replaced = writer.put(url, json={"name": "Bank Neumarkt", "description": "versetzt"})
    assert replaced.json()["properties"] is None


def test_changing_locations_writes_history(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/create-update-delete/historical-location-auto-creation."""
    url = f"{STA}/Things({bench_thing['@iot.id']})"
    writer.patch(
        url,
        json={
            "Locations": [
                {
                    "name": "Neumarkt",
                    "description": "",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.7417, 51.0517]},
                }
            ]
        },
    )
    history = writer.get(f"{url}/HistoricalLocations?$expand=Locations").json()["value"]
    assert len(history) == 2
    assert {h["Locations"][0]["name"] for h in history} == {"Altmarkt", "Neumarkt"}


def test_delete_cascades(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/create-update-delete/delete-entity: a Thing takes its Datastreams and their
    Observations with it; Sensors and Locations stay."""
    response = writer.delete(f"{STA}/Things({bench_thing['@iot.id']})")
    assert response.status_code == 200
    assert _count(writer, "Datastreams") == 0
    assert _count(writer, "Observations") == 0
    assert _count(writer, "HistoricalLocations") == 0
    assert _count(writer, "Sensors") == 1
    assert _count(writer, "Locations") == 1
    assert writer.delete(f"{STA}/Things({bench_thing['@iot.id']})").status_code == 404


def test_writes_need_the_sta_write_permission(client: TestClient, world: World) -> None:
    assert client.post(f"{STA}/Things", json={"name": "x"}).status_code == 401
    reader_key = world.api_key(world.dresden, "sta:read")
    forbidden = client.post(
        f"{STA}/Things", json={"name": "x"}, headers={"Authorization": f"Bearer {reader_key}"}
    )
    assert forbidden.status_code == 403
    login(client, "dd.operator")
    assert client.post(f"{STA}/Things", json={"name": "Laterne 1"}).status_code == 201
    clerk = TestClient(client.app, base_url="https://testserver")
    login(clerk, "dd.clerk.a")
    assert clerk.post(f"{STA}/Things", json={"name": "x"}).status_code == 403
    assert ids(client.get(f"{STA}/Things")) == [1]


def test_json_patch(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    """JSON Patch (RFC 6902) as `application/json-patch+json`, as FROST's client sends it."""
    url = f"{STA}/Things({bench_thing['@iot.id']})"
    headers = {"content-type": "application/json-patch+json"}
    operations = [
        {"op": "replace", "path": "/name", "value": "Bank Neumarkt"},
        {"op": "add", "path": "/properties/colour", "value": "grün"},
        {"op": "remove", "path": "/properties/solar"},
    ]
    patched = writer.patch(url, json=operations, headers=headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Bank Neumarkt"
    assert patched.json()["properties"] == {
        "owner": "Stadt Dresden",
        "installed": 2024,
        "colour": "grün",
    }
    for bad in (
        {"op": "replace"},
        [{"op": "replace", "path": "/nothing/here", "value": 1}],
        [{"op": "add", "path": "/colour", "value": "red"}],
        [{"op": "remove", "path": "/name"}],
    ):
        response = writer.patch(url, json=bad, headers=headers)
        assert response.status_code == 400, bad
    assert writer.get(url).json()["name"] == "Bank Neumarkt"
