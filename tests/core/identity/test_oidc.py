"""OIDC login against a small but real identity provider served over HTTP in the test.

The provider signs ID tokens with its own RSA key, checks the PKCE verifier and the client
secret, and redirects the browser back as Keycloak does.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from smartcity.app import create_app
from smartcity.core.identity import users
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from tests.conftest import World, free_port

CLIENT_ID = "smartcity"
CLIENT_SECRET = "idp-client-secret"


@dataclass
class IdentityProvider:
    issuer: str
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, {"kid": "idp-key-1"}, private=True)
    )
    subject: str = "kc-user-1"
    email: str = "k.lehmann@dresden.example"
    email_verified: bool = True
    nonce_override: str | None = None
    advertised_issuer: str | None = None  # what its discovery document claims to be
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def app(self) -> Starlette:
        async def discovery(_: Request) -> Response:
            return JSONResponse(
                {
                    "issuer": self.advertised_issuer or self.issuer,
                    "authorization_endpoint": self.issuer + "/auth",
                    "token_endpoint": self.issuer + "/token",
                    "jwks_uri": self.issuer + "/certs",
                }
            )

        async def certs(_: Request) -> Response:
            return JSONResponse({"keys": [self.key.as_dict(private=False)]})

        async def authorize(request: Request) -> Response:
            params = request.query_params
            code = secrets.token_urlsafe(16)
            self.codes[code] = dict(params)
            back = (
                params["redirect_uri"] + "?" + urlencode({"code": code, "state": params["state"]})
            )
            return RedirectResponse(back, status_code=302)

        async def token(request: Request) -> Response:
            form = await request.form()
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("authorization") != expected:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            grant = self.codes.pop(str(form["code"]), None)
            if grant is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            verifier = str(form["code_verifier"]).encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if challenge.decode() != grant["code_challenge"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims: dict[str, Any] = {
                "iss": self.issuer,
                "aud": CLIENT_ID,
                "sub": self.subject,
                "iat": now,
                "exp": now + 300,
                "nonce": self.nonce_override or grant["nonce"],
                "email": self.email,
                "email_verified": self.email_verified,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "idp-key-1"}, claims, self.key)
            return JSONResponse(
                {"access_token": "at", "token_type": "Bearer", "id_token": id_token}
            )

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/certs", certs),
                Route("/auth", authorize),
                Route("/token", token, methods=["POST"]),
            ]
        )


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    port = free_port()
    provider = IdentityProvider(issuer=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(provider.app(), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield provider
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def oidc_client(settings: Settings, world: World, idp: IdentityProvider) -> Iterator[TestClient]:
    settings.public_url = "https://testserver"
    settings.oidc_issuer = idp.issuer
    settings.oidc_client_id = CLIENT_ID
    settings.oidc_client_secret = SecretStr(CLIENT_SECRET)
    platform = Platform.from_settings(settings)
    with TestClient(
        create_app(platform=platform, run_broker=False), base_url="https://testserver"
    ) as client:
        yield client
    platform.engine.dispose()


def _add_staff(world: World, email: str) -> None:
    with world.system() as db:
        account = users.create_user(
            db,
            username="k.lehmann",
            password=None,
            email=email,
            actor="test",
            passwords=world.platform.passwords,
        )
        from smartcity.core.identity.permissions import Role

        users.assign_role(db, account, Role.OPERATOR, municipality=world.dresden, actor="test")


def _login_round_trip(client: TestClient, next_path: str = "/dresden/api/v1") -> Any:
    start = client.get("/auth/oidc/login", params={"next": next_path}, follow_redirects=False)
    assert start.status_code == 303
    authorization_url = start.headers["location"]
    query = parse_qs(urlsplit(authorization_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["https://testserver/auth/oidc/callback"]
    back = httpx.get(authorization_url, follow_redirects=False)
    callback = urlsplit(back.headers["location"])
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_known_staff_member_logs_in_and_is_linked(
    oidc_client: TestClient, world: World, idp: IdentityProvider
) -> None:
    _add_staff(world, idp.email)
    response = _login_round_trip(oidc_client)
    assert response.status_code == 303
    assert response.headers["location"] == "/dresden/api/v1"
    assert oidc_client.get("/auth/me").json()["username"] == "k.lehmann"
    assert oidc_client.get("/dresden/api/v1").status_code == 200  # operator role applies
    # linked by subject now: a changed e-mail address at the provider does not matter
    idp.email = "new.address@dresden.example"
    assert (
        _login_round_trip(TestClient(oidc_client.app, base_url="https://testserver")).status_code
        == 303
    )


def test_unknown_identity_is_refused(oidc_client: TestClient, world: World) -> None:
    response = _login_round_trip(oidc_client)
    assert response.status_code == 401
    assert "no active staff account" in response.json()["detail"]


def test_unverified_email_does_not_link(
    oidc_client: TestClient, world: World, idp: IdentityProvider
) -> None:
    _add_staff(world, idp.email)
    idp.email_verified = False
    assert _login_round_trip(oidc_client).status_code == 401


def test_replayed_or_forged_nonce_is_refused(
    oidc_client: TestClient, world: World, idp: IdentityProvider
) -> None:
    _add_staff(world, idp.email)
    idp.nonce_override = "someone-elses-nonce"
    response = _login_round_trip(oidc_client)
    assert response.status_code == 401
    assert "nonce" in response.json()["detail"]


def test_a_provider_that_names_another_issuer_is_not_trusted(
    oidc_client: TestClient, world: World, idp: IdentityProvider
) -> None:
    idp.advertised_issuer = "https://login.elsewhere.example"
    response = oidc_client.get("/auth/oidc/login", follow_redirects=False)
    assert response.status_code == 503
    assert "cannot be reached" in response.json()["detail"]


def test_unknown_state_is_refused(oidc_client: TestClient, world: World) -> None:
    response = oidc_client.get("/auth/oidc/callback", params={"state": "forged", "code": "x"})
    assert response.status_code == 401


def test_only_local_redirects_after_login(
    oidc_client: TestClient, world: World, idp: IdentityProvider
) -> None:
    _add_staff(world, idp.email)
    response = _login_round_trip(oidc_client, next_path="//evil.example/phish")
    assert response.headers["location"] == "/"


def test_oidc_is_off_unless_configured(client: TestClient) -> None:
    assert client.get("/auth/oidc/login", follow_redirects=False).status_code == 404
