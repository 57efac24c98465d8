"""SensorThings Part 2, Tasking (OGC 17-079): Actuators, TaskingCapabilities and Tasks —
the lighting control will command luminaires through them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.sensorthings.conftest import STA

DIMMING = {
    "type": "DataRecord",
    "field": [
        {
            "name": "dimLevel",
            "label": "Dimmstufe",
            "description": "0 bis 100 %",
            "dataType": {"type": "Count", "constraint": {"interval": [0, 100]}},
        }
    ],
}


def _lamp(writer: TestClient) -> dict[str, Any]:
    response = writer.post(
        f"{STA}/Things",
        json={
            "name": "Leuchte Prager Straße 12",
            "description": "LED-Mastleuchte",
            "TaskingCapabilities": [
                {
                    "name": "Dimmen",
                    "description": "Dimmstufe setzen",
                    "taskingParameters": DIMMING,
                    "Actuator": {
                        "name": "DALI-Treiber",
                        "description": "",
                        "encodingType": "text/html",
                        "metadata": "https://example.org/dali",
                    },
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_service_root_lists_tasking_sets(client: TestClient, world: World) -> None:
    names = [entry["name"] for entry in client.get(STA).json()["value"]]
    assert {"TaskingCapabilities", "Tasks", "Actuators"} <= set(names)


def test_deep_insert_and_task_creation(writer: TestClient, world: World) -> None:
    lamp = _lamp(writer)
    capabilities = writer.get(f"{STA}/Things({lamp['@iot.id']})/TaskingCapabilities").json()
    capability = capabilities["value"][0]
    assert capability["taskingParameters"] == DIMMING
    actuator = writer.get(f"{STA}/TaskingCapabilities({capability['@iot.id']})/Actuator").json()
    assert actuator["name"] == "DALI-Treiber"
    task = writer.post(
        f"{STA}/TaskingCapabilities({capability['@iot.id']})/Tasks",
        json={"taskingParameters": {"dimLevel": 50}},
    )
    assert task.status_code == 201, task.text
    assert task.json()["creationTime"].endswith("Z")  # set by the service
    tasks = writer.get(f"{STA}/Tasks?$filter=taskingParameters/dimLevel eq 50").json()["value"]
    assert len(tasks) == 1


def test_task_needs_parameters_and_capability(writer: TestClient, world: World) -> None:
    assert (
        writer.post(f"{STA}/Tasks", json={"taskingParameters": {"dimLevel": 1}}).status_code == 400
    )
    lamp = _lamp(writer)
    capability_id = writer.get(f"{STA}/Things({lamp['@iot.id']})/TaskingCapabilities").json()[
        "value"
    ][0]["@iot.id"]
    missing = writer.post(f"{STA}/TaskingCapabilities({capability_id})/Tasks", json={})
    assert missing.status_code == 400


def test_deleting_the_thing_removes_its_capabilities_and_tasks(
    writer: TestClient, world: World
) -> None:
    lamp = _lamp(writer)
    capability_id = writer.get(f"{STA}/Things({lamp['@iot.id']})/TaskingCapabilities").json()[
        "value"
    ][0]["@iot.id"]
    writer.post(
        f"{STA}/TaskingCapabilities({capability_id})/Tasks",
        json={"taskingParameters": {"dimLevel": 80}},
    )
    assert writer.delete(f"{STA}/Things({lamp['@iot.id']})").status_code == 200
    assert writer.get(f"{STA}/Tasks").json()["value"] == []
    assert writer.get(f"{STA}/TaskingCapabilities").json()["value"] == []
    assert len(writer.get(f"{STA}/Actuators").json()["value"]) == 1
