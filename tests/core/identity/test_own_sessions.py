"""Staff see their own sessions (when, which browser; no addresses) and log out everywhere
else."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import World, login

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def test_a_clerk_sees_the_sessions_and_ends_the_others(
    new_client: Callable[[], TestClient], world: World
) -> None:
    desk = new_client()
    desk.headers["User-Agent"] = FIREFOX
    phone = new_client()
    phone.headers["User-Agent"] = PHONE
    login(desk, "dd.clerk.a")
    login(phone, "dd.clerk.a")
    other = new_client()
    login(other, "dd.clerk.b")
    listed = desk.get("/auth/sessions")
    assert listed.status_code == 200
    sessions = listed.json()
    assert sorted((s["device"], s["current"]) for s in sessions) == [
        ("Firefox 133 (Linux)", True),
        ("Safari 17 (iOS)", False),
    ]
    fields = {"current", "created_at", "last_seen_at", "device", "method"}
    assert all(set(s) == fields for s in sessions)  # no address
    assert FIREFOX not in listed.text  # shortened, not the whole header
    ended = desk.delete("/auth/sessions/others")
    assert ended.status_code == 204
    assert phone.get("/auth/me").status_code == 401
    assert desk.get("/auth/me").status_code == 200
    assert other.get("/auth/me").status_code == 200  # someone else's session stays
    assert [s["current"] for s in desk.get("/auth/sessions").json()] == [True]


def test_the_list_needs_a_login_and_ending_needs_the_csrf_token(
    new_client: Callable[[], TestClient], world: World
) -> None:
    assert new_client().get("/auth/sessions").status_code == 401
    desk = new_client()
    login(desk, "dd.clerk.a")
    phone = new_client()
    login(phone, "dd.clerk.a")
    del desk.headers["X-CSRF-Token"]
    assert desk.delete("/auth/sessions/others").status_code == 403
    assert phone.get("/auth/me").status_code == 200
