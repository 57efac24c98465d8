from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.open311.demo import CATEGORIES
from tests.conftest import World

BASE = "/dresden/open311/v2"


@pytest.fixture
def categories(admin: TestClient) -> None:
    for category in CATEGORIES:
        response = admin.put("/dresden/api/v1/open311/categories", json=category)
        assert response.status_code == 200, response.text


@pytest.fixture
def app_key(world: World) -> str:
    """The key of a reporting app (scope open311:write)."""
    return world.api_key(world.dresden, "open311:write")


def report(client: TestClient, key: str, **fields: Any) -> Any:
    data = {
        "api_key": key,
        "service_code": "strassenschaden",
        "lat": "51.0493",
        "long": "13.7381",
        "description": "Schlagloch",
        "attribute[flaeche]": "fahrbahn",
        **fields,
    }
    return client.post(
        f"{BASE}/requests.json", data={k: v for k, v in data.items() if v is not None}
    )
