"""Login throttling: after the configured failures, even the right password waits."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, World


def test_too_many_failures_throttle_the_account(client: TestClient, world: World) -> None:
    limit = world.platform.settings.login_max_failures
    for _ in range(limit):
        response = client.post("/auth/login", json={"username": "dd.admin", "password": "x" * 9})
        assert response.status_code == 401
    blocked = client.post("/auth/login", json={"username": "dd.admin", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    # another account from the same office is not locked by it
    other = client.post("/auth/login", json={"username": "dd.operator", "password": PASSWORD})
    assert other.status_code == 200


def test_user_name_case_does_not_bypass_throttling(client: TestClient, world: World) -> None:
    limit = world.platform.settings.login_max_failures
    for index in range(limit):
        name = "DD.ADMIN" if index % 2 else "dd.admin"
        client.post("/auth/login", json={"username": name, "password": "x" * 9})
    blocked = client.post("/auth/login", json={"username": "Dd.Admin", "password": PASSWORD})
    assert blocked.status_code == 429


def test_failures_are_stored_without_names_or_addresses(client: TestClient, world: World) -> None:
    from sqlalchemy import select

    from smartcity.core.identity.models import LoginFailure

    client.post("/auth/login", json={"username": "dd.admin", "password": "x" * 9})
    with world.system() as db:
        failure = db.scalars(select(LoginFailure)).one()
    assert "dd.admin" not in failure.username_key
    assert len(failure.username_key) == 64
    assert "testclient" not in failure.client_key
