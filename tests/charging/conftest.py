"""Fixtures of the charging tests: Dresden's charging points built through the services (an
operator, two ad-hoc tariffs, three locations with five EVSEs), a roaming partner's token, a
Stadtwerke staff member, and a reporter that sends a status as the operator's backend would
(an Observation of the EVSE's status Datastream over the SensorThings API)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.charging import services
from smartcity.charging.models import Evse
from smartcity.charging.schemas import ConnectorIn, EvseIn, LocationIn, OperatorIn, TariffIn
from smartcity.core.db import transaction
from smartcity.core.identity import users
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.transit.permissions import UTILITY_STAFF
from tests.conftest import PASSWORD, World, create_observations, staff_client

AC = {
    "standard": "IEC_62196_T2",
    "format": "SOCKET",
    "power_type": "AC_3_PHASE",
    "max_voltage": 230,
    "max_amperage": 32,
}
DC = {
    "standard": "IEC_62196_T2_COMBO",
    "format": "CABLE",
    "power_type": "DC",
    "max_voltage": 920,
    "max_amperage": 400,
    "max_electric_power": 150_000,
}
# ocpi id, name, address, lat, lon, green, EVSEs (uid, evse id, connectors, tariff)
PLACES = (
    (
        "DD-ALTMARKT",
        "Altmarkt",
        "Altmarkt 10",
        51.0502,
        13.7385,
        True,
        (("ALT-1", "DE*SWD*E0001", AC, "AC"), ("ALT-2", "DE*SWD*E0002", AC, "AC")),
    ),
    (
        "DD-ALBERTPLATZ",
        "Albertplatz",
        "Albertplatz 3",
        51.0628,
        13.7466,
        True,
        (("ALB-1", "DE*SWD*E0003", AC, "AC"),),
    ),
    (
        "DD-HBF",
        "Hauptbahnhof",
        "Wiener Platz 4",
        51.0410,
        13.7322,
        False,
        (("HBF-1", "DE*SWD*E0004", DC, "DC"), ("HBF-2", "DE*SWD*E0005", DC, "DC")),
    ),
)


@dataclass
class Chargers:
    world: World
    # EVSE uid → id of its status Datastream
    datastreams: dict[str, int]


@pytest.fixture
def chargers(world: World) -> Chargers:
    with world.tenant(world.dresden) as db:
        operator = services.create_operator(
            db,
            OperatorIn(
                name="Stadtwerke Dresden",
                country_code="DE",
                party_id="SWD",
                website="https://www.example.org",
            ),
            actor="test",
        )
        tariffs = {
            "AC": services.create_tariff(
                db,
                TariffIn(
                    operator_id=operator.id, ocpi_id="AC-ADHOC", energy_price=Decimal("0.4622")
                ),
                actor="test",
            ),
            "DC": services.create_tariff(
                db,
                TariffIn(
                    operator_id=operator.id,
                    ocpi_id="DC-ADHOC",
                    energy_price=Decimal("0.5462"),
                    flat_price=Decimal("1"),
                ),
                actor="test",
            ),
        }
        for ident, name, address, lat, lon, green, evses in PLACES:
            location = services.create_location(
                db,
                LocationIn(
                    operator_id=operator.id,
                    ocpi_id=ident,
                    name=name,
                    address=address,
                    city="Dresden",
                    postal_code="01067",
                    lat=lat,
                    lon=lon,
                    parking_type="ON_STREET",
                    facilities=["TRAM_STOP"],
                    green_energy=green,
                    supplier_name="Stadtwerke Dresden",
                ),
                actor="test",
            )
            for uid, evse_id, connector, tariff in evses:
                services.add_evse(
                    db,
                    location,
                    EvseIn(
                        uid=uid,
                        evse_id=evse_id,
                        capabilities=["CREDIT_CARD_PAYABLE"],
                        tariff_id=tariffs[tariff].id,
                        connectors=[ConnectorIn.model_validate(connector)],
                    ),
                    actor="test",
                )
        found = {e.uid: e.datastream_id for e in db.scalars(select(Evse))}
    return Chargers(world, {uid: ds for uid, ds in found.items() if ds is not None})


@pytest.fixture
def token(world: World) -> str:
    with world.tenant(world.dresden) as db:
        _, secret = services.create_partner(db, "Roaming-Plattform", actor="test")
    return secret


def authorization(secret: str) -> dict[str, str]:
    """OCPI 2.2.1's header: the token in Base64."""
    return {"Authorization": "Token " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def partner(app: Any, token: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    client.headers.update(authorization(token))
    return client


Report = Callable[[str, str, datetime], None]


@pytest.fixture
def report(app: Any, chargers: Chargers) -> Report:
    """The operator's backend: a status of an EVSE at a time, as an Observation."""
    backend = TestClient(app, base_url="https://testserver")
    backend.headers["Authorization"] = (
        f"Bearer {chargers.world.api_key(chargers.world.dresden, 'sta:write')}"
    )

    def send(uid: str, status: str, at: datetime) -> None:
        create_observations(backend, chargers.datastreams[uid], [(at, status)])

    return send


@pytest.fixture
def utility(app: Any, world: World) -> TestClient:
    """A member of Dresden's Stadtwerke (role utility_staff), logged in."""
    with transaction(world.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        account = users.create_user(
            db,
            username="dd.stadtwerke",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        users.assign_role(
            db,
            account,
            UTILITY_STAFF,
            municipality=world.dresden,
            region=None,
            department=None,
            actor="test",
        )
    return staff_client(app, "dd.stadtwerke")
