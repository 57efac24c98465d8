"""Roles are declared by the modules they belong to: the back office offers exactly those, with
the labels the declaration gives, and a role nobody declares is refused and grants nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.core.errors import InvalidInput
from smartcity.core.identity import users
from smartcity.core.identity.models import RoleAssignment
from smartcity.core.identity.permissions import (
    MUNICIPALITY_READ,
    PERMISSIONS,
    ROLES,
    Principal,
    Role,
    define_role,
)
from smartcity.leisure.permissions import FACILITY_MANAGER, LEISURE_MANAGE, TICKETS_SCAN
from smartcity.modules import installed_modules
from smartcity.privacy.permissions import PRIVACY_MANAGE
from tests.conftest import World, login

REGISTRY = installed_modules()


def test_each_role_is_declared_once_by_an_installed_module_with_both_languages() -> None:
    declared = [role for module in REGISTRY for role in module.roles]
    assert len(declared) == len(set(declared))
    assert set(declared) == set(ROLES)
    owners = {role.key: module.name for module in REGISTRY for role in module.roles}
    assert owners["facility_manager"] == "leisure"
    assert owners["council_office"] == "council"
    assert owners["dpo"] == "privacy"
    assert owners["moderator"] == "participation"
    assert owners["utility_staff"] == "transit"
    for role in declared:
        assert all((role.label, role.label_de, role.description, role.description_de)), role
        assert role.holds <= set(PERMISSIONS), role


def test_a_role_holds_what_its_declaration_says_and_no_more() -> None:
    manager = Principal(kind="user", id=1, roles=frozenset({"facility_manager"}))
    gate = Principal(kind="user", id=2, roles=frozenset({"gate_staff"}))
    assert manager.can(LEISURE_MANAGE)
    assert manager.can(TICKETS_SCAN)
    assert gate.can(TICKETS_SCAN)
    assert not gate.can(LEISURE_MANAGE)
    assert not manager.can(PRIVACY_MANAGE)
    # Every role of a municipality sees its back office; the region's holds all anyway.
    assert all(role.grants(MUNICIPALITY_READ) for role in ROLES.values() if not role.region)
    # A stored role that no module declares (its module removed) grants nothing.
    stray = Principal(kind="user", id=3, roles=frozenset({"harbour_master"}))
    assert not any(stray.can(permission) for permission in PERMISSIONS.values())


def test_a_role_key_is_declared_once_and_plain() -> None:
    with pytest.raises(ValueError, match="twice"):
        define_role("admin", label="x", label_de="x", description="x", description_de="x")
    with pytest.raises(ValueError, match="lower-case"):
        define_role("Chief Of-Staff", label="x", label_de="x", description="x", description_de="x")
    with pytest.raises(ValueError, match="lower-case"):
        define_role("bäder", label="x", label_de="x", description="x", description_de="x")


def test_an_undeclared_role_cannot_be_given(world: World) -> None:
    with pytest.raises(InvalidInput, match="Unknown role"):
        users.parse_role("harbour_master")
    with world.system() as db:
        account = users.get_user_by_name(db, "dd.operator")
        stray: Any = "harbour_master"  # a text, not a declared role
        with pytest.raises(InvalidInput):
            users.assign_role(db, account, stray, municipality=world.dresden, actor="test")
        assert users.parse_role("facility_manager") is FACILITY_MANAGER


def test_the_administration_offers_every_declared_role_in_both_languages(
    new_client: Callable[[], TestClient], world: World
) -> None:
    client = new_client()
    login(client, "dd.admin")
    for language in ("de", "en"):
        page = client.get(f"/dresden/verwaltung/benutzer?lang={language}").text
        offered = dict(re.findall(r'<option value="([a-z_]+)">([^<]+)</option>', page))
        expected = {r.key: r.label_in(language) for r in REGISTRY.roles() if not r.region}
        assert offered == expected
        assert FACILITY_MANAGER.description_in(language) in page
    assert "Bäder- und Museumsbetrieb" in client.get("/dresden/verwaltung/benutzer?lang=de").text
    assert Role.REGION_ADMIN.key not in re.findall(r'<option value="([a-z_]+)"', page)


def test_the_administration_refuses_a_role_no_module_declares(
    new_client: Callable[[], TestClient], world: World
) -> None:
    client = new_client()
    login(client, "dd.admin")
    page = client.get("/dresden/verwaltung/benutzer?lang=en").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    answer = client.post(
        "/dresden/verwaltung/benutzer",
        data={
            "csrf_token": token.group(1),
            "action": "assign",
            "user_id": str(world.accounts["dd.operator"].id),
            "role": "harbour_master",
        },
    )
    assert answer.status_code == 422
    assert "Please choose a role." in answer.text
    with world.system() as db:
        stored = db.query(RoleAssignment.role).filter_by(user_id=world.accounts["dd.operator"].id)
        assert {role for (role,) in stored} == {"operator"}
