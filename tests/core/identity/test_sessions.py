"""Login sessions: cookie flags, new id per login, logout, idle and absolute timeouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from smartcity.core.db import utcnow
from smartcity.core.identity.models import WebSession
from tests.conftest import PASSWORD, World, login

COOKIE = "__Host-smartcity_session"


def test_login_sets_a_secure_httponly_samesite_cookie(client: TestClient, world: World) -> None:
    response = client.post("/auth/login", json={"username": "dd.admin", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(COOKIE + "=")
    for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert "domain" not in cookie.lower()


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient, world: World) -> None:
    wrong = client.post("/auth/login", json={"username": "dd.admin", "password": "nope-nope"})
    unknown = client.post("/auth/login", json={"username": "nobody", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == "application/problem+json"


def test_me_needs_a_session(client: TestClient, world: World) -> None:
    assert client.get("/auth/me").status_code == 401
    login(client, "dd.admin")
    assert client.get("/auth/me").json()["username"] == "dd.admin"


def test_each_login_issues_a_new_session_id(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    first = client.cookies.get(COOKIE)
    login(client, "dd.admin")
    second = client.cookies.get(COOKIE)
    assert first
    assert second
    assert first != second
    # the session that was replaced is gone, so a planted or stolen old id is worthless
    stale = TestClient(client.app, base_url="https://testserver")
    stale.cookies.set(COOKIE, first)
    assert stale.get("/auth/me").status_code == 401


def test_logout_invalidates_the_session_server_side(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    login(client, "dd.admin")
    token = client.cookies.get(COOKIE)
    assert client.post("/auth/logout").status_code == 204
    replay = new_client()
    replay.cookies.set(COOKIE, token or "")
    assert replay.get("/auth/me").status_code == 401


def test_unsafe_requests_with_a_session_need_the_csrf_token(
    client: TestClient, world: World
) -> None:
    login(client, "dd.admin")
    del client.headers["X-CSRF-Token"]
    response = client.post("/auth/logout")
    assert response.status_code == 403
    assert "X-CSRF-Token" in response.json()["detail"]


def _age_sessions(world: World, *, idle: timedelta, age: timedelta) -> None:
    now = utcnow()
    with world.system() as db:
        db.execute(update(WebSession).values(last_seen_at=now - idle, created_at=now - age))


def test_idle_session_expires(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    idle = world.platform.settings.session_idle_timeout
    _age_sessions(world, idle=timedelta(seconds=idle - 60), age=timedelta(hours=1))
    assert client.get("/auth/me").status_code == 200  # still within the idle timeout
    _age_sessions(world, idle=timedelta(seconds=idle + 1), age=timedelta(hours=1))
    assert client.get("/auth/me").status_code == 401


def test_active_session_still_ends_at_the_absolute_timeout(
    client: TestClient, world: World
) -> None:
    login(client, "dd.admin")
    absolute = world.platform.settings.session_absolute_timeout
    _age_sessions(world, idle=timedelta(seconds=1), age=timedelta(seconds=absolute + 1))
    assert client.get("/auth/me").status_code == 401


def test_deactivated_user_loses_the_session(client: TestClient, world: World) -> None:
    from smartcity.core.identity.models import UserAccount

    login(client, "dd.admin")
    with world.system() as db:
        db.execute(
            update(UserAccount).where(UserAccount.username == "dd.admin").values(is_active=False)
        )
    assert client.get("/auth/me").status_code == 401
