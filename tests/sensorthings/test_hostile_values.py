"""Values that are valid JSON or OData but beyond what can be computed or stored (issue 20.6):
each is a 400 naming the problem (or a 503 with Retry-After when the database is busy),
never a 500, and nothing is stored half."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.sensorthings.conftest import STA

HOSTILE_FILTERS = [
    "phenomenonTime gt now() sub duration'P999999999999D'",
    "phenomenonTime lt now() add duration'PT99999999999999999999S'",
    "phenomenonTime gt now() sub duration'P3000000D'",
]


@pytest.mark.parametrize("expression", HOSTILE_FILTERS)
def test_out_of_range_filter_literals_are_400(
    client: TestClient, bench_thing: dict[str, Any], expression: str
) -> None:
    response = client.get(f"{STA}/Observations", params={"$filter": expression})
    assert response.status_code == 400, response.text
    assert "out" in response.json()["message"]


def _datastream(bench_thing: dict[str, Any], writer: TestClient) -> int:
    link = bench_thing["Datastreams@iot.navigationLink"]
    ident: int = writer.get(link).json()["value"][0]["@iot.id"]
    return ident


def test_a_result_of_401_digits_is_400(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    datastream = _datastream(bench_thing, writer)
    body = '{"phenomenonTime": "2026-11-26T11:00:00Z", "result": 1' + "0" * 400 + "}"
    headers = {"content-type": "application/json"}
    for path in (f"Datastreams({datastream})/Observations", "Observations"):
        sent = (
            body
            if path != "Observations"
            else body[:-1] + f', "Datastream": {{"@iot.id": {datastream}}}}}'
        )
        response = writer.post(f"{STA}/{path}", content=sent, headers=headers)
        assert response.status_code == 400, response.text
        assert "too large" in response.json()["message"]
    assert len(writer.get(f"{STA}/Datastreams({datastream})/Observations").json()["value"]) == 3


def test_a_lone_surrogate_is_400(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    datastream = _datastream(bench_thing, writer)
    headers = {"content-type": "application/json"}
    bodies = {
        "Things": '{"name": "Bank \\ud800", "description": ""}',
        f"Datastreams({datastream})/Observations": (
            '{"phenomenonTime": "2026-11-26T11:00:00Z", "result": "\\uD800x"}'
        ),
        "CreateObservations": (
            f'[{{"Datastream": {{"@iot.id": {datastream}}}, '
            '"components": ["phenomenonTime", "result"], '
            '"dataArray": [["2026-11-26T11:00:00Z", "\\udfff"]]}]'
        ),
    }
    for path, body in bodies.items():
        response = writer.post(f"{STA}/{path}", content=body, headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert "surrogate" in response.json()["message"]
    # A proper pair is text like any other.
    pair = (
        '{"phenomenonTime": "2026-11-26T11:00:00Z", "result": 1, '
        '"parameters": {"m": "\\ud83d\\ude00"}}'
    )
    created = writer.post(
        f"{STA}/Datastreams({datastream})/Observations", content=pair, headers=headers
    )
    assert created.status_code == 201, created.text


def test_the_device_path_answers_503_while_the_database_is_locked(
    writer: TestClient, bench_thing: dict[str, Any], backend: str, database_url: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the write lock of a file is SQLite's")
    datastream = _datastream(bench_thing, writer)
    engine = writer.app.state.platform.engine  # type: ignore[attr-defined]
    # Wait 0.2 s for a lock instead of 30 s, so the test is quick.
    event.listen(
        engine, "connect", lambda connection, _record: connection.execute("PRAGMA busy_timeout=200")
    )
    engine.dispose()
    writer.app.state.ingest.keys.clear()  # type: ignore[attr-defined]
    writer.app.state.ingest.targets.clear()  # type: ignore[attr-defined]
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = writer.post(
            f"{STA}/Datastreams({datastream})/Observations",
            json={"phenomenonTime": "2026-11-26T11:00:00Z", "result": 1},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"]
    assert "retry" in response.json()["message"]
