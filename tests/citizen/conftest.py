from __future__ import annotations

import io
import mailbox
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from smartcity.citizen.examples import DOG_TAX_SCHEMA, DOG_TAX_TEMPLATE, DOG_TAX_UI
from tests.conftest import World, login

CATALOG = "/{}/api/v1/catalog"
CITIZEN = "/{}/api/v1/citizen"
DRESDEN = CITIZEN.format("dresden")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"

OWNER = {"name": "Erika Mustermann", "street": "Altmarkt 1", "postcode": "01067", "city": "Dresden"}
DOG = {"dog_name": "Bello", "breed": "Dackel", "since": "2026-11-01"}


def staff(new_client: Callable[[], TestClient], username: str) -> TestClient:
    client = new_client()
    login(client, username)
    return client


def define_service(
    region: TestClient,
    template: dict[str, Any],
    schema: dict[str, Any],
    ui: dict[str, Any],
    slug: str = "dresden",
) -> None:
    created = region.post(f"{CATALOG.format(slug)}/templates", json=template)
    assert created.status_code == 201, created.text
    form = region.post(
        f"{CATALOG.format(slug)}/templates/{template['key']}/forms",
        json={"schema": schema, "ui": ui},
    )
    assert form.status_code == 201, form.text
    published = region.post(
        f"{CATALOG.format(slug)}/templates/{template['key']}/forms/{form.json()['version']}/publish"
    )
    assert published.status_code == 200, published.text


def adopt(admin: TestClient, slug: str, key: str, **local: Any) -> dict[str, Any]:
    adopted = admin.post(f"{CATALOG.format(slug)}/adoptions", json={"template": key, **local})
    assert adopted.status_code == 201, adopted.text
    body: dict[str, Any] = adopted.json()
    return body


@pytest.fixture
def region_admin(new_client: Callable[[], TestClient], world: World) -> TestClient:
    return staff(new_client, "region.admin")


@pytest.fixture
def dog_tax(region_admin: TestClient, new_client: Callable[[], TestClient]) -> str:
    """The example service, defined for the region and offered by Dresden."""
    define_service(region_admin, DOG_TAX_TEMPLATE, DOG_TAX_SCHEMA, DOG_TAX_UI)
    adopt(staff(new_client, "dd.admin"), "dresden", DOG_TAX_TEMPLATE["key"], department="Bürgeramt")
    return str(DOG_TAX_TEMPLATE["key"])


@pytest.fixture
def citizen(new_client: Callable[[], TestClient]) -> TestClient:
    return new_client()


def mails(world: World) -> list[Any]:
    """What the (default) Maildir transport delivered."""
    path = Path(world.platform.settings.data_dir) / "mail"
    if not path.exists():
        return []
    return list(mailbox.Maildir(path, create=False))


def start(citizen: TestClient, key: str, **body: Any) -> dict[str, Any]:
    created = citizen.post(f"{DRESDEN}/services/{key}/drafts", json=body)
    assert created.status_code == 201, created.text
    draft: dict[str, Any] = created.json()
    citizen.headers["Draft-Token"] = draft["access_token"]
    return draft


def upload(citizen: TestClient, field: str, name: str, data: bytes) -> Any:
    return citizen.post(
        f"{DRESDEN}/drafts/current/uploads", data={"field": field}, files={"file": (name, data)}
    )


def complete_draft(citizen: TestClient, key: str) -> dict[str, Any]:
    """A draft with everything the dog-tax form needs, ready to submit."""
    start(citizen, key)
    insurance = upload(citizen, "insurance", "versicherung.pdf", PDF).json()["id"]
    data = {**OWNER, **DOG, "insurance": insurance}
    saved = citizen.put(f"{DRESDEN}/drafts/current", json={"data": data, "step": 2})
    assert saved.status_code == 200, saved.text
    return data
