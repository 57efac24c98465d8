"""A user name is one name whatever its case: no second account with another spelling, and
the login finds the account however it is typed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from smartcity.core.db import table_of
from smartcity.core.identity.models import UserAccount
from tests.conftest import PASSWORD, World, login


def test_a_second_spelling_of_a_name_is_refused(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    response = client.post(
        "/dresden/api/v1/staff",
        json={"username": "DD.Clerk.A", "password": "a new and long passphrase", "role": "auditor"},
    )
    assert response.status_code == 409, response.text
    assert "DD.Clerk.A" in response.json()["detail"]


def test_the_database_refuses_a_second_spelling_too(world: World) -> None:
    with pytest.raises(IntegrityError), world.tenant(world.dresden) as db:
        db.execute(
            insert(table_of(UserAccount)).values(
                username="Dd.Admin", display_name="x", is_active=True
            )
        )


def test_login_finds_the_account_in_any_case(client: TestClient, world: World) -> None:
    client.base_url = client.base_url.copy_with(scheme="https")  # the session cookie is Secure
    response = client.post("/auth/login", json={"username": " DD.Admin ", "password": PASSWORD})
    assert response.status_code == 200
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    assert client.get("/auth/me").json()["username"] == "dd.admin"
