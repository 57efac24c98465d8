from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from tests.conftest import create_observations

API = "/dresden/api/v1"
STA = "/dresden/sta/v1.1"


@pytest.fixture
def bench(operator: TestClient) -> dict[str, Any]:
    response = operator.post(
        f"{API}/benches", json={"name": "Bank Altmarkt", "lat": 51.0504, "lon": 13.7373}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


Measure = Callable[..., None]


@pytest.fixture
def measure(device: TestClient) -> Measure:
    """Send readings of one quantity of a bench: values spread over the given minutes ago."""

    def send(bench: dict[str, Any], key: str, *values: Any, minutes_ago: int = 5) -> None:
        now = utcnow()
        rows = [(now - timedelta(minutes=minutes_ago + i), v) for i, v in enumerate(values)]
        create_observations(device, bench["datastreams"][key], rows)

    return send
