"""The authorization matrix (authorization.csv) run against the live app: every role on every
listed request, including another municipality's ids (they must stay hidden) and another
municipality's staff (they have no role here)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.citizen import login as citizen_login
from smartcity.core.identity import users
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Region
from smartcity.lighting.services import create_group
from smartcity.open311 import categories
from smartcity.open311 import services as reports
from smartcity.parking.services import import_geojson
from smartcity.privacy.permissions import DATA_PROTECTION_OFFICER
from tests.conftest import PASSWORD, World, login

MATRIX = Path(__file__).with_name("authorization.csv")
STAFF = {
    "clerk_a": "dd.clerk.a",
    "clerk_b": "dd.clerk.b",
    "operator": "dd.operator",
    "steward": "dd.steward",
    "auditor": "dd.auditor",
    "admin": "dd.admin",
    "rb_admin": "rb.admin",
    "region_admin": "region.admin",
    "dpo": "dd.dpo",
}
LOT = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Markt", "type": "Parkplatz", "total": 40},
            "geometry": {"type": "Point", "coordinates": [13.74, 51.05]},
        }
    ],
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    body: Any
    expected: dict[str, str]


def _rows() -> Iterator[Row]:
    lines = [line for line in MATRIX.read_text().splitlines() if not line.startswith("#")]
    for entry in csv.DictReader(lines):
        method, path, body = entry.pop("method"), entry.pop("path"), entry.pop("body")
        yield Row(method, path, json.loads(body) if body else None, entry)


def _report(db: Any, world: World, municipality: Any, department: str) -> int:
    code = department.lower().replace("ü", "ue")
    categories.save(
        db, {"service_code": code, "name": department, "department": department}, actor="test"
    )
    filed = reports.file_report(
        db,
        Portal.of(world.platform.settings),
        municipality,
        reports.NewReport(service_code=code, lat=51.05, long=13.74),
    )
    assert filed.request.case_id is not None
    return filed.request.case_id


@pytest.fixture
def ids(world: World) -> dict[str, int]:
    with world.tenant(world.dresden) as db:
        case_a = _report(db, world, world.dresden, "Bürgeramt")
        case_b = _report(db, world, world.dresden, "Ordnungsamt")
        import_geojson(db, LOT, city="Dresden", actor="test")
        group = create_group(db, "Markt", {}, actor="test").id
    with world.tenant(world.radebeul) as db:
        rb_case = _report(db, world, world.radebeul, "Ordnungsamt")
        import_geojson(db, LOT, city="Radebeul", actor="test")
    from sqlalchemy import select

    from smartcity.open311.models import ServiceRequest
    from smartcity.parking.models import CarPark

    with world.tenant(world.dresden) as db:
        car_park = db.scalar(select(CarPark.id))
        report_a = db.scalar(select(ServiceRequest.id).where(ServiceRequest.case_id == case_a))
    with world.tenant(world.radebeul) as db:
        rb_car_park = db.scalar(select(CarPark.id))
        rb_report = db.scalar(select(ServiceRequest.id).where(ServiceRequest.case_id == rb_case))
    assert car_park is not None
    assert rb_car_park is not None
    assert report_a is not None
    assert rb_report is not None
    return {
        "report_a": report_a,
        "rb_report": rb_report,
        "staff_b": world.accounts["dd.clerk.b"].id,
        "case_a": case_a,
        "case_b": case_b,
        "rb_case": rb_case,
        "car_park": car_park,
        "rb_car_park": rb_car_park,
        "group": group,
    }


@pytest.fixture
def clients(app: Any, world: World) -> dict[str, TestClient]:
    found = {"anonymous": TestClient(app, base_url="https://testserver")}
    device = TestClient(app, base_url="https://testserver")
    device.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
    found["device"] = device
    with world.system() as db:
        token = citizen_login.start(db, {"iss": "https://id.example", "sub": "erika"})
    citizen = TestClient(app, base_url="https://testserver")
    citizen.cookies.set(citizen_login.COOKIE, token)
    found["citizen"] = citizen
    with world.system() as db:  # the data-protection officer, a role no other test needs
        officer = users.create_user(
            db,
            username="dd.dpo",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        region = db.get(Region, world.dresden.region_id)
        users.assign_role(
            db,
            officer,
            DATA_PROTECTION_OFFICER,
            municipality=world.dresden,
            region=region,
            actor="test",
        )
    for role, username in STAFF.items():
        client = TestClient(app, base_url="https://testserver")
        login(client, username)
        found[role] = client
    return found


def _outcome(status: int) -> str:
    if status in (401, 403):
        return "D"
    if status == 404:
        return "H"
    return "A"


def test_the_authorization_matrix(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    wrong = []
    rows = list(_rows())
    assert len(rows) > 30
    for row in rows:
        path = row.path.format(**ids)
        for role, expected in row.expected.items():
            response = clients[role].request(
                row.method, path, json=row.body if row.method != "GET" else None
            )
            assert response.status_code < 500, (role, row.method, path, response.text)
            got = _outcome(response.status_code)
            if got != expected:
                wrong.append(
                    f"{role} {row.method} {row.path}: {got} ({response.status_code}), "
                    f"expected {expected}"
                )
    assert wrong == [], "\n".join(wrong)
