"""The ParkenDD interface: what existing parking apps read, checked against ParkAPI's schema."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from smartcity.core.db import utcnow
from tests.parking.conftest import Publish, car_park, with_counter

SCHEMA = json.loads((Path(__file__).parent / "parkendd_city.schema.json").read_text())

pytestmark = pytest.mark.usefixtures("dresden_parks")


def _valid(document: object) -> None:
    validator = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_lots_match_the_parkendd_schema(
    client: TestClient, operator: TestClient, publish: Publish
) -> None:
    publish(with_counter(operator, "dresdenaltmarkt")["datastream_id"], 235)
    operator.patch(
        f"/dresden/api/v1/parking/car-parks/{car_park(client, 'dresdenkarstadt')['id']}",
        json={"closed": True},
    )
    answer = client.get("/dresden/parkendd/").json()
    _valid(answer)
    lots = {lot["id"]: lot for lot in answer["lots"]}
    assert len(lots) == 57
    altmarkt = lots["dresdenaltmarkt"]
    assert altmarkt["free"] == 235
    assert altmarkt["total"] == 400
    assert altmarkt["state"] == "open"
    assert altmarkt["coords"] == {"lat": 51.05031, "lng": 13.73754}
    assert altmarkt["lot_type"] == "Tiefgarage"
    assert altmarkt["forecast"] is False
    assert lots["dresdenkarstadt"]["state"] == "closed"
    assert lots["dresdenprohlis"]["state"] == "nodata"
    # Always both numbers (strictly typed apps decode them as required), the state says why.
    assert lots["dresdenprohlis"]["free"] == 0
    assert isinstance(lots["dresdenprohlis"]["total"], int)
    # Times as ParkAPI writes them: UTC, no offset.
    assert datetime.fromisoformat(answer["last_updated"]).tzinfo is None


def test_the_parkapi_layout_lists_cities_and_serves_the_same_lots(client: TestClient) -> None:
    meta = client.get("/parkendd/").json()
    assert meta["cities"] == {"Dresden": "dresden", "Radebeul": "radebeul"}
    assert meta["api_version"] == "1.0"
    by_city = client.get("/parkendd/dresden").json()
    _valid(by_city)
    assert by_city["lots"] == client.get("/dresden/parkendd/").json()["lots"]
    assert client.get("/parkendd/nowhere").status_code == 404


def test_timespan_gives_the_history_of_a_lot(
    client: TestClient, operator: TestClient, publish: Publish
) -> None:
    datastream = with_counter(operator, "dresdenaltmarkt")["datastream_id"]
    for minutes, free in ((50, 200), (35, 190), (20, 170)):
        publish(datastream, free, ago=timedelta(minutes=minutes))
    now = utcnow().replace(tzinfo=None, microsecond=0)
    response = client.get(
        "/parkendd/dresden/dresdenaltmarkt/timespan",
        params={
            "version": "1.1",
            "from": (now - timedelta(minutes=40)).isoformat(),
            "to": now.isoformat(),
        },
    )
    assert response.status_code == 200
    assert [point["free"] for point in response.json()["data"]] == [190, 170]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("yesterday", "2026-11-27T00:00:00", "'from' must be an ISO date"),
        ("2026-11-27T00:00:00", "2026-11-26T00:00:00", "must lie after"),
        ("2026-11-01T00:00:00", "2026-11-20T00:00:00", "at most 7 days"),
    ],
)
def test_a_bad_timespan_is_refused_with_a_reason(
    client: TestClient, start: str, end: str, message: str
) -> None:
    response = client.get(
        "/dresden/parkendd/dresdenaltmarkt/timespan", params={"from": start, "to": end}
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_timespan_of_an_unknown_lot_is_not_found(client: TestClient) -> None:
    response = client.get(
        "/dresden/parkendd/dresdennirgendwo/timespan",
        params={"from": "2026-11-20T00:00:00", "to": "2026-11-21T00:00:00"},
    )
    assert response.status_code == 404
