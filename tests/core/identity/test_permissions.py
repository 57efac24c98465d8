"""Deny by default: every route declares a permission or is deliberately public, and roles
grant only what their permission lists say."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from smartcity.core.http.deps import public, signed_in
from smartcity.core.identity.permissions import PERMISSIONS, Principal, Role
from smartcity.modules import installed_modules
from tests.conftest import World, login


def _declared_guards(dependant: Dependant) -> list[object]:
    found: list[object] = []
    for sub in dependant.dependencies:
        call = sub.call
        if call is public or call is signed_in or hasattr(call, "required_permission"):
            found.append(call)
        found.extend(_declared_guards(sub))
    return found


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route, also those of included routers (FastAPI ≥ 0.16x keeps an included
    router as one node with the original router inside)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def test_every_route_declares_a_permission_or_is_public(app: FastAPI) -> None:
    routes = list(_api_routes(app.routes))
    assert len(routes) > 100  # the walk reaches the modules' routers
    unguarded = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in routes
        if not _declared_guards(route.dependant)
    ]
    assert unguarded == []


def test_every_permission_is_granted_to_some_role() -> None:
    roles = installed_modules().roles()
    for permission in PERMISSIONS.values():
        assert any(role.grants(permission) for role in roles), permission.name


@pytest.mark.parametrize(
    ("username", "path", "expected"),
    [
        ("dd.admin", "/dresden/api/v1/staff", 200),
        ("dd.auditor", "/dresden/api/v1/staff", 200),
        ("dd.clerk.a", "/dresden/api/v1/staff", 403),
        ("dd.operator", "/dresden/api/v1/staff", 403),
        ("dd.admin", "/dresden/api/v1/audit", 200),
        ("dd.auditor", "/dresden/api/v1/audit", 200),
        ("dd.steward", "/dresden/api/v1/audit", 403),
        ("dd.steward", "/dresden/api/v1/api-keys", 200),
        ("dd.operator", "/dresden/api/v1/api-keys", 403),
        ("dd.clerk.a", "/dresden/api/v1", 200),
        ("rb.admin", "/dresden/api/v1", 403),  # staff of the neighbour has no role here
        ("rb.admin", "/dresden/api/v1/staff", 403),
        ("region.admin", "/dresden/api/v1/staff", 200),
        ("region.admin", "/radebeul/api/v1/audit", 200),
    ],
)
def test_role_matrix(
    new_client: Callable[[], TestClient], world: World, username: str, path: str, expected: int
) -> None:
    client = new_client()
    login(client, username)
    assert client.get(path).status_code == expected


def test_anonymous_gets_401_on_protected_routes(client: TestClient, world: World) -> None:
    response = client.get("/dresden/api/v1/staff")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_staff_lists_do_not_leak_other_municipalities(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    names = {member["username"] for member in client.get("/dresden/api/v1/staff").json()}
    assert "rb.admin" not in names
    assert {"dd.admin", "dd.clerk.a", "dd.auditor"} <= names


def test_admin_creates_staff_with_department(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    response = client.post(
        "/dresden/api/v1/staff",
        json={
            "username": "neu.sachbearbeiterin",
            "password": "Elbhang-Sonnenuntergang",
            "role": "case_worker",
            "department": "Standesamt",
        },
    )
    assert response.status_code == 201
    assert response.json()["roles"] == ["case_worker:Standesamt"]
    fresh = TestClient(client.app, base_url="https://testserver")
    login(fresh, "neu.sachbearbeiterin", "Elbhang-Sonnenuntergang")
    # The administrator's password is replaced first (test_initial_passwords.py).
    assert fresh.get("/dresden/api/v1").status_code == 401
    changed = fresh.post(
        "/auth/password",
        json={"current_password": "Elbhang-Sonnenuntergang", "new_password": "Meine eigene Wahl"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["next_step"] is None
    fresh.headers["X-CSRF-Token"] = changed.json()["csrf_token"]
    assert fresh.get("/dresden/api/v1").status_code == 200
    assert fresh.get("/radebeul/api/v1").status_code == 403


def test_case_worker_needs_a_department(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    response = client.post(
        "/dresden/api/v1/staff",
        json={"username": "ohne.amt", "password": "Elbhang-Sonnenuntergang", "role": "case_worker"},
    )
    assert response.status_code == 422
    assert "department" in response.json()["errors"]


def test_admin_cannot_appoint_region_admins(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    response = client.post(
        "/dresden/api/v1/staff",
        json={"username": "power", "password": "Elbhang-Sonnenuntergang", "role": "region_admin"},
    )
    assert response.status_code == 422


def test_admin_of_one_municipality_cannot_change_roles_in_another(
    client: TestClient, world: World
) -> None:
    login(client, "rb.admin")
    clerk_id = world.accounts["dd.clerk.a"].id
    response = client.post(f"/radebeul/api/v1/staff/{clerk_id}/roles", json={"role": "admin"})
    assert response.status_code == 404  # not staff of Radebeul: does not exist there
    response = client.post(f"/dresden/api/v1/staff/{clerk_id}/roles", json={"role": "admin"})
    assert response.status_code == 403


def test_role_can_be_added_and_removed(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    operator_id = world.accounts["dd.operator"].id
    added = client.post(f"/dresden/api/v1/staff/{operator_id}/roles", json={"role": "auditor"})
    assert sorted(added.json()["roles"]) == ["auditor", "operator"]
    removed = client.delete(f"/dresden/api/v1/staff/{operator_id}/roles/auditor")
    assert removed.json()["roles"] == ["operator"]


def test_principal_without_roles_can_do_nothing() -> None:
    nobody = Principal(kind="user", id=1)
    device = Principal(kind="api_key", id=2, scopes=frozenset({"sta:write"}))
    for permission in PERMISSIONS.values():
        assert not nobody.can(permission)
        assert device.can(permission) == ("sta:write" in permission.scopes)
    admin = Principal(kind="user", id=3, roles=frozenset({Role.ADMIN}))
    assert admin.can(PERMISSIONS["staff.manage"])
