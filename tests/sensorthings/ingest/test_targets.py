"""The facts the ingestion path caches about Datastreams are the same whether they were
loaded for all Datastreams at once or one by one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from smartcity.sensorthings.ingest.targets import TargetCache
from tests.conftest import World
from tests.sensorthings.conftest import STA


def test_snapshot_and_single_loads_agree(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    datastream_id = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    one_by_one = TargetCache(world.platform.sessions, 60)
    with world.tenant(world.dresden) as db:
        single = one_by_one.stream("Datastream", datastream_id, db)
    snapshot = TargetCache(world.platform.sessions, 60)
    assert snapshot.stream("Datastream", datastream_id) == single
    assert single is not None
    assert single.feature_id is not None  # the feature made from the Thing's Location
    assert snapshot.stream("Datastream", 10**12) is None
