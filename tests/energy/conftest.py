"""Fixtures of the energy tests: a Dresden school with an electricity, a heat and a gas
meter built through the services, an energy manager logged in like a browser, and readings
sent as a device would (Observations over the SensorThings API)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.core.db import transaction
from smartcity.core.identity import users
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.energy import services
from smartcity.energy.permissions import ENERGY_MANAGER
from smartcity.energy.schemas import BuildingIn, MeterIn
from tests.conftest import PASSWORD, World
from tests.web.conftest import Browser

STAFF = "/dresden/verwaltung/energie"


@dataclass
class School:
    building_id: int
    # meter number → id of its Datastream
    datastreams: dict[str, int]


@pytest.fixture
def school(world: World) -> School:
    with world.tenant(world.dresden) as db:
        building = services.create_building(
            db,
            BuildingIn(
                name="Grundschule Altmarkt",
                address="Altmarkt 1",
                postal_code="01067",
                city="Dresden",
                use_type="school",
                floor_area_m2=2000,
                lat=51.0502,
                lon=13.7385,
            ),
            actor="test",
        )
        meters = [
            services.add_meter(db, building, MeterIn(kind="electricity", number="S-1"), actor="t"),
            services.add_meter(
                db, building, MeterIn(kind="heat", number="W-1", digits=5), actor="t"
            ),
            services.add_meter(
                db, building, MeterIn(kind="gas", number="G-1", kwh_per_m3=10.0), actor="t"
            ),
        ]
        found = {m.number: m.datastream_id for m in meters if m.datastream_id is not None}
        return School(building.id, found)


@pytest.fixture
def manager(world: World, new_client: Callable[[], TestClient]) -> Browser:
    """Dresden's energy manager (role energy_manager), logged in."""
    with transaction(world.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        account = users.create_user(
            db,
            username="dd.energie",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        users.assign_role(
            db,
            account,
            ENERGY_MANAGER,
            municipality=world.dresden,
            region=None,
            department=None,
            actor="test",
        )
    browser = Browser(new_client())
    browser.login("dd.energie")
    return browser


def csv_file(*lines: str) -> dict[str, Any]:
    return {"file": ("zaehlerstaende.csv", "\n".join(lines).encode(), "text/csv")}
