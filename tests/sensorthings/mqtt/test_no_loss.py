"""No acknowledged message is lost and none is stored twice: under a burst from another
process, and when the server is killed (-9) in the middle of a stream and started again.
The server runs as its own process (`smartcity serve`) against Mosquitto configured as we
ship it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from smartcity.core.settings import Settings
from smartcity.sensorthings import models
from tests.conftest import MosquittoProcess, World
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING
from tests.server import Server

pytestmark = pytest.mark.timeout(600)
# The publisher's Observations: one per second from here (the fixture Thing's are later).
STREAM_START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def server(
    settings: Settings, world: World, shipped_mosquitto: MosquittoProcess
) -> Iterator[Server]:
    running = Server(settings, shipped_mosquitto)
    running.start()
    yield running
    running.stop()


def _datastream(server: Server, world: World) -> int:
    key = world.api_key(world.dresden, "sta:write")
    headers = {"Authorization": f"Bearer {key}"}
    created = httpx.post(f"{server.base}{STA}/Things", json=THING_WITH_EVERYTHING, headers=headers)
    assert created.status_code == 201, created.text
    found: int = httpx.get(f"{server.base}{STA}/Datastreams").json()["value"][0]["@iot.id"]
    return found


def _stored(world: World, datastream_id: int) -> tuple[int, int]:
    o = models.Observation
    with world.tenant(world.dresden) as db:
        total, distinct = db.execute(
            select(func.count(), func.count(func.distinct(o.phenomenon_time_start))).where(
                o.datastream_id == datastream_id,
                o.phenomenon_time_start >= STREAM_START,
                o.phenomenon_time_start < STREAM_START + timedelta(days=5),
            )
        ).one()
    return int(total), int(distinct)


def _publish(port: int, topic: str, count: int, first: int = 0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.sensorthings.mqtt.publisher",
            str(port),
            topic,
            str(count),
            str(first),
        ],
        cwd=Path(__file__).parents[3],
        stdout=subprocess.PIPE,
        text=True,
    )


def _wait_stored(world: World, datastream_id: int, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _stored(world, datastream_id)[0] < expected:
        time.sleep(0.5)


def test_a_burst_of_200000_observations_is_stored_exactly_once(
    server: Server, world: World, shipped_mosquitto: MosquittoProcess, backend: str
) -> None:
    # The full burst on PostgreSQL, the database of an instance that takes bursts from an
    # external broker; on SQLite a tenth exercises the same path (and keeps CI short).
    total = 200_000 if backend == "postgresql" else 20_000
    per_publisher = total // 4
    datastream_id = _datastream(server, world)
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    publishers = [
        _publish(shipped_mosquitto.port, topic, per_publisher, n * per_publisher) for n in range(4)
    ]
    acknowledged = sum(int(p.communicate(timeout=500)[0].strip()) for p in publishers)
    assert acknowledged == total
    _wait_stored(world, datastream_id, total, timeout=300)
    assert _stored(world, datastream_id) == (total, total)


def test_kill_9_in_the_middle_of_a_stream_loses_nothing(
    server: Server, world: World, shipped_mosquitto: MosquittoProcess
) -> None:
    datastream_id = _datastream(server, world)
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    publisher = _publish(shipped_mosquitto.port, topic, 30_000)
    _wait_stored(world, datastream_id, 5_000, timeout=120)
    server.kill()
    stored_at_kill = _stored(world, datastream_id)[0]
    assert stored_at_kill < 30_000, "the stream ended before the kill; nothing was tested"
    server.start()  # same instance name and data directory: the same broker session
    acknowledged = int(publisher.communicate(timeout=500)[0].strip())
    assert acknowledged == 30_000
    _wait_stored(world, datastream_id, 30_000, timeout=300)
    assert _stored(world, datastream_id) == (30_000, 30_000)
