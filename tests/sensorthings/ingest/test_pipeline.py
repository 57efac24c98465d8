"""The group-commit pipeline: everything submitted is committed once, memory stays bounded,
and one bad row does not hold up the others."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from smartcity.sensorthings import models
from smartcity.sensorthings.ingest import rows
from smartcity.sensorthings.ingest.store import ObservationStore, RowsRejected
from smartcity.sensorthings.runtime import SensorThingsRuntime
from tests.conftest import World
from tests.sensorthings.conftest import STA

START = datetime(2026, 1, 1, tzinfo=UTC)


def _observations(
    runtime: SensorThingsRuntime, datastream_id: int, count: int, offset: int = 0
) -> Any:
    target = runtime.targets.stream("Datastream", datastream_id)
    assert target is not None
    return [
        rows.from_entity(
            {"phenomenonTime": (START + timedelta(seconds=offset + n)).isoformat(), "result": n},
            target,
            runtime.targets,
        )
        for n in range(count)
    ]


def _stored(world: World, datastream_id: int) -> int:
    with world.tenant(world.dresden) as db:
        return int(
            db.scalar(select(func.count()).where(models.Observation.datastream_id == datastream_id))
            or 0
        )


@pytest.fixture
def datastream_id(writer: TestClient, bench_thing: dict[str, Any]) -> int:
    found: int = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    return found


def test_many_producers_share_commits_and_wait_when_the_queue_is_full(
    world: World, datastream_id: int
) -> None:
    runtime = SensorThingsRuntime(world.platform)
    runtime.pipeline.max_pending = 500  # producers must wait for room
    runtime.pipeline.max_batch = 200
    before = _stored(world, datastream_id)
    high_water = 0

    async def produce(part: int) -> list[int | None]:
        return await runtime.pipeline.submit(_observations(runtime, datastream_id, 100, part * 100))

    async def watch() -> None:
        nonlocal high_water
        while True:
            high_water = max(high_water, runtime.pipeline.pending)
            await asyncio.sleep(0)

    async def main() -> list[list[int | None]]:
        watcher = asyncio.create_task(watch())
        try:
            return await asyncio.gather(*(produce(part) for part in range(30)))
        finally:
            watcher.cancel()
            await runtime.stop()

    results = asyncio.run(main())
    ids = [new_id for part in results for new_id in part]
    assert len(ids) == len(set(ids)) == 3000
    assert _stored(world, datastream_id) == before + 3000
    assert high_water <= 500


# 300: a batch large enough for PostgreSQL's staging table (store.STAGE_ABOVE).
@pytest.mark.parametrize("size", [5, 300])
def test_rows_whose_datastream_vanished_are_refused_alone(
    writer: TestClient, world: World, datastream_id: int, bench_thing: dict[str, Any], size: int
) -> None:
    second = writer.post(
        f"{STA}/Things({bench_thing['@iot.id']})/Datastreams",
        json={
            "name": "Feuchte",
            "observationType": "OM_Measurement",
            "unitOfMeasurement": {"name": "percent", "symbol": "%", "definition": "%"},
            "Sensor": {"name": "SHT31", "encodingType": "text/plain", "metadata": "-"},
            "ObservedProperty": {"name": "Feuchte", "definition": "rh"},
        },
    ).json()["@iot.id"]
    runtime = SensorThingsRuntime(world.platform)
    doomed = _observations(runtime, second, size)  # cached while the Datastream existed
    assert writer.delete(f"{STA}/Datastreams({second})").status_code == 200
    before = _stored(world, datastream_id)

    async def main() -> tuple[Any, Any]:
        try:
            return await asyncio.gather(
                runtime.pipeline.submit(doomed),
                runtime.pipeline.submit(_observations(runtime, datastream_id, size)),
                return_exceptions=True,
            )
        finally:
            await runtime.stop()

    refused, stored = asyncio.run(main())
    assert refused == [None] * size
    assert len(stored) == size
    assert None not in stored
    assert _stored(world, datastream_id) == before + size


def test_rollups_of_a_batch_over_many_buckets_hold_what_was_posted(
    writer: TestClient, datastream_id: int
) -> None:
    """A batch touching many hourly buckets is merged in one statement on PostgreSQL; the
    rollups must hold exactly what was posted."""
    rows: list[tuple[str, int]] = [
        (
            f"2026-05-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:00Z",
            minute % 17,
        )
        for minute in range(0, 4 * 1440, 7)
    ]
    payload = [
        {
            "Datastream": {"@iot.id": datastream_id},
            "components": ["phenomenonTime", "result"],
            "dataArray": [list(row) for row in rows],
        }
    ]
    for _ in range(2):  # the second time every bucket exists already: the merge adds up
        assert "error" not in writer.post(f"{STA}/CreateObservations", json=payload).json()
    base = f"/dresden/api/v1/sensorthings/datastreams/{datastream_id}/aggregate"
    from_rollups = writer.get(
        f"{base}?from=2026-05-01T00:00:00Z&to=2026-05-05T00:00:00Z&interval=PT1H"
    ).json()
    expected: dict[str, list[float]] = {}
    for moment, value in rows:
        hour = f"{moment[:13]}:00:00Z"
        expected.setdefault(hour, []).extend([value, value])  # posted twice
    assert from_rollups["source"] == "rollup"
    assert len(from_rollups["value"]) == len(expected) == 96
    for bucket in from_rollups["value"]:
        values = expected[bucket["phenomenonTime"].split("/")[0]]
        assert (bucket["count"], bucket["sum"], bucket["min"], bucket["max"]) == (
            len(values),
            sum(values),
            min(values),
            max(values),
        )
    daily = writer.get(f"{base}?from=2026-05-01T00:00:00Z&to=2026-05-05T00:00:00Z&interval=P1D")
    assert sum(bucket["count"] for bucket in daily.json()["value"]) == 2 * len(rows)


class FaultyDatabase(ObservationStore):
    """The real store, with the database failing in a given order first (fault injection:
    what PostgreSQL does when a batch is refused and the connection then drops)."""

    def __init__(self, store: ObservationStore, faults: list[Exception]) -> None:
        super().__init__(store.engine)
        self.faults = faults

    def write(self, observations: Any) -> Any:
        if self.faults:
            raise self.faults.pop(0)
        return super().write(observations)


def test_the_flusher_outlives_a_database_failure_while_isolating_rows(
    world: World, datastream_id: int
) -> None:
    """A message taken from MQTT must be stored in the end, whatever fails on the way; a
    flusher that died here once left every unacknowledged message waiting for good."""
    runtime = SensorThingsRuntime(world.platform)
    dropped = OperationalError("COPY", {}, Exception("server closed the connection"))
    runtime.pipeline.store = FaultyDatabase(
        runtime.store, [RowsRejected(), RowsRejected(), dropped]
    )
    runtime.pipeline.max_backoff = 0.05
    before = _stored(world, datastream_id)

    async def main() -> tuple[list[int | None], list[int | None]]:
        try:
            first = await asyncio.wait_for(
                runtime.pipeline.submit(_observations(runtime, datastream_id, 3), persistent=True),
                10,
            )
            later = await runtime.pipeline.submit(
                _observations(runtime, datastream_id, 2, offset=10)
            )
            return first, later
        finally:
            await runtime.stop()

    first, later = asyncio.run(main())
    assert None not in first
    assert len(first) == 3
    assert len(later) == 2
    assert _stored(world, datastream_id) == before + 5


def test_several_large_batches_in_one_transaction_are_each_stored_once(
    world: World, datastream_id: int
) -> None:
    """Large batches pass PostgreSQL's staging table; a transaction that writes two (the
    demo data does) must find it empty for the second."""
    runtime = SensorThingsRuntime(world.platform)
    store = ObservationStore(world.platform.engine)
    first = _observations(runtime, datastream_id, 300)
    second = _observations(runtime, datastream_id, 300, offset=300)
    before = _stored(world, datastream_id)
    with world.platform.engine.begin() as connection:
        store.write_on(connection, first)
        store.write_on(connection, second)
    assert _stored(world, datastream_id) == before + 600
    with world.tenant(world.dresden) as db:
        counted = db.scalar(
            select(func.sum(models.Rollup.count)).where(
                models.Rollup.datastream_id == datastream_id, models.Rollup.granularity == "day"
            )
        )
    assert counted == before + 600
