"""Einer für alle: a service is defined once for the region and offered by each municipality
with its own settings, without copying; only region administrators define services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from smartcity.citizen.examples import DOG_TAX_SCHEMA, DOG_TAX_TEMPLATE, DOG_TAX_UI
from tests.citizen.conftest import CATALOG, CITIZEN, adopt, define_service, staff
from tests.conftest import World


def test_defined_once_adopted_by_two_municipalities_with_local_settings(
    region_admin: TestClient, new_client: Callable[[], TestClient], citizen: TestClient
) -> None:
    define_service(region_admin, DOG_TAX_TEMPLATE, DOG_TAX_SCHEMA, DOG_TAX_UI)
    key = DOG_TAX_TEMPLATE["key"]
    adopt(staff(new_client, "dd.admin"), "dresden", key, department="Steuer- und Stadtkassenamt")
    adopt(
        staff(new_client, "rb.admin"),
        "radebeul",
        key,
        fee_cents=500,
        contact_email="steuern@radebeul.example",
    )
    dresden = citizen.get(f"{CITIZEN.format('dresden')}/services/{key}").json()
    radebeul = citizen.get(f"{CITIZEN.format('radebeul')}/services/{key}").json()
    assert dresden["department"] == "Steuer- und Stadtkassenamt"
    assert radebeul["department"] == "Steueramt"  # the region's default
    assert (dresden["fee_cents"], radebeul["fee_cents"]) == (0, 500)
    assert radebeul["contact_email"] == "steuern@radebeul.example"
    assert dresden["form"]["schema"] == radebeul["form"]["schema"]

    # A change to the region's definition reaches every adopter at once.
    region_admin.patch(
        f"{CATALOG.format('dresden')}/templates/{key}",
        json={"name": {"de": "Hundeanmeldung", "en": "Dog registration"}},
    )
    for slug in ("dresden", "radebeul"):
        assert (
            citizen.get(f"{CITIZEN.format(slug)}/services/{key}").json()["name"] == "Hundeanmeldung"
        )
    english = citizen.get(f"{CITIZEN.format('dresden')}/services/{key}?lang=en").json()
    assert english["name"] == "Dog registration"

    # A municipality can pause its offer without touching the others.
    admin = staff(new_client, "dd.admin")
    admin.patch(f"{CATALOG.format('dresden')}/adoptions/{key}", json={"active": False})
    assert citizen.get(f"{CITIZEN.format('dresden')}/services").json() == []
    assert len(citizen.get(f"{CITIZEN.format('radebeul')}/services").json()) == 1


def test_only_region_admins_define_and_only_admins_adopt(
    world: World, new_client: Callable[[], TestClient], region_admin: TestClient
) -> None:
    municipal_admin = staff(new_client, "dd.admin")
    refused = municipal_admin.post(f"{CATALOG.format('dresden')}/templates", json=DOG_TAX_TEMPLATE)
    assert refused.status_code == 403
    define_service(region_admin, DOG_TAX_TEMPLATE, DOG_TAX_SCHEMA, DOG_TAX_UI)
    clerk = staff(new_client, "dd.clerk.a")
    assert (
        clerk.post(
            f"{CATALOG.format('dresden')}/adoptions", json={"template": DOG_TAX_TEMPLATE["key"]}
        ).status_code
        == 403
    )
    twice = region_admin.post(f"{CATALOG.format('dresden')}/templates", json=DOG_TAX_TEMPLATE)
    assert twice.status_code == 409
    adopt(municipal_admin, "dresden", DOG_TAX_TEMPLATE["key"])
    again = municipal_admin.post(
        f"{CATALOG.format('dresden')}/adoptions", json={"template": DOG_TAX_TEMPLATE["key"]}
    )
    assert again.status_code == 409


def test_broken_definitions_are_refused_with_the_reason(region_admin: TestClient) -> None:
    templates = f"{CATALOG.format('dresden')}/templates"
    workflow: dict[str, Any] = {
        "initial": "neu",
        "decided": "fertig",
        "closed": "zu",
        "statuses": {"neu": {"de": "Neu"}, "zu": {"de": "Zu"}},
        "transitions": {"neu": ["zu"], "zu": ["neu"]},
    }
    bad = region_admin.post(templates, json={**DOG_TAX_TEMPLATE, "workflow": workflow})
    assert bad.status_code == 422
    assert "decided" in bad.json()["detail"]
    assert "closed status" in bad.json()["detail"]
    template = region_admin.post(
        templates, json={**DOG_TAX_TEMPLATE, "decision_template": {"de": "{{ offen "}}
    )
    assert template.status_code == 422
    region_admin.post(templates, json=DOG_TAX_TEMPLATE)
    forms = f"{templates}/{DOG_TAX_TEMPLATE['key']}/forms"
    not_schema = region_admin.post(forms, json={"schema": {"type": "object", "minProperties": "x"}})
    assert not_schema.status_code == 422
    assert "JSON Schema 2020-12" in not_schema.json()["detail"]
    no_label = region_admin.post(
        forms,
        json={
            "schema": DOG_TAX_SCHEMA,
            "ui": {**DOG_TAX_UI, "fields": {"name": {"widget": "text"}}},
        },
    )
    assert "German label" in no_label.json()["detail"]
    lost_field = region_admin.post(
        forms,
        json={"schema": DOG_TAX_SCHEMA, "ui": {**DOG_TAX_UI, "steps": DOG_TAX_UI["steps"][:2]}},
    )
    assert "Fields in no step: insurance" in lost_field.json()["detail"]
