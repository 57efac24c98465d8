"""`SMARTCITY_MFA_REQUIRED_ROLES`: holders of these roles (in any municipality) set up a
second factor before they can do anything else with a password login."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
import pytest
from fastapi.testclient import TestClient

from smartcity.core.identity import users
from smartcity.core.identity.permissions import Role
from smartcity.core.settings import Settings
from tests.conftest import PASSWORD, World, login


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"mfa_required_roles": "admin,region_admin"})


def test_an_admin_must_set_up_an_app_before_anything_else(client: TestClient, world: World) -> None:
    answer = client.post("/auth/login", json={"username": "dd.admin", "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.json()["next_step"] == "enrol"
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    assert client.get("/auth/me").status_code == 401
    assert client.get("/dresden/api/v1/staff").status_code == 401
    assert client.post("/auth/mfa", json={"code": "123456"}).status_code == 401
    started = client.post("/auth/mfa/totp")
    assert started.status_code == 200
    first_code = pyotp.TOTP(started.json()["secret"]).now()
    confirmed = client.post("/auth/mfa/totp/confirm", json={"code": first_code})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["next_step"] is None
    assert len(confirmed.json()["recovery_codes"]) == 10
    client.headers["X-CSRF-Token"] = confirmed.json()["csrf_token"]
    assert client.get("/dresden/api/v1/staff").status_code == 200
    assert client.get("/auth/mfa").json()["required"] is True
    # From now on the admin logs in with two steps.
    later = TestClient(client.app, base_url="https://testserver")
    step = later.post("/auth/login", json={"username": "dd.admin", "password": PASSWORD})
    assert step.json()["next_step"] == "mfa"
    later.headers["X-CSRF-Token"] = step.json()["csrf_token"]
    next_code = pyotp.TOTP(started.json()["secret"]).at(time.time() + 30)
    assert later.post("/auth/mfa", json={"code": next_code}).json()["next_step"] is None


def test_other_roles_are_not_asked(client: TestClient, world: World) -> None:
    login(client, "dd.clerk.a")
    assert client.get("/dresden/api/v1").status_code == 200


def test_a_role_given_during_a_session_stops_it_until_the_app_is_set_up(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    login(client, "dd.clerk.a")
    assert client.get("/dresden/api/v1").status_code == 200
    with world.system() as db:
        clerk = db.get(type(world.accounts["dd.clerk.a"]), world.accounts["dd.clerk.a"].id)
        users.assign_role(db, clerk, Role.ADMIN, municipality=world.dresden, actor="test")
    assert client.get("/dresden/api/v1").status_code == 401
    assert client.post("/auth/mfa/totp").status_code == 200  # the way forward stays open


def test_a_role_in_another_municipality_also_stops_the_session(
    client: TestClient, world: World
) -> None:
    login(client, "dd.clerk.a")
    assert client.get("/dresden/api/v1").status_code == 200
    with world.system() as db:
        clerk = db.get(type(world.accounts["dd.clerk.a"]), world.accounts["dd.clerk.a"].id)
        users.assign_role(db, clerk, Role.ADMIN, municipality=world.radebeul, actor="test")
    # The admin role is in Radebeul; the session is stopped in Dresden as well.
    assert client.get("/dresden/api/v1").status_code == 401
    assert client.post("/auth/mfa/totp").status_code == 200
