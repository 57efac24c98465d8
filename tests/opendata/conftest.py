from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.tenancy.models import Municipality
from smartcity.modules import installed_modules
from smartcity.opendata import demo, services
from smartcity.opendata.models import PUBLISHED
from tests.conftest import PASSWORD, World
from tests.sensorthings.conftest import THING_WITH_EVERYTHING

CATALOG = "/dresden/dcat/catalog"


def web_staff(app: Any, username: str) -> TestClient:
    """A staff member's browser, logged in through the login page."""
    client = TestClient(app, base_url="https://testserver")
    client.get("/anmelden")
    response = submit(client, "/anmelden", {"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def steward(app: Any, world: World) -> TestClient:
    """The data officer: a data steward of Dresden (holds opendata.manage)."""
    return web_staff(app, "dd.steward")


def last_month() -> datetime:
    """Noon of the 15th of the month before this one (UTC): in a closed month."""
    now = utcnow()
    first = datetime(now.year, now.month, 1, 12, tzinfo=UTC)
    return (first - timedelta(days=1)).replace(day=15)


def public_sensor(app: Any, world: World, municipality: Municipality, at: datetime) -> int:
    """A public Thing with a temperature Datastream and three hourly Observations from `at`,
    created by a device through the SensorThings API; the Datastream's id."""
    device = TestClient(app)
    device.headers["Authorization"] = f"Bearer {world.api_key(municipality, 'sta:write')}"
    thing = copy.deepcopy(THING_WITH_EVERYTHING)
    thing["Datastreams"][0]["Observations"] = [
        {"phenomenonTime": (at + timedelta(hours=h)).isoformat(), "result": 3.5 + h}
        for h in range(3)
    ]
    created = device.post(f"/{municipality.slug}/sta/v1.1/Things", json=thing)
    assert created.status_code == 201, created.text
    streams = device.get(
        f"/{municipality.slug}/sta/v1.1/Things({created.json()['@iot.id']})/Datastreams"
    )
    stream_id: int = streams.json()["value"][0]["@iot.id"]
    return stream_id


@pytest.fixture
def demo_catalogue(app: Any, world: World) -> World:
    """The open-data demo: every dataset the installed modules declare released in both
    municipalities (with a public sensor that measured last month, so that the monthly
    series of the sensors has a member), and datasets registered by hand, through the
    module's demo seeder."""
    for municipality in (world.dresden, world.radebeul):
        public_sensor(app, world, municipality, last_month())
    demo.seed(
        DemoContext(
            world.platform,
            {"dresden": world.dresden, "radebeul": world.radebeul},
            say=lambda text: None,
            modules=installed_modules(),
        )
    )
    return world


def submit(
    client: TestClient,
    path: str,
    data: dict[str, Any],
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> httpx.Response:
    """Post a page's form as the browser does: with the CSRF token of its cookie."""
    token = client.cookies.get("__Host-smartcity_csrf")
    if token is None:
        client.get("/anmelden")  # a page with a form sets the token's cookie
        token = client.cookies.get("__Host-smartcity_csrf")
    response: httpx.Response = client.post(
        path, data={**data, "csrf_token": token}, files=files, follow_redirects=False
    )
    return response


def parse(response: Any, kind: str = "turtle") -> Graph:
    assert response.status_code == 200, response.text
    graph = Graph()
    graph.parse(data=response.content, format=kind)
    return graph


def released(world: World) -> int:
    """How many module datasets the demo released in Dresden, the members of the modules'
    series included (a declaration outside the EU tables is not released)."""
    with world.tenant(world.dresden) as db:
        return sum(d.status == PUBLISHED for d in services.released(db).values()) + sum(
            len(services.series_members(db, series))
            for series in services.released_series(db).values()
        )
