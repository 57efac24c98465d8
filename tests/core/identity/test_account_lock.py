"""An administrator locks a staff account: its sessions end at once and it cannot log in
until it is opened again. An account that also works for another municipality is locked by
the region administration only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from smartcity.core.identity import users
from smartcity.core.identity.permissions import Role
from tests.conftest import PASSWORD, World, staff_client

STAFF = "/dresden/api/v1/staff"


def _id(world: World, username: str) -> int:
    return world.accounts[username].id


def test_a_locked_clerk_is_logged_out_at_once_and_cannot_log_in(
    client: TestClient, world: World
) -> None:
    clerk = staff_client(client.app, "dd.clerk.a")
    admin = staff_client(client.app, "dd.admin")
    locked = admin.put(f"{STAFF}/{_id(world, 'dd.clerk.a')}/active", json={"active": False})
    assert locked.status_code == 200
    assert locked.json()["is_active"] is False
    assert clerk.get("/auth/me").status_code == 401
    again = TestClient(client.app, base_url="https://testserver")
    refused = again.post("/auth/login", json={"username": "dd.clerk.a", "password": PASSWORD})
    assert refused.status_code == 401

    opened = admin.put(f"{STAFF}/{_id(world, 'dd.clerk.a')}/active", json={"active": True})
    assert opened.json()["is_active"] is True
    staff_client(client.app, "dd.clerk.a")  # logs in again


def test_only_administrators_lock_and_nobody_locks_themselves(
    client: TestClient, world: World
) -> None:
    clerk = staff_client(client.app, "dd.clerk.a")
    target = f"{STAFF}/{_id(world, 'dd.clerk.b')}/active"
    assert clerk.put(target, json={"active": False}).status_code == 403
    admin = staff_client(client.app, "dd.admin")
    itself = admin.put(f"{STAFF}/{_id(world, 'dd.admin')}/active", json={"active": False})
    assert itself.status_code == 409
    assert admin.get("/auth/me").status_code == 200


def test_an_account_of_two_municipalities_is_the_region_administrations_to_lock(
    client: TestClient, world: World
) -> None:
    with world.system() as db:
        user = db.merge(world.accounts["dd.operator"])
        users.assign_role(
            db, user, Role.OPERATOR, municipality=db.merge(world.radebeul), actor="test"
        )
    target = f"{STAFF}/{_id(world, 'dd.operator')}/active"
    refused = staff_client(client.app, "dd.admin").put(target, json={"active": False})
    assert refused.status_code == 409
    assert "region" in refused.json()["detail"]
    region = staff_client(client.app, "region.admin").put(target, json={"active": False})
    assert region.status_code == 200
    assert region.json()["is_active"] is False
