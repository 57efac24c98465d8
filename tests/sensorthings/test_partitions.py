"""Monthly partitions of Observations on PostgreSQL: created ahead of time, months gathered in
the default partition moved out, and retention dropping a month as a whole when nothing in it
is to be kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from smartcity.core.platform import Platform
from smartcity.sensorthings import partitions
from smartcity.sensorthings.partitions import Month
from smartcity.sensorthings.retention import apply_retention
from tests.conftest import World, _truncate_postgres
from tests.sensorthings.conftest import STA


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Partitioning is PostgreSQL's; on SQLite the job does nothing."""
    url: str = request.getfixturevalue("postgres_database")
    _truncate_postgres(url)
    return url


def _post(writer: TestClient, datastream_id: int, times: list[str]) -> list[int]:
    created = writer.post(
        f"{STA}/CreateObservations",
        json=[
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": [[time, 1.5] for time in times],
            }
        ],
    ).json()
    return [int(link.rsplit("(", 1)[1].rstrip(")")) for link in created]


def _where(platform: Platform, ids: list[int]) -> set[str]:
    with platform.engine.connect() as connection:
        return set(
            connection.scalars(
                text(
                    "SELECT DISTINCT tableoid::regclass::text FROM sta_observation "
                    "WHERE id = ANY(:ids)"
                ),
                {"ids": ids},
            )
        )


def _stream(writer: TestClient, thing: dict[str, Any], name: str) -> int:
    created = writer.post(
        f"{STA}/Things({thing['@iot.id']})/Datastreams",
        json={
            "name": name,
            "observationType": "OM_Measurement",
            "unitOfMeasurement": {"name": "Grad Celsius", "symbol": "°C", "definition": "degC"},
            "Sensor": {"name": "DHT22", "encodingType": "text/plain", "metadata": "-"},
            "ObservedProperty": {"name": name, "definition": name},
        },
    )
    assert created.status_code == 201, created.text
    ident: int = created.json()["@iot.id"]
    return ident


def test_the_months_around_now_get_partitions_and_new_rows_land_in_them(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    partitions.maintain(world.platform, datetime(2026, 11, 26, tzinfo=UTC))
    with world.platform.engine.connect() as connection:
        present = set(partitions.months(connection))
    assert {Month(2026, 10), Month(2026, 11), Month(2027, 2)} <= present

    datastream = _stream(writer, bench_thing, "Lufttemperatur")
    ids = _post(writer, datastream, ["2026-11-26T10:00:00Z"])
    assert _where(world.platform, ids) == {"sta_observation_y2026m11"}


def test_a_month_gathered_in_the_default_partition_moves_out_unchanged(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    datastream = _stream(writer, bench_thing, "Lufttemperatur")
    ids = _post(writer, datastream, ["2025-03-01T00:00:00Z", "2025-03-31T23:59:59Z"])
    assert _where(world.platform, ids) == {"sta_observation_default"}
    before = writer.get(f"{STA}/Datastreams({datastream})/Observations").json()["value"]

    # A single row is too few for a month of its own; two are enough at this threshold.
    assert Month(2025, 3) not in partitions.maintain(world.platform, split_min_rows=3)
    assert Month(2025, 3) in partitions.maintain(world.platform, split_min_rows=2)

    assert _where(world.platform, ids) == {"sta_observation_y2025m03"}
    after = writer.get(f"{STA}/Datastreams({datastream})/Observations").json()["value"]
    assert after == before
    moved = writer.get(f"{STA}/Observations({ids[0]})")
    assert moved.status_code == 200


def test_moving_a_month_out_leaves_no_dead_rows_behind(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    """Right after a historic import the moved rows must not linger as dead tuples in the
    default partition that every read still scans, nor the new partition lack statistics."""
    datastream = _stream(writer, bench_thing, "Lufttemperatur")
    _post(writer, datastream, [f"2024-07-{day:02d}T12:00:00Z" for day in range(1, 21)])

    assert Month(2024, 7) in partitions.maintain(world.platform, split_min_rows=10)

    with world.platform.engine.connect() as connection:
        default = connection.execute(
            text(
                "SELECT n_dead_tup, last_vacuum FROM pg_stat_user_tables "
                "WHERE relname = 'sta_observation_default'"
            )
        ).one()
        analysed = connection.scalar(
            text("SELECT reltuples FROM pg_class WHERE relname = 'sta_observation_y2024m07'")
        )
    # Partitions outlive the tables' truncation between tests: leave none behind.
    with world.platform.engine.begin() as connection:
        connection.execute(text("DELETE FROM sta_observation_y2024m07"))
        partitions.drop(connection, Month(2024, 7))
    assert default.last_vacuum is not None
    assert default.n_dead_tup == 0
    assert analysed == 20  # ANALYZE counted the moved rows (-1: never analysed)


def test_retention_drops_a_month_only_when_nothing_in_it_is_kept(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    forever = _stream(writer, bench_thing, "Lufttemperatur")
    limited = _stream(writer, bench_thing, "Feinstaub")
    writer.patch(
        f"{STA}/Datastreams({limited})", json={"properties": {"retention": {"rawDays": 100}}}
    )
    _post(writer, limited, ["2024-01-15T12:00:00Z", "2024-02-15T12:00:00Z", "2024-03-15T12:00:00Z"])
    kept = _post(writer, forever, ["2024-02-20T12:00:00Z"])
    partitions.maintain(world.platform, split_min_rows=1)

    removed = apply_retention(world.platform, datetime(2024, 12, 1, tzinfo=UTC))

    with world.platform.engine.connect() as connection:
        present = set(partitions.months(connection))
    # January and March held only the limited stream's rows: dropped as a whole. February
    # also holds a reading kept forever: it stays, and the limited stream's row goes alone.
    assert Month(2024, 1) not in present
    assert Month(2024, 3) not in present
    assert Month(2024, 2) in present
    assert removed["sta_observation_partitions"] == 2
    assert removed["sta_observation"] == 1
    assert writer.get(f"{STA}/Datastreams({limited})/Observations").json()["value"] == []
    remaining = writer.get(f"{STA}/Datastreams({forever})/Observations").json()["value"]
    assert [o["@iot.id"] for o in remaining] == kept
