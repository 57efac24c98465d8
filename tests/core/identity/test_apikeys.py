"""API keys: shown once, stored hashed, scoped to a municipality and permissions, revocable."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.identity.models import ApiKey
from smartcity.core.identity.tokens import digest
from tests.conftest import World, login


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _basic(key: str, user: str = "frost-client") -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{key}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def test_key_is_stored_only_as_digest(world: World) -> None:
    key = world.api_key(world.dresden, "audit:read")
    with world.tenant(world.dresden) as db:
        stored = db.scalars(select(ApiKey)).one()
    assert stored.key_hash == digest(key)
    assert key not in (stored.key_hash, stored.prefix)
    assert key.startswith(stored.prefix)


def test_scope_grants_its_permission_only(client: TestClient, world: World) -> None:
    key = world.api_key(world.dresden, "audit:read")
    assert client.get("/dresden/api/v1/audit", headers=_bearer(key)).status_code == 200
    # audit:read does not allow an export, nor staff management
    assert client.get("/dresden/api/v1/export", headers=_bearer(key)).status_code == 403
    assert client.get("/dresden/api/v1/staff", headers=_bearer(key)).status_code == 403


def test_basic_auth_with_key_as_password_is_accepted(client: TestClient, world: World) -> None:
    key = world.api_key(world.dresden, "audit:read")
    assert client.get("/dresden/api/v1/audit", headers=_basic(key)).status_code == 200
    assert client.get("/dresden/api/v1/audit", headers=_basic(key, "")).status_code == 200


def test_key_of_another_municipality_is_not_accepted(client: TestClient, world: World) -> None:
    key = world.api_key(world.dresden, "audit:read")
    response = client.get("/radebeul/api/v1/audit", headers=_bearer(key))
    assert response.status_code == 401


def test_unknown_and_malformed_keys_are_rejected(client: TestClient, world: World) -> None:
    assert client.get("/dresden/api/v1/audit", headers=_bearer("sck_nope")).status_code == 401
    malformed = {"Authorization": "Basic !!!not-base64"}
    assert client.get("/dresden/api/v1/audit", headers=malformed).status_code == 401
    other_scheme = {"Authorization": "Digest abc"}
    assert client.get("/dresden/api/v1/audit", headers=other_scheme).status_code == 401


def test_revoked_key_stops_working(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    created = client.post(
        "/dresden/api/v1/api-keys", json={"name": "Pegel Elbe", "scopes": ["audit:read"]}
    )
    assert created.status_code == 201
    key, key_id = created.json()["key"], created.json()["id"]
    device = TestClient(client.app, base_url="https://testserver")
    assert device.get("/dresden/api/v1/audit", headers=_bearer(key)).status_code == 200
    assert client.delete(f"/dresden/api/v1/api-keys/{key_id}").status_code == 200
    assert device.get("/dresden/api/v1/audit", headers=_bearer(key)).status_code == 401


def test_listing_never_shows_the_secret_and_records_last_use(
    client: TestClient, world: World
) -> None:
    key = world.api_key(world.dresden, "audit:read")
    client.get("/dresden/api/v1/audit", headers=_bearer(key))
    login(client, "dd.admin")
    listed = client.get("/dresden/api/v1/api-keys").json()
    assert len(listed) == 1
    assert "key" not in listed[0]
    assert key not in str(listed)
    assert listed[0]["last_used_at"] is not None


def test_unknown_scope_is_a_clear_error(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    response = client.post("/dresden/api/v1/api-keys", json={"name": "x", "scopes": ["sta:admin"]})
    assert response.status_code == 422
    assert "sta:admin" in response.json()["detail"]


def test_revoking_another_municipalitys_key_is_not_found(client: TestClient, world: World) -> None:
    world.api_key(world.dresden, "audit:read")
    with world.tenant(world.dresden) as db:
        dresden_key_id = db.scalars(select(ApiKey.id)).one()
    login(client, "rb.admin")
    assert client.delete(f"/radebeul/api/v1/api-keys/{dresden_key_id}").status_code == 404


def test_nobody_gives_a_key_more_than_they_may_do_themselves(
    client: TestClient, world: World
) -> None:
    # A data steward manages keys but may neither read the audit log nor run the lighting.
    login(client, "dd.steward")
    assert client.get("/dresden/api/v1/audit").status_code == 403
    for scopes in (["audit:read"], ["lighting:write"], ["sta:write", "audit:read"]):
        response = client.post("/dresden/api/v1/api-keys", json={"name": "x", "scopes": scopes})
        assert response.status_code == 403, scopes
        assert "audit:read" in response.json()["detail"] or "lighting:write" in str(response.json())
    with world.tenant(world.dresden) as db:
        assert db.scalars(select(ApiKey)).all() == []
    # What the steward may do, a key may be given.
    granted = client.post("/dresden/api/v1/api-keys", json={"name": "x", "scopes": ["sta:write"]})
    assert granted.status_code == 201


def test_the_key_form_offers_only_rights_one_holds(client: TestClient, world: World) -> None:
    login(client, "dd.steward")
    page = client.get("/dresden/verwaltung/api-schluessel").text
    assert 'value="sta:write"' in page
    assert 'value="audit:read"' not in page
    refused = client.post(
        "/dresden/verwaltung/api-schluessel",
        data={
            "name": "x",
            "scopes": "audit:read",
            "csrf_token": client.cookies.get("__Host-smartcity_csrf") or "",
        },
    )
    assert refused.status_code == 422
    with world.tenant(world.dresden) as db:
        assert db.scalars(select(ApiKey)).all() == []
