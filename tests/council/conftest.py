"""Fixtures of the council's tests: Dresden's council from the demo seeder, the council office
and a councillor as logged-in browsers, and an OParl client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.core.identity import users
from smartcity.core.identity.permissions import StaffRole
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Region
from smartcity.council.demo import Seeded, seed_council
from smartcity.council.permissions import COUNCIL_OFFICE, COUNCILLOR
from tests.conftest import PASSWORD, World
from tests.web.conftest import Browser


@pytest.fixture
def council(world: World) -> Seeded:
    portal = Portal.of(world.platform.settings)
    with world.tenant(world.dresden) as db:
        seeded = seed_council(
            db, data_dir=portal.data_dir, limits=portal.limits, now=utcnow(), meetings=6
        )
        db.expunge_all()
    return seeded


def add_staff(world: World, username: str, role: StaffRole, municipality: Any = None) -> None:
    with world.system() as db:
        account = users.create_user(
            db,
            username=username,
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        place = municipality or world.dresden
        users.assign_role(
            db,
            account,
            role,
            municipality=place,
            region=db.get(Region, place.region_id),
            actor="test",
        )


@pytest.fixture
def office(world: World, new_client: Callable[[], TestClient]) -> Browser:
    add_staff(world, "dd.council", COUNCIL_OFFICE)
    browser = Browser(new_client())
    assert browser.login("dd.council").status_code == 303
    return browser


@pytest.fixture
def councillor(world: World, new_client: Callable[[], TestClient]) -> Browser:
    add_staff(world, "dd.councillor", COUNCILLOR)
    browser = Browser(new_client())
    assert browser.login("dd.councillor").status_code == 303
    return browser


def fetch(client: TestClient, url: str, **params: str) -> Any:
    """GET an OParl URL (absolute, as the API gives them) and return its JSON."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = client.get(path, params=params or None)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    return response.json()
