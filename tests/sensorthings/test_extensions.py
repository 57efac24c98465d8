"""Latest observations and time aggregation from rollups — beyond the standard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.sensorthings.conftest import STA

API = "/dresden/api/v1/sensorthings"


def _datastream_id(client: TestClient) -> int:
    return int(client.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"])


@pytest.fixture
def two_days(writer: TestClient, bench_thing: dict[str, Any]) -> int:
    """Two days of 10-minute readings (value = minutes since midnight of day one / 10)."""
    datastream_id = _datastream_id(writer)
    for observation in writer.get(f"{STA}/Observations").json()["value"]:
        writer.delete(f"{STA}/Observations({observation['@iot.id']})")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        [(start + timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"), float(i)]
        for i in range(288)
    ]
    response = writer.post(
        f"{STA}/CreateObservations",
        json=[
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": rows,
            }
        ],
    )
    assert response.status_code == 201
    return datastream_id


def _aggregate(client: TestClient, datastream_id: int, **params: str) -> dict[str, Any]:
    response = client.get(f"{API}/datastreams/{datastream_id}/aggregate", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_hourly_from_rollups(client: TestClient, two_days: int) -> None:
    body = _aggregate(
        client,
        two_days,
        **{"from": "2026-11-01T00:00:00Z", "to": "2026-11-01T03:00:00Z", "interval": "PT1H"},
    )
    assert body["source"] == "rollup"
    first = body["value"][0]
    assert first["phenomenonTime"] == "2026-11-01T00:00:00Z/2026-11-01T01:00:00Z"
    assert (first["count"], first["min"], first["max"], first["sum"]) == (6, 0.0, 5.0, 15.0)
    assert first["avg"] == 2.5
    assert len(body["value"]) == 3


def test_daily_and_monthly(client: TestClient, two_days: int) -> None:
    daily = _aggregate(
        client,
        two_days,
        **{"from": "2026-11-01T00:00:00Z", "to": "2026-11-03T00:00:00Z", "interval": "P1D"},
    )
    assert [d["count"] for d in daily["value"]] == [144, 144]
    assert daily["value"][1]["min"] == 144.0
    monthly = _aggregate(
        client,
        two_days,
        **{"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "interval": "P1M"},
    )
    assert monthly["value"] == [
        {
            "phenomenonTime": "2026-11-01T00:00:00Z/2026-12-01T00:00:00Z",
            "count": 288,
            "sum": sum(range(288)),
            "avg": 143.5,
            "min": 0.0,
            "max": 287.0,
        }
    ]


def test_raw_intervals_and_unaligned_ranges(client: TestClient, two_days: int) -> None:
    quarter = _aggregate(
        client,
        two_days,
        **{"from": "2026-11-01T00:00:00Z", "to": "2026-11-01T01:00:00Z", "interval": "PT15M"},
    )
    assert quarter["source"] == "raw"
    assert [q["count"] for q in quarter["value"]] == [2, 1, 2, 1]
    cut = _aggregate(
        client,
        two_days,
        **{"from": "2026-11-01T00:30:00Z", "to": "2026-11-01T01:30:00Z", "interval": "PT1H"},
    )
    assert cut["source"] == "raw"
    assert cut["value"][0]["count"] == 6  # 00:30 … 01:20


def test_rollups_follow_changes_and_deletions(writer: TestClient, two_days: int) -> None:
    first = writer.get(f"{STA}/Observations?$orderby=phenomenonTime&$top=1").json()["value"][0]
    writer.patch(f"{STA}/Observations({first['@iot.id']})", json={"result": 100})
    hour = {"from": "2026-11-01T00:00:00Z", "to": "2026-11-01T01:00:00Z", "interval": "PT1H"}
    assert _aggregate(writer, two_days, **hour)["value"][0]["max"] == 100.0
    writer.delete(f"{STA}/Observations({first['@iot.id']})")
    bucket = _aggregate(writer, two_days, **hour)["value"][0]
    assert (bucket["count"], bucket["min"], bucket["max"]) == (5, 1.0, 5.0)


def test_bad_aggregation_requests(client: TestClient, two_days: int) -> None:
    url = f"{API}/datastreams/{two_days}/aggregate"
    base = {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}
    for params in (
        {**base, "interval": "PT0M"},
        {**base, "interval": "weekly"},
        {**base, "to": "2026-10-01T00:00:00Z"},
        {**base, "from": "gestern"},
        {"from": "2000-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z", "interval": "PT1M"},
    ):
        assert client.get(url, params=params).status_code == 422, params
    assert client.get(f"{API}/datastreams/999999/aggregate", params=base).status_code == 404


def test_latest_observation_per_datastream(writer: TestClient, two_days: int) -> None:
    body = writer.get(f"{API}/latest").json()["value"]
    assert len(body) == 1
    assert body[0]["Datastream"]["name"] == "Lufttemperatur"
    assert body[0]["Observation"]["result"] == 287.0
    assert body[0]["Observation"]["phenomenonTime"] == "2026-11-02T23:50:00Z"
    empty = writer.get(f"{API}/latest", params={"thing": 999999}).json()["value"]
    assert empty == []
