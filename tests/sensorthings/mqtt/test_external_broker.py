"""SensorThings MQTT with an external broker (Mosquitto): instances take device messages
through an MQTT 5 shared subscription and acknowledge each only once it is committed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from smartcity.app import create_app
from smartcity.core.mqtt_subscriber import Message
from smartcity.core.settings import Settings
from smartcity.sensorthings import models
from smartcity.sensorthings.ingest import rows
from smartcity.sensorthings.runtime import SensorThingsRuntime
from tests.conftest import MosquittoProcess, World
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING
from tests.sensorthings.mqtt.device import Device, wait_for

START = datetime(2026, 3, 1, tzinfo=UTC)


def _isolated(settings: Settings, url: str) -> None:
    """Each test its own share group and short-lived sessions: the broker outlives tests."""
    settings.mqtt_url = url
    settings.mqtt_share_group = f"t{uuid.uuid4().hex[:12]}"
    settings.instance_name = f"test-{uuid.uuid4().hex[:8]}"
    settings.mqtt_session_expiry = 120


def _datastream(client: TestClient) -> int:
    client.post(f"{STA}/Things", json=THING_WITH_EVERYTHING)
    found: int = client.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    return found


def _stored(world: World, datastream_id: int) -> tuple[int, int]:
    """(observations, distinct phenomenon times) of the Datastream."""
    o = models.Observation
    with world.tenant(world.dresden) as db:
        total, distinct = db.execute(
            select(func.count(), func.count(func.distinct(o.phenomenon_time_start))).where(
                o.datastream_id == datastream_id
            )
        ).one()
    return int(total), int(distinct)


@pytest.fixture
def app_with_broker(settings: Settings, world: World, mosquitto_url: str) -> Iterator[TestClient]:
    _isolated(settings, mosquitto_url)
    with TestClient(create_app(platform=world.platform, run_jobs=False)) as client:
        client.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
        yield client


def test_device_messages_are_stored_and_notified(app_with_broker: TestClient, world: World) -> None:
    datastream_id = _datastream(app_with_broker)
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    port = int(world.platform.settings.mqtt_url.rsplit(":", 1)[1])
    listener = Device(port)
    assert listener.subscribe(topic)
    before = _stored(world, datastream_id)[0]
    Device(port).publish(topic, {"phenomenonTime": "2026-03-01T10:00:00Z", "result": 4.5})
    # Subscribers see the device's own message and the platform's notification of it; the
    # notification is the one with an id.
    for _ in range(3):
        body = listener.next_message(topic)
        if "@iot.id" in body:
            break
    assert body["result"] == 4.5
    wait_for(lambda: _stored(world, datastream_id)[0] == before + 1)
    listener.close()


def test_bulk_messages_are_stored_whole_and_acknowledged_once(
    app_with_broker: TestClient, world: World
) -> None:
    datastream_id = _datastream(app_with_broker)
    port = int(world.platform.settings.mqtt_url.rsplit(":", 1)[1])
    before = _stored(world, datastream_id)[0]
    device = Device(port)
    for batch in range(5):
        device.publish(
            "v1.1/CreateObservations",
            [
                {
                    "Datastream": {"@iot.id": datastream_id},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": [
                        [(START + timedelta(minutes=batch * 100 + n)).isoformat(), n]
                        for n in range(100)
                    ],
                }
            ],
        )
    wait_for(lambda: _stored(world, datastream_id)[0] == before + 500)
    assert _stored(world, datastream_id)[1] >= 500  # no reading twice
    device.close()


def test_two_instances_store_every_message_exactly_once(
    settings: Settings, world: World, shipped_mosquitto: MosquittoProcess
) -> None:
    _isolated(settings, shipped_mosquitto.url)
    with ExitStack() as stack:
        first = stack.enter_context(TestClient(create_app(platform=world.platform, run_jobs=False)))
        second = stack.enter_context(
            TestClient(create_app(platform=world.platform, run_jobs=False))
        )
        first.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
        datastream_id = _datastream(first)
        before = _stored(world, datastream_id)[0]
        device = Device(shipped_mosquitto.port)
        count = 3000
        for n in range(count):
            moment = (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            device.client.publish(
                f"v1.1/Datastreams({datastream_id})/Observations",
                f'{{"phenomenonTime":"{moment}","result":{n}}}',
                qos=1,
            )
        wait_for(lambda: _stored(world, datastream_id)[0] >= before + count, timeout=60)
        total, distinct = _stored(world, datastream_id)
        assert total == before + count
        assert distinct == total  # none twice
        shares = [
            runtime.pipeline.stored
            for runtime in (first.app.state.ingest, second.app.state.ingest)  # type: ignore[attr-defined]
            if isinstance(runtime, SensorThingsRuntime)
        ]
        assert all(share > 0 for share in shares), shares
        device.close()


def test_redeliveries_already_stored_are_recognised_in_one_query(
    app_with_broker: TestClient, world: World
) -> None:
    """What the broker delivers again (DUP) after a lost acknowledgement is checked against
    the database in batches, away from the connection's thread."""
    datastream_id = _datastream(app_with_broker)
    runtime: SensorThingsRuntime = app_with_broker.app.state.ingest  # type: ignore[attr-defined]
    target = runtime.targets.stream("Datastream", datastream_id)
    assert target is not None

    def observation(minute: int, result: float) -> rows.NewObservation:
        body = {"phenomenonTime": (START + timedelta(minutes=minute)).isoformat(), "result": result}
        return rows.from_entity(body, target, runtime.targets)

    first, second = observation(1, 1.5), observation(2, 2.5)
    created = app_with_broker.post(
        f"{STA}/CreateObservations",
        json=[
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": [
                    [(START + timedelta(minutes=1)).isoformat(), 1.5],
                    [(START + timedelta(minutes=2)).isoformat(), 2.5],
                ],
            }
        ],
    )
    assert "error" not in created.json()
    assert runtime.consumer is not None
    known = runtime.consumer._already_stored(
        [first, observation(3, 3.5), observation(2, 9.0), second]
    )
    assert known == {0, 3}  # same stream, time and result; a different result is new


def test_a_redelivery_while_the_first_copy_is_still_being_written_is_not_stored_twice(
    app_with_broker: TestClient, world: World
) -> None:
    """After a reconnect the broker redelivers (DUP) what was not acknowledged yet, also what
    is still in the pipeline: the copy waits for the first write instead of a second one."""
    datastream_id = _datastream(app_with_broker)
    runtime: SensorThingsRuntime = app_with_broker.app.state.ingest  # type: ignore[attr-defined]
    consumer = runtime.consumer
    assert consumer is not None
    assert consumer._loop is not None
    target = runtime.targets.stream("Datastream", datastream_id)
    assert target is not None

    def observation(minute: int) -> rows.NewObservation:
        body = {"phenomenonTime": (START + timedelta(minutes=minute)).isoformat(), "result": 7.0}
        return rows.from_entity(body, target, runtime.targets)

    def message(redelivered: bool) -> Message:
        # QoS 0: nothing to acknowledge to the broker in this test.
        return Message(f"v1.1/Datastreams({datastream_id})/Observations", b"", 0, 0, redelivered, 1)

    async def deliver() -> None:
        await asyncio.gather(
            consumer._store([(observation(10), message(False))]),
            consumer._store([(observation(10), message(True))]),
            consumer._store([(observation(11), message(False)), (observation(11), message(True))]),
        )

    before = _stored(world, datastream_id)[0]
    asyncio.run_coroutine_threadsafe(deliver(), consumer._loop).result(timeout=30)
    assert _stored(world, datastream_id)[0] == before + 2
    assert consumer._in_flight == {}


def test_a_message_that_needs_the_database_while_it_is_away_is_stored_once_it_is_back(
    app_with_broker: TestClient, world: World, tmp_path: Path
) -> None:
    """A Datastream not cached yet is looked up in a thread; while the database cannot be
    reached the message stays unacknowledged and is tried again, and stopping the app meanwhile
    does not wait for the database."""
    datastream_id = _datastream(app_with_broker)
    runtime: SensorThingsRuntime = app_with_broker.app.state.ingest  # type: ignore[attr-defined]
    working = runtime.targets._sessions
    unreachable = sessionmaker(create_engine(f"sqlite:///{tmp_path}/missing/db.sqlite3"))
    runtime.targets.clear()
    runtime.targets._sessions = unreachable
    port = int(world.platform.settings.mqtt_url.rsplit(":", 1)[1])
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    before = _stored(world, datastream_id)[0]
    device = Device(port)
    device.publish(topic, {"phenomenonTime": "2026-03-01T11:00:00Z", "result": 1.5})
    time.sleep(1)
    assert _stored(world, datastream_id)[0] == before
    runtime.targets._sessions = working
    wait_for(lambda: _stored(world, datastream_id)[0] == before + 1)

    runtime.targets.clear()
    runtime.targets._sessions = unreachable
    device.publish(topic, {"phenomenonTime": "2026-03-01T11:01:00Z", "result": 2.5})
    time.sleep(0.5)
    started = time.monotonic()
    app_with_broker.__exit__(None, None, None)  # the app stops (lifespan shutdown)
    assert time.monotonic() - started < 10
    assert _stored(world, datastream_id)[0] == before + 1
    device.close()
