"""Faults of what the platform depends on: the database goes away and comes back, the MQTT
broker restarts. The platform answers 503 with Retry-After while a dependency is gone,
reports itself not ready, and recovers by itself (no restart) without losing what it had
acknowledged. Uploads on a failing disk are in tests/core/uploads/test_storage_failure.py."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from smartcity.app import create_app
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from tests.conftest import MosquittoProcess, World
from tests.proxy import Proxy
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING
from tests.sensorthings.mqtt.test_no_loss import _datastream, _publish, _stored, _wait_stored
from tests.server import Server

pytestmark = pytest.mark.timeout(300)


# A database server that can go away: PostgreSQL (an SQLite file is part of the process).
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def database_proxy(database_url: str) -> Iterator[Proxy]:
    url = make_url(database_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.close()


@pytest.fixture
def proxied_client(settings: Settings, database_proxy: Proxy) -> Iterator[TestClient]:
    url = make_url(settings.database_url).set(port=database_proxy.port)
    settings.database_url = url.render_as_string(hide_password=False)
    platform = Platform.from_settings(settings)
    # No periodic jobs: the start-up ones (partitions, audit checkpoint) commit a little after
    # the start, which drops the public answers kept in the process that the outage test reads.
    with TestClient(create_app(platform=platform, run_broker=False, run_jobs=False)) as client:
        yield client
    platform.engine.dispose()


@on_postgresql
def test_without_its_database_the_platform_says_so_and_recovers_by_itself(
    proxied_client: TestClient, database_proxy: Proxy, world: World
) -> None:
    client = proxied_client
    key = world.api_key(world.dresden, "sta:read")
    api = "/dresden/api/v1/parking/car-parks"
    assert client.get(api).status_code == 200
    assert client.get("/readyz").status_code == 200

    database_proxy.cut()

    # A public answer is kept for a few seconds (core.http.caching) and still served from
    # that copy; an answer that needs the database says the database is away.
    assert client.get(api).status_code == 200
    answer = client.get(f"{api}?nach-dem-ausfall")
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.headers["content-type"] == "application/problem+json"
    assert "database" in answer.json()["detail"].lower()
    sta = client.get(f"{STA}/Things", headers={"Authorization": f"Bearer {key}"})
    assert sta.status_code == 503
    assert "Retry-After" in sta.headers
    page = client.get("/dresden/parken")
    assert page.status_code == 503
    assert "text/html" in page.headers["content-type"]
    assert "Vorübergehend nicht erreichbar" in page.text
    assert "Traceback" not in page.text + answer.text + sta.text
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["ok"] is False

    database_proxy.restore()

    # The same process, the same connection pool: it serves again.
    assert client.get(api).status_code == 200
    assert client.get(f"{STA}/Things", headers={"Authorization": f"Bearer {key}"}).is_success
    assert client.get("/dresden/parken").status_code == 200
    assert client.get("/readyz").status_code == 200


@on_postgresql
def test_a_write_cut_off_by_the_outage_keeps_nothing_half(
    proxied_client: TestClient, database_proxy: Proxy, world: World
) -> None:
    key = world.api_key(world.dresden, "sta:write")
    headers = {"Authorization": f"Bearer {key}"}
    database_proxy.cut()
    refused = proxied_client.post(f"{STA}/Things", json=THING_WITH_EVERYTHING, headers=headers)
    assert refused.status_code == 503
    database_proxy.restore()
    assert proxied_client.get(f"{STA}/Things", headers=headers).json()["value"] == []
    stored = proxied_client.post(f"{STA}/Things", json=THING_WITH_EVERYTHING, headers=headers)
    assert stored.status_code == 201


def _wait_ready(base: str, ready: bool, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        answer = httpx.get(f"{base}/readyz")
        if (answer.status_code == 200) == ready or time.monotonic() > deadline:
            body: dict[str, object] = answer.json()
            return body
        time.sleep(0.2)


@pytest.mark.parametrize("share_group", ["", "smartcity"], ids=["plain", "shared"])
def test_a_broker_restart_loses_nothing_that_was_acknowledged(
    settings: Settings, world: World, shipped_mosquitto: MosquittoProcess, share_group: str
) -> None:
    server = Server(settings, shipped_mosquitto, SMARTCITY_MQTT_SHARE_GROUP=share_group)
    server.start()
    try:
        datastream_id = _datastream(server, world)
        topic = f"v1.1/Datastreams({datastream_id})/Observations"
        # The broker acknowledges faster than the platform stores: when it stops, part of
        # the burst waits in the platform's session, which the broker saves to disk.
        first = _publish(shipped_mosquitto.port, topic, 2_000)
        assert int(first.communicate(timeout=120)[0]) == 2_000
        shipped_mosquitto.stop()
        down = _wait_ready(server.base, ready=False)
        assert down["checks"]["broker"]["ok"] is False  # type: ignore[index]

        shipped_mosquitto.start()
        if share_group:
            # Mosquitto does not restore shared subscriptions from its store (2.0.11): a
            # message published before the platform has subscribed again reaches nobody.
            # docs/mqtt.md says so; devices here publish once ingestion is back.
            back = _wait_ready(server.base, ready=True)
            assert back["checks"]["ingestion"]["ok"] is True  # type: ignore[index]
        second = _publish(shipped_mosquitto.port, topic, 2_000, first=2_000)
        assert int(second.communicate(timeout=120)[0]) == 2_000

        _wait_stored(world, datastream_id, 4_000, timeout=120)
        assert _stored(world, datastream_id) == (4_000, 4_000)
        assert _wait_ready(server.base, ready=True)["ready"] is True
        metrics = httpx.get(f"{server.base}/metrics").text
        lost = [line for line in metrics.splitlines() if line.startswith("smartcity_mqtt_disc")]
        assert lost, metrics
        assert float(lost[0].split()[-1]) >= 1
    finally:
        server.stop()
