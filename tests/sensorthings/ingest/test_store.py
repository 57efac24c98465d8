"""The bulk store keeps Observations tied to their parents on both databases: rows of a stream
that does not exist are refused, deleting a stream or feature takes its Observations and
rollups with it, and (PostgreSQL, where the parents are checked once per statement) a delete
that races a write waits for it and then takes the new rows too."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from smartcity.sensorthings import models
from smartcity.sensorthings.ingest import rows
from smartcity.sensorthings.ingest.store import ObservationStore, RowsRejected
from smartcity.sensorthings.ingest.targets import StreamTarget, TargetCache
from tests.conftest import World
from tests.sensorthings.conftest import STA

START = datetime(2026, 3, 1, tzinfo=UTC)


def _target(world: World, datastream_id: int) -> tuple[StreamTarget, TargetCache]:
    cache = TargetCache(world.platform.sessions, 60)
    target = cache.stream("Datastream", datastream_id)
    assert target is not None
    return target, cache


def _batch(target: StreamTarget, cache: TargetCache, count: int) -> list[rows.NewObservation]:
    return [
        rows.from_entity(
            {"phenomenonTime": (START + timedelta(minutes=n)).isoformat(), "result": float(n)},
            target,
            cache,
        )
        for n in range(count)
    ]


def _count(world: World, model: Any, **where: int) -> int:
    with world.tenant(world.dresden) as db:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(db.scalar(query) or 0)


def _owner(target: StreamTarget) -> tuple[int, str, str]:
    return target.municipality_id, target.municipality_slug, target.observation_type


@pytest.fixture
def datastream_id(writer: TestClient, bench_thing: dict[str, Any]) -> int:
    found: int = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    return found


@pytest.mark.parametrize("size", [3, 500])  # written directly, and through the staging table
def test_rows_of_a_stream_that_does_not_exist_are_refused_with_their_batch(
    world: World, datastream_id: int, size: int
) -> None:
    target, cache = _target(world, datastream_id)
    store = ObservationStore(world.platform.engine)
    good = _batch(target, cache, size)
    ghost = _batch(StreamTarget.datastream(987_654, *_owner(target), target.feature_id), cache, 1)
    before = _count(world, models.Observation)
    with pytest.raises(RowsRejected):
        store.write(good + ghost)
    assert _count(world, models.Observation) == before  # nothing of the batch
    assert len(store.write(good)) == size


def test_a_deleted_stream_takes_its_observations_and_rollups(
    writer: TestClient, world: World, datastream_id: int
) -> None:
    target, cache = _target(world, datastream_id)
    ObservationStore(world.platform.engine).write(_batch(target, cache, 300))
    assert _count(world, models.Rollup, datastream_id=datastream_id) > 0
    assert writer.delete(f"{STA}/Datastreams({datastream_id})").status_code == 200
    assert _count(world, models.Observation, datastream_id=datastream_id) == 0
    assert _count(world, models.Rollup, datastream_id=datastream_id) == 0


def test_a_deleted_feature_takes_its_observations(
    writer: TestClient, world: World, datastream_id: int
) -> None:
    target, cache = _target(world, datastream_id)
    assert target.feature_id is not None
    before = _count(world, models.Observation, feature_of_interest_id=target.feature_id)
    ObservationStore(world.platform.engine).write(_batch(target, cache, 5))
    assert _count(world, models.Observation, feature_of_interest_id=target.feature_id) == (
        before + 5
    )
    response = writer.delete(f"{STA}/FeaturesOfInterest({target.feature_id})")
    assert response.status_code == 200
    assert _count(world, models.Observation, feature_of_interest_id=target.feature_id) == 0


@pytest.mark.postgres
def test_a_delete_racing_a_write_waits_and_then_takes_the_new_rows(
    world: World, datastream_id: int, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers with its database lock")
    target, cache = _target(world, datastream_id)
    engine = world.platform.engine
    store = ObservationStore(engine)
    outcome: dict[str, Any] = {}

    def delete(lock_timeout: str) -> None:
        try:
            with engine.begin() as other:
                other.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
                other.execute(text("DELETE FROM sta_datastream WHERE id = :id"), {"id": target.id})
            outcome["deleted"] = True
        except OperationalError as exc:
            outcome["error"] = type(exc.orig).__name__

    with engine.begin() as writing:
        store.write_on(writing, _batch(target, cache, 300))
        # The write holds its Datastream: a delete cannot get through before the commit.
        waiting = threading.Thread(target=delete, args=("300ms",))
        waiting.start()
        waiting.join()
        assert outcome == {"error": "LockNotAvailable"}
        racing = threading.Thread(target=delete, args=("10s",))
        racing.start()
    racing.join()
    assert outcome.get("deleted") is True
    assert _count(world, models.Observation, datastream_id=target.id) == 0
    assert _count(world, models.Rollup, datastream_id=target.id) == 0


def test_an_observation_cannot_be_moved_to_a_stream_that_does_not_exist(
    world: World, datastream_id: int
) -> None:
    target, cache = _target(world, datastream_id)
    (new_id,) = ObservationStore(world.platform.engine).write(_batch(target, cache, 1))
    with pytest.raises(IntegrityError), world.platform.engine.begin() as connection:
        connection.execute(
            text("UPDATE sta_observation SET datastream_id = 987654 WHERE id = :id"),
            {"id": new_id},
        )
    assert _count(world, models.Observation, datastream_id=datastream_id) >= 1
