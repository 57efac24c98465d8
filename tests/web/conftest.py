"""Web front end tests. Pages are read as a browser would (HTML forms with their CSRF
field, cookies, redirects). They run on SQLite only: the pages sit on the services, which the
module tests run on both databases."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from smartcity.core.settings import Settings
from smartcity.open311.demo import CATEGORIES
from smartcity.watermeter import services as watermeter
from tests.citizen.conftest import PDF, adopt, define_service, mails, staff
from tests.conftest import PASSWORD, World
from tests.web.tile_server import TileServer, tile_server

__all__ = ["PDF", "mails"]


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "smartcity.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Tests make no request to a third party, map tiles included.
    return settings.model_copy(update={"map_tile_url": ""})


@pytest.fixture
def tiles() -> Iterator[TileServer]:
    """A map tile server on 127.0.0.1 (the browser tests with maps configure it as the tiles)."""
    with tile_server() as served:
        yield served


class Browser:
    """A TestClient used like a browser: forms carry the CSRF token from the cookie."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(path, **kwargs)
        return response

    def csrf(self) -> str:
        token: str | None = self.client.cookies.get("__Host-smartcity_csrf")
        if token is None:
            self.client.get("/anmelden")  # a page with a form sets the token's cookie
            token = self.client.cookies.get("__Host-smartcity_csrf")
        assert token is not None
        return token

    def submit(
        self,
        path: str,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        fields: list[tuple[str, str]] = (
            list(data.items()) if isinstance(data, dict) else list(data or [])
        )
        fields.append(("csrf_token", self.csrf()))
        form: dict[str, list[str]] = {}
        for name, value in fields:
            form.setdefault(name, []).append(value)
        response: httpx.Response = self.client.post(
            path, data=form, files=files, follow_redirects=False
        )
        return response

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/anmelden")
        return self.submit("/anmelden", {"username": username, "password": password})


@pytest.fixture
def browser(new_client: Callable[[], TestClient]) -> Callable[[], Browser]:
    return lambda: Browser(new_client())


def main_text(response: httpx.Response) -> str:
    """The page's main content without tags, whitespace collapsed."""
    found = re.search(r"<main.*?</main>", response.text, re.S)
    text = re.sub(r"<[^>]+>", " ", found.group(0) if found else response.text)
    return " ".join(text.split())


@pytest.fixture
def dog_tax(world: World, new_client: Callable[[], TestClient]) -> str:
    from smartcity.citizen.examples import DOG_TAX_SCHEMA, DOG_TAX_TEMPLATE, DOG_TAX_UI

    define_service(staff(new_client, "region.admin"), DOG_TAX_TEMPLATE, DOG_TAX_SCHEMA, DOG_TAX_UI)
    adopt(staff(new_client, "dd.admin"), "dresden", DOG_TAX_TEMPLATE["key"], department="Bürgeramt")
    return str(DOG_TAX_TEMPLATE["key"])


@pytest.fixture
def meters(world: World) -> None:
    last = (date.today() - timedelta(days=365)).isoformat()
    with world.tenant(world.dresden) as db:
        watermeter.import_csv(
            db,
            world.dresden,
            "meter_number;address;digits;last_reading;last_reading_date;persons\n"
            f"WZ-1;Altmarkt 1;5;100,000;{last};2\n",
            "test",
        )


@pytest.fixture
def report_categories(world: World, new_client: Callable[[], TestClient]) -> None:
    admin = staff(new_client, "dd.admin")
    for category in CATEGORIES:
        response = admin.put("/dresden/api/v1/open311/categories", json=category)
        assert response.status_code == 200, response.text
