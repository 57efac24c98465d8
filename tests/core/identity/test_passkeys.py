"""Passkeys (WebAuthn) over the API: options come with a challenge kept on the session, and
answers that do not verify are refused. A real authenticator's round trip is in
tests/web/test_account_in_browser.py (Chromium's virtual authenticator)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from smartcity.core.identity.models import WebAuthnCredential
from tests.conftest import PASSWORD, World, login

FORGED = {
    "id": "AAAA",
    "rawId": "AAAA",
    "type": "public-key",
    "response": {"clientDataJSON": "e30", "attestationObject": "oA"},
}


def test_registration_needs_a_valid_answer_to_this_sessions_challenge(
    client: TestClient, world: World
) -> None:
    login(client, "dd.clerk.a")
    unstarted = client.post("/auth/mfa/passkeys", json={"credential": FORGED})
    assert unstarted.status_code == 422  # no challenge was given
    options = client.post("/auth/mfa/passkeys/options")
    assert options.status_code == 200
    body = options.json()
    assert body["rp"]["id"] == "127.0.0.1"  # from SMARTCITY_PUBLIC_URL
    assert body["user"]["name"] == "dd.clerk.a"
    assert len(body["challenge"]) >= 40
    forged = client.post("/auth/mfa/passkeys", json={"credential": FORGED, "name": "x"})
    assert forged.status_code == 422
    assert client.get("/auth/mfa").json()["passkeys"] == 0


def test_an_account_with_a_passkey_logs_in_in_two_steps(
    client: TestClient, world: World, new_client: Callable[[], TestClient]
) -> None:
    with world.system() as db:
        db.add(
            WebAuthnCredential(
                user_id=world.accounts["dd.clerk.a"].id,
                credential_id="c2VjdXJpdHkta2V5",
                public_key="pQECAyYgASFYIA",
                sign_count=0,
                name="Schlüssel",
            )
        )
    answer = client.post("/auth/login", json={"username": "dd.clerk.a", "password": PASSWORD})
    assert answer.json()["next_step"] == "mfa"
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    assert client.get("/dresden/api/v1").status_code == 401
    options = client.post("/auth/mfa/passkey/options")
    assert options.status_code == 200
    assert [c["id"] for c in options.json()["allowCredentials"]] == ["c2VjdXJpdHkta2V5"]
    forged = dict(FORGED, id="c2VjdXJpdHkta2V5", rawId="c2VjdXJpdHkta2V5")
    forged["response"] = {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"}
    assert client.post("/auth/mfa/passkey", json={"credential": forged}).status_code == 401
    # Without a logged-in password step there is nothing to answer.
    assert new_client().post("/auth/mfa/passkey/options").status_code == 401
