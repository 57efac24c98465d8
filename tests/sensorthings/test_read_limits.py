"""One heavy anonymous read must not stop anyone else (issue 20.1): reads take no write lock,
a response holds a bounded number of entities, a read stops past its time or when its client
leaves."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from smartcity.core.identity import apikeys
from tests.conftest import World, create_observations, login
from tests.sensorthings.conftest import STA

HEAVY = (
    f"{STA}/Observations?$top=10000&$expand=Datastream($expand=Thing($expand=Locations,"
    "HistoricalLocations,Datastreams),Sensor,ObservedProperty),FeatureOfInterest"
)
OBSERVATIONS = 600
DATASTREAMS = 20


def _datastream(index: int) -> dict[str, Any]:
    return {
        "name": f"Kanal {index}",
        "description": "",
        "observationType": "OM_Measurement",
        "unitOfMeasurement": {"name": "x", "symbol": "x", "definition": "x"},
        "Sensor": {"name": "S", "description": "", "encodingType": "text/plain", "metadata": ""},
        "ObservedProperty": {"name": "P", "definition": "", "description": ""},
    }


@pytest.fixture
def station(client: TestClient, world: World) -> dict[str, Any]:
    """A Thing with a Location and many Datastreams, one of them with many Observations."""
    key = world.api_key(world.dresden, "sta:write")
    client.headers["Authorization"] = f"Bearer {key}"
    thing = {
        "name": "Messstation",
        "description": "",
        "Locations": [
            {
                "name": "Altmarkt",
                "description": "",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [13.7373, 51.0504]},
            }
        ],
        "Datastreams": [_datastream(index) for index in range(DATASTREAMS)],
    }
    created = client.post(f"{STA}/Things", json=thing)
    assert created.status_code == 201, created.text
    thing_id = created.json()["@iot.id"]
    datastreams = client.get(f"{STA}/Things({thing_id})/Datastreams?$select=id").json()
    first = datastreams["value"][0]["@iot.id"]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    create_observations(
        client, first, [(start + timedelta(minutes=i), i) for i in range(OBSERVATIONS)]
    )
    del client.headers["Authorization"]
    return {"thing": thing_id, "datastream": first, "key": key}


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.monotonic()
    response = call()
    return time.monotonic() - started, response


def test_a_heavy_anonymous_read_stops_no_one(
    client: TestClient,
    world: World,
    station: dict[str, Any],
    new_client: Callable[[], TestClient],
) -> None:
    settings = client.app.state.platform.settings  # type: ignore[attr-defined]
    settings.sta_max_entities = 10**9  # worse than the default allows: no bound at all
    outcome: dict[str, Any] = {}

    def heavy() -> None:
        outcome["elapsed"], outcome["response"] = _timed(lambda: client.get(HEAVY))

    reader = threading.Thread(target=heavy)
    reader.start()
    time.sleep(0.5)  # well into its work
    device = {"Authorization": f"Bearer {station['key']}"}
    radebeul = new_client()
    staff = new_client()
    latencies: list[tuple[str, float, int]] = []
    for round_ in range(3):
        elapsed, response = _timed(
            partial(
                client.post,
                f"{STA}/Datastreams({station['datastream']})/Observations",
                json={"phenomenonTime": f"2026-12-01T00:0{round_}:00Z", "result": round_},
                headers=device,
            )
        )
        latencies.append(("device write", elapsed, response.status_code))
        elapsed, response = _timed(lambda: radebeul.get("/radebeul/sta/v1.1/Things"))
        latencies.append(("other municipality's read", elapsed, response.status_code))
        elapsed, response = _timed(
            lambda: client.get(f"{STA}/Things({station['thing']})", headers=device)
        )
        latencies.append(("read with an API key", elapsed, response.status_code))
    elapsed, _ = _timed(lambda: login(staff, "rb.admin"))
    latencies.append(("staff login", elapsed, 200))
    still_reading = reader.is_alive()
    reader.join(120)
    for what, seconds, status in latencies:
        assert status < 500, (what, status)
        assert seconds < 5, (what, seconds)
    assert outcome["response"].status_code == 200, outcome["response"].text
    # The heavy read was still at work while everyone else was served.
    assert still_reading, f"the heavy read took only {outcome['elapsed']:.1f} s"


def test_a_response_holds_a_bounded_number_of_entities(
    client: TestClient, station: dict[str, Any]
) -> None:
    settings = client.app.state.platform.settings  # type: ignore[attr-defined]
    # An Observation with its Datastream, Thing, Location, HistoricalLocation, Sensor,
    # ObservedProperty, FeatureOfInterest and the Thing's 20 Datastreams: 28 entities.
    settings.sta_max_entities = 100
    first = client.get(HEAVY.replace("$top=10000", "$top=50"))
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["value"]) == 3  # 3 × 28 = 84; a fourth would pass 100
    assert "$skip=3" in page["@iot.nextLink"]
    seen = [o["@iot.id"] for o in page["value"]]
    next_link = page["@iot.nextLink"]
    for _ in range(5):
        page = client.get(next_link).json()
        seen += [o["@iot.id"] for o in page["value"]]
        next_link = page["@iot.nextLink"]
    assert seen == sorted(set(seen))
    assert len(seen) == 18
    # One entity whose expansion alone is larger: a 400 naming the limit.
    settings.sta_max_entities = 10
    alone = client.get(f"{STA}/Things({station['thing']})?$expand=Datastreams")
    assert alone.status_code == 400
    assert "SMARTCITY_STA_MAX_ENTITIES" in alone.json()["message"]


def test_a_read_past_its_time_is_stopped_with_503(
    client: TestClient, station: dict[str, Any]
) -> None:
    settings = client.app.state.platform.settings  # type: ignore[attr-defined]
    settings.sta_max_entities = 10**9
    settings.sta_read_timeout_seconds = 0.2
    started = time.monotonic()
    response = client.get(HEAVY)
    assert time.monotonic() - started < 5
    assert response.status_code == 503, response.text
    assert "SMARTCITY_STA_READ_TIMEOUT_SECONDS" in response.json()["message"]
    assert response.headers["retry-after"]
    # The same database answers the next request as usual.
    assert client.get(f"{STA}/Things").status_code == 200


def test_a_read_stops_when_its_client_disconnects(
    client: TestClient, station: dict[str, Any]
) -> None:
    settings = client.app.state.platform.settings  # type: ignore[attr-defined]
    settings.sta_max_entities = 10**9
    path, _, query = HEAVY.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
        "root_path": "",
    }
    messages = iter([{"type": "http.request", "body": b"", "more_body": False}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        message = next(messages, None)
        if message is not None:
            return message
        await anyio.sleep(0.3)  # the client hangs up while the read is at work
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    full, _ = _timed(lambda: client.get(HEAVY))
    portal: Any = client.portal
    elapsed, _ = _timed(lambda: portal.call(client.app, scope, receive, send))
    assert sent[0]["status"] == 503
    assert b"disconnected" in sent[1]["body"]
    assert elapsed < full / 2, (elapsed, full)


def test_reads_go_on_while_a_writer_holds_the_lock(
    client: TestClient, world: World, backend: str, database_url: str
) -> None:
    """A read takes no write lock, and neither does its login's bookkeeping when nothing is
    due: the key's last use is recorded (minute precision) by the first read, outside it."""
    key = world.api_key(world.dresden, "sta:read")
    device = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{STA}/Things", headers=device).status_code == 200
    with world.tenant(world.dresden) as db:
        (recorded,) = [k for k in apikeys.list_api_keys(db) if key.startswith(k.prefix)]
        assert recorded.last_used_at is not None
    if backend != "sqlite":
        return
    engine = client.app.state.platform.engine  # type: ignore[attr-defined]
    # Wait 0.2 s for a lock instead of 30 s: a read that wanted it would fail quickly.
    event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=200"))
    engine.dispose()
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer at work
    try:
        assert client.get(f"{STA}/Things", headers=device).status_code == 200
        assert client.get(f"{STA}/Things").status_code == 200
        assert client.get(f"{STA}/").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
