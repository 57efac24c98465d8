"""Citizens sign in at their identity provider (OIDC, e.g. BundID-like); services that do not
allow anonymous applications then accept theirs, and they see their applications."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from smartcity.app import create_app
from smartcity.citizen.examples import DOG_TAX_SCHEMA, DOG_TAX_TEMPLATE, DOG_TAX_UI
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from tests.citizen.conftest import DRESDEN, OWNER, adopt, define_service
from tests.conftest import World, login
from tests.core.identity.test_oidc import CLIENT_ID, CLIENT_SECRET, IdentityProvider, idp

__all__ = ["idp"]

SIMPLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 2}},
}
SIMPLE_UI: dict[str, Any] = {"fields": {"name": {"label": {"de": "Name"}}}}


@pytest.fixture
def portal_app(
    settings: Settings, world: World, idp: IdentityProvider
) -> Iterator[Callable[[], TestClient]]:
    settings.public_url = "https://testserver"
    settings.citizen_oidc_issuer = idp.issuer
    settings.citizen_oidc_client_id = CLIENT_ID
    settings.citizen_oidc_client_secret = SecretStr(CLIENT_SECRET)
    # Staff login at the same provider too: a state of one kind must not finish the other.
    settings.oidc_issuer = idp.issuer
    settings.oidc_client_id = CLIENT_ID
    settings.oidc_client_secret = SecretStr(CLIENT_SECRET)
    platform = Platform.from_settings(settings)
    app = create_app(platform=platform, run_broker=False, run_jobs=False)
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, base_url="https://testserver")
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    platform.engine.dispose()


def _sign_in(client: TestClient, next_path: str = "/dresden/api/v1/citizen/services") -> Any:
    start = client.get("/citizen/login", params={"next": next_path}, follow_redirects=False)
    assert start.status_code == 303
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["redirect_uri"] == ["https://testserver/citizen/oidc/callback"]
    back = httpx.get(start.headers["location"], follow_redirects=False)
    callback = urlsplit(back.headers["location"])
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


@pytest.fixture
def login_only_service(portal_app: Callable[[], TestClient]) -> str:
    region = portal_app()
    login(region, "region.admin")
    template = {
        **DOG_TAX_TEMPLATE,
        "key": "bewohnerparkausweis",
        "name": {"de": "Bewohnerparkausweis"},
        "description": {"de": "Parken im eigenen Viertel"},
        "allows_anonymous": False,
    }
    define_service(region, template, SIMPLE_SCHEMA, SIMPLE_UI)
    admin = portal_app()
    login(admin, "dd.admin")
    adopt(admin, "dresden", "bewohnerparkausweis")
    # The dog tax stays open to anonymous applicants.
    define_service(region, DOG_TAX_TEMPLATE, DOG_TAX_SCHEMA, DOG_TAX_UI)
    adopt(admin, "dresden", str(DOG_TAX_TEMPLATE["key"]))
    return "bewohnerparkausweis"


def test_a_signed_in_citizen_applies_where_login_is_required(
    portal_app: Callable[[], TestClient], login_only_service: str, idp: IdentityProvider
) -> None:
    anonymous = portal_app()
    refused = anonymous.post(
        f"{DRESDEN}/services/{login_only_service}/submissions", json={"data": OWNER}
    )
    assert refused.status_code == 401
    assert "melden Sie sich" in refused.json()["detail"]

    citizen = portal_app()
    signed_in = _sign_in(citizen)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/dresden/api/v1/citizen/services"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("__Host-smartcity_citizen=")
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert citizen.get("/citizen/me").json() == {"name": None, "email": idp.email}

    submitted = citizen.post(
        f"{DRESDEN}/services/{login_only_service}/submissions",
        json={"data": {"name": "Erika Mustermann"}},
    )
    assert submitted.status_code == 201, submitted.text
    mine = citizen.get(f"{DRESDEN}/applications").json()
    assert [a["tracking_code"] for a in mine] == [submitted.json()["tracking_code"]]
    assert mine[0]["status_label"] == "Eingegangen"
    assert anonymous.get(f"{DRESDEN}/applications").status_code == 401

    assert citizen.post("/citizen/logout").status_code == 204
    citizen.cookies.clear()
    assert citizen.get("/citizen/me").status_code == 401


def test_a_staff_login_cannot_be_finished_as_a_citizen_login(
    portal_app: Callable[[], TestClient], idp: IdentityProvider, world: World
) -> None:
    client = portal_app()
    started = client.get("/citizen/login", follow_redirects=False)
    back = httpx.get(started.headers["location"], follow_redirects=False)
    callback = urlsplit(back.headers["location"])
    # The same state presented at the staff callback is not a staff login.
    staff = client.get(f"/auth/oidc/callback?{callback.query}", follow_redirects=False)
    assert staff.status_code in (401, 404)
    assert staff.status_code == 401  # staff login is configured: refused for its purpose
    assert "expired or is unknown" in staff.json()["detail"]


def test_without_a_configured_provider_there_is_no_citizen_login(client: TestClient) -> None:
    assert client.get("/citizen/login", follow_redirects=False).status_code == 404
