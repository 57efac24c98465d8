"""The SensorThings MQTT extension on the embedded broker (OGC 18-088, 14): devices create
Observations by publishing and learn about changes by subscribing; their API key decides the
municipality, and municipalities never see each other's messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.settings import Settings
from tests.conftest import World, free_port
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING
from tests.sensorthings.mqtt.device import Device, wait_for


@pytest.fixture
def broker_app(settings: Settings, world: World) -> Iterator[TestClient]:
    settings.mqtt_port = free_port()
    with TestClient(create_app(platform=world.platform, run_jobs=False)) as client:
        client.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
        yield client


@pytest.fixture
def datastream_id(broker_app: TestClient) -> int:
    created = broker_app.post(f"{STA}/Things", json=THING_WITH_EVERYTHING)
    assert created.status_code == 201, created.text
    found: int = broker_app.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    return found


@pytest.fixture
def dresden_device(settings: Settings, world: World) -> Iterator[Device]:
    device = Device(settings.mqtt_port, world.api_key(world.dresden, "sta:write"))
    yield device
    device.close()


@pytest.fixture
def radebeul_device(settings: Settings, world: World) -> Iterator[Device]:
    device = Device(settings.mqtt_port, world.api_key(world.radebeul, "sta:write"))
    yield device
    device.close()


def _observations(client: TestClient, datastream_id: int) -> list[dict[str, Any]]:
    page = client.get(f"{STA}/Datastreams({datastream_id})/Observations?$orderby=id")
    result: list[dict[str, Any]] = page.json()["value"]
    return result


def test_publishing_creates_an_observation_and_subscribers_hear_of_it(
    broker_app: TestClient,
    datastream_id: int,
    dresden_device: Device,
    settings: Settings,
    world: World,
) -> None:
    """Req /req/create-observations-via-mqtt/observations-creation and
    /req/receive-updates-via-mqtt/receive-updates."""
    listener = Device(settings.mqtt_port, world.api_key(world.dresden, "sta:read"))
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    assert listener.subscribe(topic)
    assert listener.subscribe("dresden/v1.1/Observations")
    before = len(_observations(broker_app, datastream_id))

    dresden_device.publish(topic, {"phenomenonTime": "2026-11-26T13:00:00Z", "result": 12.5})

    notified = listener.next_message(topic)
    assert notified["result"] == 12.5
    assert notified["@iot.selfLink"].endswith(
        f"/dresden/sta/v1.1/Observations({notified['@iot.id']})"
    )
    assert listener.next_message("dresden/v1.1/Observations")["@iot.id"] == notified["@iot.id"]
    stored = _observations(broker_app, datastream_id)
    assert len(stored) == before + 1
    assert stored[-1]["result"] == 12.5
    listener.close()


def test_observations_on_the_collection_and_feature_topics(
    broker_app: TestClient, datastream_id: int, dresden_device: Device
) -> None:
    before = len(_observations(broker_app, datastream_id))
    dresden_device.publish(
        "v1.1/Observations", {"result": 1, "Datastream": {"@iot.id": datastream_id}}
    )
    feature = broker_app.get(f"{STA}/FeaturesOfInterest").json()["value"][0]["@iot.id"]
    dresden_device.publish(
        f"v1.1/FeaturesOfInterest({feature})/Observations",
        {"result": 2, "Datastream": {"@iot.id": datastream_id}},
    )
    wait_for(lambda: len(_observations(broker_app, datastream_id)) == before + 2)


def test_http_writes_are_published_too(
    broker_app: TestClient, datastream_id: int, dresden_device: Device
) -> None:
    thing_id = broker_app.get(f"{STA}/Things").json()["value"][0]["@iot.id"]
    assert dresden_device.subscribe(f"v1.1/Things({thing_id})/name")
    assert dresden_device.subscribe(f"v1.1/Things({thing_id})")
    assert dresden_device.subscribe(f"v1.1/Datastreams({datastream_id})/Observations")
    assert (
        broker_app.patch(f"{STA}/Things({thing_id})", json={"name": "Bank Nord"}).status_code == 200
    )
    assert dresden_device.next_message(f"v1.1/Things({thing_id})/name") == {"name": "Bank Nord"}
    assert dresden_device.next_message(f"v1.1/Things({thing_id})")["name"] == "Bank Nord"
    created = broker_app.post(
        f"{STA}/Datastreams({datastream_id})/Observations", json={"result": 3}
    ).json()
    notified = dresden_device.next_message(f"v1.1/Datastreams({datastream_id})/Observations")
    assert notified["@iot.id"] == created["@iot.id"]


def test_municipalities_never_see_each_other(
    broker_app: TestClient,
    datastream_id: int,
    dresden_device: Device,
    radebeul_device: Device,
) -> None:
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    assert not radebeul_device.subscribe(topic)
    assert not radebeul_device.subscribe("dresden/v1.1/Observations")
    assert not radebeul_device.subscribe("v1.1/#")
    assert not radebeul_device.subscribe("v1.1/Observations")  # names no municipality
    assert radebeul_device.subscribe("radebeul/v1.1/Observations")
    before = len(_observations(broker_app, datastream_id))
    radebeul_device.publish(topic, {"result": 99})  # another municipality's Datastream
    dresden_device.publish(topic, {"result": 5})  # the same topic, the owner's key
    wait_for(lambda: len(_observations(broker_app, datastream_id)) == before + 1)
    assert _observations(broker_app, datastream_id)[-1]["result"] == 5
    metrics = broker_app.get("/metrics").text
    assert 'smartcity_mqtt_messages_total{outcome="rejected_wrong_municipality"}' in metrics


def test_bad_messages_are_reported_and_do_not_stop_the_others(
    broker_app: TestClient, datastream_id: int, dresden_device: Device
) -> None:
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    assert dresden_device.subscribe(f"errors/{topic}")
    before = len(_observations(broker_app, datastream_id))
    dresden_device.publish(topic, b"not json at all")
    assert dresden_device.next_message(f"errors/{topic}")["reason"] == "not_json"
    dresden_device.publish(topic, {"result": "warm"})
    error = dresden_device.next_message(f"errors/{topic}")
    assert "OM_Measurement" in error["message"]
    dresden_device.publish("v1.1/Datastreams(999999)/Observations", {"result": 1})
    dresden_device.publish(topic, {"result": 6})
    wait_for(lambda: len(_observations(broker_app, datastream_id)) == before + 1)
    metrics = broker_app.get("/metrics").text
    for reason in ("not_json", "invalid", "unknown_datastream"):
        assert f'outcome="rejected_{reason}"' in metrics


def test_a_gateway_sends_many_readings_in_one_bulk_message(
    broker_app: TestClient, datastream_id: int, dresden_device: Device, settings: Settings
) -> None:
    """Our extension: the CreateObservations body (dataArray) on `v1.1/CreateObservations`.
    Valid rows are stored and notified one by one; invalid rows are reported, not stored."""
    listener = Device(settings.mqtt_port, dresden_device_key(broker_app))
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    assert listener.subscribe(topic)
    assert dresden_device.subscribe("errors/dresden/v1.1/CreateObservations")
    before = len(_observations(broker_app, datastream_id))
    rows = [[f"2026-11-26T10:{minute:02d}:00Z", minute] for minute in range(50)]
    rows.insert(10, ["2026-11-26T09:00:00Z", "kalt"])  # not a number: refused alone

    dresden_device.publish(
        "v1.1/CreateObservations",
        [
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": rows,
            }
        ],
    )

    wait_for(lambda: len(_observations(broker_app, datastream_id)) == before + 50)
    error = dresden_device.next_message("errors/dresden/v1.1/CreateObservations")
    assert "1 of 51 rows" in error["message"]
    assert "rows 11" in error["message"]
    assert listener.next_message(topic)["result"] == 0
    listener.close()


def test_a_bulk_message_for_another_municipality_stores_nothing(
    broker_app: TestClient, datastream_id: int, radebeul_device: Device
) -> None:
    before = len(_observations(broker_app, datastream_id))
    radebeul_device.publish(
        "v1.1/CreateObservations",
        [
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["result"],
                "dataArray": [[1], [2]],
            }
        ],
    )
    wait_for(lambda: 'rejected_unknown_datastream"}' in broker_app.get("/metrics").text)
    assert len(_observations(broker_app, datastream_id)) == before


def dresden_device_key(client: TestClient) -> str:
    header: str = client.headers["Authorization"]
    return header.removeprefix("Bearer ")


def test_subscriptions_with_select_get_just_those_properties(
    broker_app: TestClient, datastream_id: int, dresden_device: Device
) -> None:
    """Req /req/receive-updates-via-mqtt/receive-updates with $select (18-088, 14.2.4)."""
    topic = "dresden/v1.1/Observations?$select=result,phenomenonTime"
    assert dresden_device.subscribe(topic)
    dresden_device.publish(
        f"v1.1/Datastreams({datastream_id})/Observations",
        {"phenomenonTime": "2026-11-26T14:00:00Z", "result": 8},
    )
    assert dresden_device.next_message(topic) == {
        "result": 8,
        "phenomenonTime": "2026-11-26T14:00:00Z",
    }


def test_an_actuator_learns_of_its_tasks(broker_app: TestClient, dresden_device: Device) -> None:
    """Tasking (17-079) over MQTT: the device subscribes to its TaskingCapability's Tasks."""
    from tests.sensorthings.test_tasking import _lamp

    lamp = _lamp(broker_app)
    capability = broker_app.get(f"{STA}/Things({lamp['@iot.id']})/TaskingCapabilities").json()[
        "value"
    ][0]["@iot.id"]
    topic = f"v1.1/TaskingCapabilities({capability})/Tasks"
    assert dresden_device.subscribe(topic)
    broker_app.post(
        f"{STA}/Tasks",
        json={
            "taskingParameters": {"dimLevel": 40},
            "TaskingCapability": {"@iot.id": capability},
        },
    )
    assert dresden_device.next_message(topic)["taskingParameters"] == {"dimLevel": 40}
