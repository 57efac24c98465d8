"""Retention: raw Observations go after their Datastream's (or the default) number of days;
the rollups stay longer, so aggregation over old periods still answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from smartcity.sensorthings.retention import apply_retention
from tests.conftest import World
from tests.sensorthings.conftest import STA

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
AGGREGATE = "/dresden/api/v1/sensorthings/datastreams/{}/aggregate?from={}&to={}&interval=P1D"


def _fill(writer: TestClient, datastream_id: int) -> None:
    rows = [[f"2026-{month:02d}-10T12:00:00Z", month] for month in range(1, 12)]
    created = writer.post(
        f"{STA}/CreateObservations",
        json=[
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": rows,
            }
        ],
    )
    assert "error" not in created.json()


def _raw_count(writer: TestClient, datastream_id: int) -> int:
    page = writer.get(
        f"{STA}/Datastreams({datastream_id})/Observations?$count=true&$top=1"
        "&$filter=phenomenonTime lt 2026-11-20T00:00:00Z"
    )
    count: int = page.json()["@iot.count"]
    return count


def test_old_raw_data_goes_rollups_stay(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    kept, limited = _two_datastreams(writer, bench_thing)
    for datastream_id in (kept, limited):
        _fill(writer, datastream_id)
    writer.patch(
        f"{STA}/Datastreams({limited})",
        json={"properties": {"retention": {"rawDays": 100}}},
    )

    removed = apply_retention(world.platform, NOW)

    # 100 days before 26 November: everything before 18 August goes (January … August).
    assert removed["sta_observation"] == 8
    assert _raw_count(writer, limited) == 3
    assert _raw_count(writer, kept) == 11  # no retention of its own, and none by default
    january = writer.get(
        AGGREGATE.format(limited, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    ).json()
    assert january["source"] == "rollup"
    assert january["value"][0]["count"] == 1  # the daily rollup outlives the raw data


def test_default_retention_and_rollup_retention(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    kept, limited = _two_datastreams(writer, bench_thing)
    _fill(writer, limited)
    world.platform.settings.retention_raw_days = 30
    world.platform.settings.retention_rollup_days = 200
    writer.patch(
        f"{STA}/Datastreams({kept})", json={"properties": {"retention": {"rawDays": 3650}}}
    )
    _fill(writer, kept)

    removed = apply_retention(world.platform, NOW)

    assert _raw_count(writer, kept) == 11  # its own retention beats the default
    assert _raw_count(writer, limited) == 1  # 30 days by default: only 10 November stays
    assert removed["sta_rollup"] > 0  # buckets older than 200 days, of both
    old = writer.get(
        AGGREGATE.format(limited, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    ).json()
    assert old["value"] == []


def _two_datastreams(writer: TestClient, thing: dict[str, Any]) -> tuple[int, int]:
    first = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    second = writer.post(
        f"{STA}/Things({thing['@iot.id']})/Datastreams",
        json={
            "name": "Feinstaub PM10",
            "observationType": "OM_Measurement",
            "unitOfMeasurement": {"name": "µg/m³", "symbol": "µg/m³", "definition": "ug/m3"},
            "Sensor": {"name": "SDS011", "encodingType": "text/plain", "metadata": "-"},
            "ObservedProperty": {"name": "PM10", "definition": "pm10"},
        },
    ).json()["@iot.id"]
    return first, second
