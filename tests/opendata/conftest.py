from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from smartcity.core.demo import DemoContext
from smartcity.modules import installed_modules
from smartcity.opendata import demo, services
from smartcity.opendata.models import PUBLISHED
from tests.conftest import PASSWORD, World

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


@pytest.fixture
def demo_catalogue(world: World) -> World:
    """The open-data demo: every dataset the installed modules declare released in both
    municipalities, and a dataset registered by hand, through the module's demo seeder."""
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
        client.get("/")
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
    """How many module datasets the demo released in Dresden (a declaration outside the EU
    tables is not)."""
    with world.tenant(world.dresden) as db:
        return sum(d.status == PUBLISHED for d in services.released(db).values())
