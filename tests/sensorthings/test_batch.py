"""Batch requests (OGC 18-088, 14.2; OData JSON batch): order, atomicity groups, $id
references, per-request permissions."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.sensorthings.conftest import STA


def _count(client: TestClient, entity_set: str) -> int:
    return int(client.get(f"{STA}/{entity_set}?$count=true&$top=0").json()["@iot.count"])


SENSOR = {
    "name": "SDS011",
    "description": "Feinstaub",
    "encodingType": "application/pdf",
    "metadata": "https://example.org/sds011.pdf",
}


def test_batch_with_references_and_reads(writer: TestClient, world: World) -> None:
    response = writer.post(
        f"{STA}/$batch",
        json={
            "requests": [
                {
                    "id": "thing",
                    "atomicityGroup": "g1",
                    "method": "post",
                    "url": "Things",
                    "body": {"name": "Messstation Neustadt", "description": "Luftqualität"},
                },
                {
                    "id": "ds",
                    "atomicityGroup": "g1",
                    "method": "post",
                    "url": "$thing/Datastreams",
                    "body": {
                        "name": "PM10",
                        "description": "",
                        "observationType": "OM_Measurement",
                        "unitOfMeasurement": {
                            "name": "µg/m³",
                            "symbol": "µg/m³",
                            "definition": "x",
                        },
                        "Sensor": SENSOR,
                        "ObservedProperty": {
                            "name": "PM10",
                            "definition": "pm10",
                            "description": "",
                        },
                    },
                },
                {"id": "read", "method": "get", "url": "$thing?$select=name"},
                {
                    "id": "patch",
                    "method": "patch",
                    "url": "$thing",
                    "body": {"description": "PM und NO2"},
                },
                {
                    "id": "link",
                    "method": "post",
                    "url": "Datastreams",
                    "body": {
                        "name": "NO2",
                        "description": "",
                        "observationType": "OM_Measurement",
                        "unitOfMeasurement": {
                            "name": "µg/m³",
                            "symbol": "µg/m³",
                            "definition": "x",
                        },
                        "Thing": {"@iot.id": "$thing"},
                        "Sensor": SENSOR,
                        "ObservedProperty": {"name": "NO2", "definition": "no2", "description": ""},
                    },
                },
            ]
        },
    )
    assert response.status_code == 200, response.text
    responses = {r["id"]: r for r in response.json()["responses"]}
    assert [r["status"] for r in response.json()["responses"]] == [201, 201, 200, 200, 201]
    assert responses["thing"]["headers"]["location"].endswith(
        f"/Things({responses['thing']['body']['@iot.id']})"
    )
    assert responses["read"]["body"] == {"name": "Messstation Neustadt"}
    thing_id = responses["thing"]["body"]["@iot.id"]
    names = [d["name"] for d in writer.get(f"{STA}/Things({thing_id})/Datastreams").json()["value"]]
    assert sorted(names) == ["NO2", "PM10"]


def test_failed_atomicity_group_leaves_nothing(writer: TestClient, world: World) -> None:
    response = writer.post(
        f"{STA}/$batch",
        json={
            "requests": [
                {"id": "1", "method": "post", "url": "Sensors", "body": SENSOR},
                {
                    "id": "2",
                    "atomicityGroup": "all-or-nothing",
                    "method": "post",
                    "url": "Things",
                    "body": {"name": "kommt nicht an"},
                },
                {
                    "id": "3",
                    "atomicityGroup": "all-or-nothing",
                    "method": "post",
                    "url": "Things",
                    "body": {"description": "ohne Namen"},
                },
                {
                    "id": "4",
                    "atomicityGroup": "all-or-nothing",
                    "method": "post",
                    "url": "Things",
                    "body": {"name": "auch nicht"},
                },
                {"id": "5", "method": "get", "url": "Things(999999)"},
            ]
        },
    )
    statuses = [r["status"] for r in response.json()["responses"]]
    assert statuses == [201, 424, 400, 424, 404]
    assert _count(writer, "Things") == 0
    assert _count(writer, "Sensors") == 1


def test_writes_in_a_batch_need_the_permission(client: TestClient, world: World) -> None:
    response = client.post(
        f"{STA}/$batch",
        json={
            "requests": [
                {"id": "r", "method": "get", "url": "Things"},
                {"id": "w", "method": "post", "url": "Things", "body": {"name": "x"}},
            ]
        },
    )
    assert [r["status"] for r in response.json()["responses"]] == [200, 401]


def test_bad_batches(writer: TestClient, world: World) -> None:
    assert writer.post(f"{STA}/$batch", json={"no": "requests"}).status_code == 400
    unknown_ref = writer.post(
        f"{STA}/$batch",
        json={"requests": [{"id": "a", "method": "get", "url": "$nothing/Datastreams"}]},
    )
    assert unknown_ref.json()["responses"][0]["status"] == 400
    multipart = writer.post(
        f"{STA}/$batch", content=b"--b--", headers={"content-type": "multipart/mixed; boundary=b"}
    )
    assert multipart.status_code == 415


def test_batch_cannot_reach_another_municipality(
    client: TestClient, world: World, writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    device = TestClient(client.app, base_url="https://testserver")
    device.headers["Authorization"] = f"Bearer {world.api_key(world.radebeul, 'sta:write')}"
    response = device.post(
        "/radebeul/sta/v1.1/$batch",
        json={
            "requests": [
                {"id": "1", "method": "get", "url": f"Things({bench_thing['@iot.id']})"},
                {"id": "2", "method": "delete", "url": f"Things({bench_thing['@iot.id']})"},
                {"id": "3", "method": "get", "url": f"https://testserver{STA}/Things"},
            ]
        },
    )
    responses = response.json()["responses"]
    assert [r["status"] for r in responses] == [404, 404, 200]
    assert responses[2]["body"]["value"] == []
    assert writer.get(f"{STA}/Things({bench_thing['@iot.id']})").status_code == 200
