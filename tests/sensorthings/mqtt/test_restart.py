"""Device messages published while the server is stopped (SIGTERM) are stored once it is
started again: the instance's broker sessions keep them meanwhile. The server runs as its own
process (`smartcity serve`) against the machine's Mosquitto, which other tests share: the
server gets a share group of its own, since Mosquitto hands a shared subscription's messages
round-robin to every session in the group, connected or not (docs/mqtt.md), and a stale
session of another run in the same group would hold back its share."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select

from smartcity.core.settings import Settings
from smartcity.sensorthings import models
from tests.conftest import World
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING
from tests.server import Server

pytestmark = pytest.mark.timeout(300)
# Other tests' servers at the same broker may have a Datastream of the same id (each test has
# a database of its own), so they may take these messages too: the ones this test counts have
# phenomenon times of a day of their own.
START = datetime(2026, 2, 1, tzinfo=UTC) + timedelta(days=random.randrange(100_000))
BEFORE, DURING, WHILE_STOPPED = 100, 300, 200


@pytest.fixture
def server(settings: Settings, world: World, mosquitto_url: str, backend: str) -> Iterator[Server]:
    instance = f"restart-{uuid.uuid4().hex[:8]}"
    workers = 2 if backend == "postgresql" else 1
    running = Server(
        settings,
        None,
        SMARTCITY_MQTT_URL=mosquitto_url,
        SMARTCITY_MQTT_SHARE_GROUP=f"t{uuid.uuid4().hex[:12]}",
        SMARTCITY_INSTANCE_NAME=instance,
        SMARTCITY_WORKERS=str(workers),
    )
    running.start()
    yield running
    running.stop()
    # Leave no session behind at the shared broker.
    for slot in range(workers):
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"smartcity-{instance}-{slot}",
            protocol=paho.MQTTv5,
        )
        client.connect("127.0.0.1", 1883, clean_start=True)
        client.disconnect()


def _publish(topic: str, first: int, count: int) -> int:
    """QoS 1 Observations `first`… (phenomenonTime START + n seconds, result n); how many the
    broker acknowledged."""
    device = f"device-{uuid.uuid4().hex[:8]}"
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=device, protocol=paho.MQTTv5)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    try:
        infos = [
            client.publish(
                topic,
                json.dumps(
                    {"phenomenonTime": (START + timedelta(seconds=n)).isoformat(), "result": n}
                ),
                qos=1,
            )
            for n in range(first, first + count)
        ]
        for info in infos:
            info.wait_for_publish(timeout=60)
        return sum(info.is_published() for info in infos)
    finally:
        client.loop_stop()
        client.disconnect()


def _stored(world: World, datastream_id: int) -> tuple[int, int]:
    o = models.Observation
    with world.tenant(world.dresden) as db:
        total, distinct = db.execute(
            select(func.count(), func.count(func.distinct(o.phenomenon_time_start))).where(
                o.datastream_id == datastream_id,
                o.phenomenon_time_start >= START,
                o.phenomenon_time_start < START + timedelta(days=1),
            )
        ).one()
    return int(total), int(distinct)


def test_messages_published_while_stopped_are_stored_after_the_start(
    server: Server, world: World
) -> None:
    key = world.api_key(world.dresden, "sta:write")
    headers = {"Authorization": f"Bearer {key}"}
    created = httpx.post(f"{server.base}{STA}/Things", json=THING_WITH_EVERYTHING, headers=headers)
    assert created.status_code == 201, created.text
    datastream_id = httpx.get(f"{server.base}{STA}/Datastreams").json()["value"][0]["@iot.id"]
    topic = f"v1.1/Datastreams({datastream_id})/Observations"

    assert _publish(topic, 0, BEFORE) == BEFORE
    deadline = time.monotonic() + 60
    while _stored(world, datastream_id)[0] < BEFORE and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _stored(world, datastream_id) == (BEFORE, BEFORE)

    # Messages still arriving while the server is told to stop, then more while it is away.
    acknowledged: list[int] = []
    sender = threading.Thread(
        target=lambda: acknowledged.append(_publish(topic, BEFORE, DURING)), daemon=True
    )
    sender.start()
    time.sleep(0.1)
    server.stop()
    sender.join(60)
    assert acknowledged == [DURING]
    assert _publish(topic, BEFORE + DURING, WHILE_STOPPED) == WHILE_STOPPED

    server.start()  # same instance name, share group and data directory: the same sessions
    total = BEFORE + DURING + WHILE_STOPPED
    deadline = time.monotonic() + 120  # a loaded machine
    while _stored(world, datastream_id)[0] < total and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _stored(world, datastream_id) == (total, total)


def test_a_session_of_the_group_that_is_away_holds_its_share(mosquitto_url: str) -> None:
    """Why a share group must have no member that does not come back (docs/mqtt.md): the
    broker hands the group's messages in turn to every session in it, away or not, and the
    one that is away gets its share only when it returns."""
    group = f"$share/t{uuid.uuid4().hex[:12]}/away/{uuid.uuid4().hex[:8]}"
    topic = group.split("/", 2)[2]
    received: dict[str, list[bytes | bytearray]] = {"present": [], "away": []}

    def member(name: str, client_id: str) -> paho.Client:
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
        client.on_message = lambda _c, _u, message: received[name].append(message.payload)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 120
        client.connect("127.0.0.1", 1883, clean_start=False, properties=properties)
        client.loop_start()
        client.subscribe(group, qos=1)
        time.sleep(0.3)
        return client

    away_id = f"away-{uuid.uuid4().hex[:8]}"
    away = member("away", away_id)
    away.loop_stop()
    away.disconnect()  # a normal DISCONNECT: the session and its subscription stay
    present_id = f"present-{uuid.uuid4().hex[:8]}"
    present = member("present", present_id)
    try:
        device = f"device-{uuid.uuid4().hex[:8]}"
        publisher = paho.Client(CallbackAPIVersion.VERSION2, client_id=device)
        publisher.connect("127.0.0.1", 1883)
        publisher.loop_start()
        for info in [publisher.publish(topic, str(n), qos=1) for n in range(10)]:
            info.wait_for_publish(timeout=10)
        publisher.loop_stop()
        publisher.disconnect()
        time.sleep(0.5)
        assert 0 < len(received["present"]) < 10  # the other turns went to the session away

        away = member("away", away_id)  # it comes back: its share arrives
        deadline = time.monotonic() + 10
        while len(received["present"]) + len(received["away"]) < 10:
            assert time.monotonic() < deadline, received
            time.sleep(0.1)
        assert sorted(received["present"] + received["away"]) == sorted(
            str(n).encode() for n in range(10)
        )
    finally:
        present.loop_stop()
        present.disconnect()
        away.loop_stop()
        away.disconnect()
        for client_id in (away_id, present_id):  # end the persistent sessions
            ending = paho.Client(
                CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
            )
            ending.connect("127.0.0.1", 1883, clean_start=True)
            ending.disconnect()
