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
    other = writer.post(
        f"{STA}/$batch", content=b"GET Things", headers={"content-type": "text/plain"}
    )
    assert other.status_code == 415
    no_request_line = b"--b\r\nContent-Type: application/http\r\n\r\n\r\n\r\n--b--\r\n"
    broken = writer.post(
        f"{STA}/$batch",
        content=no_request_line,
        headers={"content-type": "multipart/mixed; boundary=b"},
    )
    assert broken.status_code == 400


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


def _multipart_responses(response: Any) -> list[tuple[str, int]]:
    """(Content-ID or '', HTTP status) of every part, changesets flattened."""
    import email
    import email.policy

    header = f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode()
    message = email.message_from_bytes(header + response.content, policy=email.policy.HTTP)
    found = []
    for part in message.iter_parts():
        parts = list(part.iter_parts()) if part.is_multipart() else [part]
        for inner in parts:
            payload: Any = inner.get_payload(decode=True)
            status_line = bytes(payload).decode().split("\r\n", 1)[0]
            found.append((str(inner.get("Content-ID") or ""), int(status_line.split()[1])))
    return found


def test_multipart_batch_with_changeset(writer: TestClient, world: World) -> None:
    """OData 4.0 multipart/mixed: a changeset is atomic; Content-ID is referable as $id."""
    body = (
        "--batch_1\r\n"
        "Content-Type: multipart/mixed; boundary=changeset_1\r\n\r\n"
        "--changeset_1\r\n"
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 1\r\n\r\n"
        "POST Things HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
        '{"name": "Pegel Loschwitz", "description": "Wasserstand"}\r\n'
        "--changeset_1\r\n"
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 2\r\n\r\n"
        "POST $1/Locations HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
        '{"name": "Loschwitz", "description": "", "encodingType": "application/geo+json",'
        ' "location": {"type": "Point", "coordinates": [13.81, 51.05]}}\r\n'
        "--changeset_1--\r\n"
        "--batch_1\r\n"
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "GET Things?$select=name HTTP/1.1\r\n\r\n\r\n"
        "--batch_1--\r\n"
    )
    response = writer.post(
        f"{STA}/$batch",
        content=body.encode(),
        headers={"content-type": "multipart/mixed; boundary=batch_1"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("multipart/mixed; boundary=")
    assert _multipart_responses(response) == [("1", 201), ("2", 201), ("", 200)]
    assert "Pegel Loschwitz" in response.text
    thing = writer.get(f"{STA}/Things?$expand=Locations").json()["value"][0]
    assert thing["Locations"][0]["name"] == "Loschwitz"
