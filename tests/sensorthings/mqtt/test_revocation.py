"""A revoked API key stops at once in this process (issue 20.7): its MQTT connections on the
embedded broker are closed, new ones refused, nothing more is delivered to it, and the HTTP
fast path's key cache forgets it. Revoked through another instance, it stops within
SMARTCITY_INGEST_CACHE_SECONDS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.db import make_session_factory, transaction
from smartcity.core.identity import apikeys
from smartcity.core.mqtt import MqttEndpoint, _mqtt_handshake
from smartcity.core.settings import Settings
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from tests.conftest import World, free_port
from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING
from tests.sensorthings.mqtt.device import Device, wait_for


@pytest.fixture
def broker_app(settings: Settings, world: World) -> Iterator[TestClient]:
    settings.mqtt_port = free_port()
    settings.ingest_cache_seconds = 1
    with TestClient(create_app(platform=world.platform, run_jobs=False)) as client:
        client.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
        yield client


@pytest.fixture
def datastream_id(broker_app: TestClient) -> int:
    created = broker_app.post(f"{STA}/Things", json=THING_WITH_EVERYTHING)
    assert created.status_code == 201, created.text
    found: int = broker_app.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    return found


def _key_id(world: World, secret: str) -> int:
    with world.tenant(world.dresden) as db:
        (key,) = [k for k in apikeys.list_api_keys(db) if secret.startswith(k.prefix)]
        return key.id


def _observe(client: TestClient, datastream_id: int, result: Any, key: str) -> Any:
    return client.post(
        f"{STA}/Datastreams({datastream_id})/Observations",
        json={"phenomenonTime": "2026-11-26T12:00:00Z", "result": result},
        headers={"Authorization": f"Bearer {key}"},
    )


def _refused(port: int, key: str) -> bool:
    ok, _ = _mqtt_handshake(MqttEndpoint("127.0.0.1", port, "device", key))
    return not ok


def test_revoking_a_key_here_stops_it_at_once(
    broker_app: TestClient, datastream_id: int, settings: Settings, world: World
) -> None:
    key = world.api_key(world.dresden, "sta:read", "sta:write")
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    listener = Device(settings.mqtt_port, key)
    try:
        assert listener.subscribe(topic)
        assert _observe(broker_app, datastream_id, 1, key).status_code == 201  # key cached
        assert listener.next_message(topic)["result"] == 1
        with world.tenant(world.dresden) as db:
            apikeys.revoke_api_key(db, _key_id(world, key), actor="test")
        # No waiting for the cache: the fast path refuses the key at once.
        assert _observe(broker_app, datastream_id, 2, key).status_code == 401
        wait_for(lambda: not listener.client.is_connected(), timeout=5)
        assert _refused(settings.mqtt_port, key)
        listener.client.loop_stop()  # no reconnecting; nothing more may arrive
        assert _observe(broker_app, datastream_id, 3, "x").status_code == 401
        assert (
            broker_app.post(
                f"{STA}/Datastreams({datastream_id})/Observations",
                json={"phenomenonTime": "2026-11-26T12:00:00Z", "result": 4},
            ).status_code
            == 201
        )
        with pytest.raises(AssertionError):
            listener.next_message(topic, timeout=1)
    finally:
        listener.close()


def test_a_key_revoked_elsewhere_gets_nothing_after_the_cache_time(
    broker_app: TestClient, datastream_id: int, settings: Settings, world: World
) -> None:
    key = world.api_key(world.dresden, "sta:read")
    topic = f"v1.1/Datastreams({datastream_id})/Observations"
    listener = Device(settings.mqtt_port, key)
    try:
        assert listener.subscribe(topic)
        writer = broker_app.headers["Authorization"].removeprefix("Bearer ")
        assert _observe(broker_app, datastream_id, 1, writer).status_code == 201
        assert listener.next_message(topic)["result"] == 1
        # Another instance revokes it: its sessions carry no bus of this process.
        elsewhere = make_session_factory(world.platform.engine)
        with transaction(elsewhere, **{SCOPE_KEY: scope_for(world.dresden)}) as db:
            apikeys.revoke_api_key(db, _key_id(world, key), actor="test")
        time.sleep(settings.ingest_cache_seconds + 0.2)
        assert _observe(broker_app, datastream_id, 2, writer).status_code == 201
        with pytest.raises(AssertionError):
            listener.next_message(topic, timeout=1)
        wait_for(lambda: not listener.client.is_connected(), timeout=5)
    finally:
        listener.close()
