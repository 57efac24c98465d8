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


def test_the_first_observation_of_a_gateway_prepares_all_its_datastreams(
    writer: TestClient, world: World
) -> None:
    """A Thing with one Location and many Datastreams, no FeatureOfInterest made yet: the
    first lookup makes the feature and caches every Datastream of the Thing with it, instead
    of loading each one when its first reading arrives."""
    thing = writer.post(
        f"{STA}/Things",
        json={
            "name": "Gateway",
            "Locations": [
                {
                    "name": "Mast 4",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.74, 51.05]},
                }
            ],
            "Datastreams": [
                {
                    "name": f"Kanal {n}",
                    "observationType": "OM_Measurement",
                    "unitOfMeasurement": {"name": "°C", "symbol": "°C", "definition": "Cel"},
                    "Sensor": {"name": "s", "encodingType": "text/plain", "metadata": "-"},
                    "ObservedProperty": {"name": "t", "definition": "t"},
                }
                for n in range(3)
            ],
        },
    ).json()
    channels = writer.get(f"{STA}/Things({thing['@iot.id']})/Datastreams").json()["value"]
    first, *others = sorted(channel["@iot.id"] for channel in channels)
    cache = TargetCache(world.platform.sessions, 60)
    target = cache.stream("Datastream", first)
    assert target is not None
    assert target.feature_id is not None
    for other in others:
        assert cache.cached_only().stream("Datastream", other) is not None  # no I/O
        sibling = cache.stream("Datastream", other)
        assert sibling is not None
        assert sibling.feature_id == target.feature_id
    features = writer.get(f"{STA}/FeaturesOfInterest?$filter=name eq 'Mast 4'").json()
    assert len(features["value"]) == 1
