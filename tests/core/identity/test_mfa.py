"""A second factor for password logins: an authenticator app (TOTP) with recovery codes.
Once it is set up, the password alone opens nothing; the code step is throttled like the
password step, and every code counts once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient

from smartcity.core import sealing
from smartcity.core.identity.models import TotpCredential
from tests.conftest import PASSWORD, World, login


def code(secret: str, steps_ahead: int = 1) -> str:
    """A code of a later time step than any used before (codes count once per step)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def set_up_app(client: TestClient) -> tuple[str, list[str]]:
    """Enrol the logged-in client's account; returns the secret and the recovery codes."""
    started = client.post("/auth/mfa/totp")
    assert started.status_code == 200, started.text
    secret: str = started.json()["secret"]
    confirmed = client.post("/auth/mfa/totp/confirm", json={"code": code(secret, 0)})
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


def password_step(client: TestClient, username: str) -> dict[str, Any]:
    answer = client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    body: dict[str, Any] = answer.json()
    return body


def test_a_clerk_sets_up_an_app_and_then_logs_in_in_two_steps(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    login(client, "dd.clerk.a")
    assert client.get("/auth/mfa").json() == {
        "totp": False,
        "passkeys": 0,
        "required": False,
        "recovery_codes_left": 0,
    }
    started = client.post("/auth/mfa/totp")
    assert started.status_code == 200
    enrolment = started.json()
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={enrolment['secret']}" in enrolment["otpauth_uri"]
    assert enrolment["qr_svg"].startswith("<svg")  # drawn here: no other server is asked
    wrong = client.post("/auth/mfa/totp/confirm", json={"code": "000000"})
    assert wrong.status_code == 401
    assert client.get("/auth/mfa").json()["totp"] is False
    confirmed = client.post("/auth/mfa/totp/confirm", json={"code": code(enrolment["secret"], 0)})
    assert confirmed.status_code == 200
    assert len(set(confirmed.json()["recovery_codes"])) == 10
    assert client.get("/auth/mfa").json() == {
        "totp": True,
        "passkeys": 0,
        "required": False,
        "recovery_codes_left": 10,
    }
    assert client.post("/auth/mfa/totp").status_code == 409  # set up already

    laptop = new_client()
    first = password_step(laptop, "dd.clerk.a")
    assert first["next_step"] == "mfa"
    # The password alone opens nothing.
    assert laptop.get("/auth/me").status_code == 401
    assert laptop.get("/dresden/api/v1").status_code == 401
    assert laptop.get("/auth/sessions").status_code == 401
    pending_cookie = laptop.cookies.get("__Host-smartcity_session")
    assert laptop.post("/auth/mfa", json={"code": "123456"}).status_code == 401
    # Digits of another script are a wrong code, not a server error.
    assert laptop.post("/auth/mfa", json={"code": "١٢٣٤٥٦"}).status_code == 401
    second = laptop.post("/auth/mfa", json={"code": code(enrolment["secret"])})
    assert second.status_code == 200, second.text
    assert second.json()["next_step"] is None
    assert laptop.cookies.get("__Host-smartcity_session") != pending_cookie  # a new session
    laptop.headers["X-CSRF-Token"] = second.json()["csrf_token"]
    assert laptop.get("/auth/me").json()["username"] == "dd.clerk.a"
    assert laptop.get("/dresden/api/v1").status_code == 200


def test_every_code_counts_once_and_recovery_codes_too(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    login(client, "dd.clerk.a")
    secret, recovery = set_up_app(client)
    once = code(secret)
    first = new_client()
    password_step(first, "dd.clerk.a")
    assert first.post("/auth/mfa", json={"code": once}).status_code == 200
    replay = new_client()
    password_step(replay, "dd.clerk.a")
    assert replay.post("/auth/mfa", json={"code": once}).status_code == 401
    # The app is lost: a recovery code (typed in capitals and without dashes) works once.
    assert (
        replay.post("/auth/mfa", json={"code": recovery[0].upper().replace("-", "")}).status_code
        == 200
    )
    again = new_client()
    password_step(again, "dd.clerk.a")
    assert again.post("/auth/mfa", json={"code": recovery[0]}).status_code == 401
    assert again.post("/auth/mfa", json={"code": recovery[1]}).status_code == 200


def test_guessing_codes_is_throttled_like_passwords(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    login(client, "dd.clerk.a")
    secret, _ = set_up_app(client)
    attacker = new_client()
    password_step(attacker, "dd.clerk.a")
    answers = [attacker.post("/auth/mfa", json={"code": f"{n:06d}"}).status_code for n in range(4)]
    # login_max_failures is 3 in the tests; then even the right code waits.
    assert answers == [401, 401, 401, 429]
    assert attacker.post("/auth/mfa", json={"code": code(secret)}).status_code == 429
    assert "Retry-After" in attacker.post("/auth/mfa", json={"code": "1"}).headers


def test_the_step_needs_the_password_first_and_its_csrf_token(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    login(client, "dd.clerk.a")
    secret, _ = set_up_app(client)
    stranger = new_client()
    assert stranger.post("/auth/mfa", json={"code": code(secret)}).status_code == 401
    # A full session is no login waiting for a code.
    assert client.post("/auth/mfa", json={"code": code(secret)}).status_code == 401
    forged = new_client()
    password_step(forged, "dd.clerk.a")
    del forged.headers["X-CSRF-Token"]
    assert forged.post("/auth/mfa", json={"code": code(secret)}).status_code == 403


def test_the_seed_is_sealed_with_the_server_secret(
    client: TestClient, world: World, settings: Any
) -> None:
    login(client, "dd.clerk.a")
    secret, _ = set_up_app(client)
    user_id = world.accounts["dd.clerk.a"].id
    with world.system() as db:
        stored = db.get(TotpCredential, user_id)
        assert stored is not None
        sealed = stored.secret_sealed
    assert secret not in sealed
    owner = f"user:{user_id}"
    key = settings.secret_key.get_secret_value()
    assert sealing.unseal(sealed, key, purpose="totp secrets", owner=owner).decode() == secret
    with pytest.raises(InvalidTag):
        sealing.unseal(sealed, "another-secret-" + "y" * 40, purpose="totp secrets", owner=owner)
    with pytest.raises(InvalidTag):  # moved to another account, it does not open
        sealing.unseal(sealed, key, purpose="totp secrets", owner="user:1")
