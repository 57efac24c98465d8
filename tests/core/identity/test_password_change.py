"""Staff change their own password: the current one first, the policy for the new one, and
afterwards no session from before is left (on any device)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, World, login

NEW = "a much longer passphrase, 2026"


def test_a_clerk_changes_the_password_and_other_devices_are_logged_out(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    laptop = new_client()
    login(laptop, "dd.admin")
    login(client, "dd.admin")
    changed = client.post(
        "/auth/password", json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert changed.status_code == 200, changed.text
    client.headers["X-CSRF-Token"] = changed.json()["csrf_token"]
    assert client.get("/auth/me").json()["username"] == "dd.admin"  # this one goes on
    assert laptop.get("/auth/me").status_code == 401
    old = new_client().post("/auth/login", json={"username": "dd.admin", "password": PASSWORD})
    assert old.status_code == 401
    login(new_client(), "dd.admin", NEW)


def test_the_current_password_must_be_right_and_guesses_are_throttled(
    client: TestClient, world: World
) -> None:
    login(client, "dd.admin")
    guesses = [
        client.post(
            "/auth/password", json={"current_password": f"guess {n}", "new_password": NEW}
        ).status_code
        for n in range(4)
    ]
    # login_max_failures is 3 in the tests: then the account waits, as after failed logins.
    assert guesses == [403, 403, 403, 429]
    assert client.get("/auth/me").status_code == 200  # the session itself stays


def test_the_new_password_follows_the_policy(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    for weak in ("short", "11111111", "dd.admin"):
        refused = client.post(
            "/auth/password", json={"current_password": PASSWORD, "new_password": weak}
        )
        assert refused.status_code == 422, weak
        assert "password" in refused.json()["errors"]
    login(TestClient(client.app, base_url="https://testserver"), "dd.admin", PASSWORD)
