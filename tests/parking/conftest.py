from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.parking.services import import_geojson
from tests.conftest import World

DRESDEN = Path(__file__).resolve().parents[2] / "src/smartcity/parking/demo_data/Dresden.geojson"
API = "/dresden/api/v1/parking"
STA = "/dresden/sta/v1.1"


@pytest.fixture
def dresden_parks(world: World) -> None:
    with world.tenant(world.dresden) as db:
        import_geojson(db, json.loads(DRESDEN.read_text()), city="Dresden", actor="test")


Publish = Callable[..., None]


@pytest.fixture
def publish(device: TestClient) -> Publish:
    def send(datastream_id: int, result: Any, *, ago: timedelta = timedelta(minutes=2)) -> None:
        at: datetime = utcnow() - ago
        response = device.post(
            f"{STA}/Datastreams({datastream_id})/Observations",
            json={"phenomenonTime": at.isoformat(), "result": result},
        )
        assert response.status_code == 201, response.text

    return send


def car_park(client: TestClient, external_id: str) -> dict[str, Any]:
    parks = client.get(f"{API}/car-parks").json()
    return next(p for p in parks if p["external_id"] == external_id)


def with_counter(operator: TestClient, external_id: str) -> dict[str, Any]:
    park = car_park(operator, external_id)
    response = operator.post(f"{API}/car-parks/{park['id']}/counter")
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found
