"""The car-park registry: GeoJSON import of Dresden's real car parks, public reads, and
tenant isolation of every path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smartcity.core.errors import InvalidInput
from smartcity.parking.services import external_id, import_geojson
from tests.conftest import World, login

DRESDEN = Path(__file__).resolve().parents[2] / "src/smartcity/parking/demo_data/Dresden.geojson"


def _import_dresden(world: World) -> None:
    with world.tenant(world.dresden) as db:
        import_geojson(db, json.loads(DRESDEN.read_text()), city="Dresden", actor="test")


def test_ids_follow_parkendd(world: World) -> None:
    assert external_id("Dresden", "Altmarkt") == "dresdenaltmarkt"
    assert external_id("Dresden", "Wöhrl / Florentinum") == "dresdenwoehrlflorentinum"
    assert external_id("Dresden", "Centrum - Galerie") == "dresdencentrumgalerie"


def test_dresden_import(client: TestClient, world: World) -> None:
    _import_dresden(world)
    parks = client.get("/dresden/api/v1/parking/car-parks").json()
    # 60 lots in the file; three appear twice under slightly different names (same address)
    assert len(parks) == 57
    altmarkt = next(p for p in parks if p["external_id"] == "dresdenaltmarkt")
    assert altmarkt["lot_type"] == "Tiefgarage"
    assert altmarkt["total"] == 400
    assert altmarkt["lat"] == pytest.approx(51.05031)
    single = client.get(f"/dresden/api/v1/parking/car-parks/{altmarkt['id']}").json()
    assert single["name"] == "Altmarkt"


def test_reimport_updates_instead_of_duplicating(world: World) -> None:
    _import_dresden(world)
    with world.tenant(world.dresden) as db:
        result = import_geojson(db, json.loads(DRESDEN.read_text()), city="Dresden", actor="t")
    assert (result.created, result.updated, result.duplicates) == (0, 0, 3)


def test_car_parks_of_one_municipality_are_not_found_via_another(
    client: TestClient, world: World
) -> None:
    _import_dresden(world)
    parks = client.get("/dresden/api/v1/parking/car-parks").json()
    assert client.get("/radebeul/api/v1/parking/car-parks").json() == []
    response = client.get(f"/radebeul/api/v1/parking/car-parks/{parks[0]['id']}")
    assert response.status_code == 404


def test_broken_geojson_changes_nothing(world: World) -> None:
    document = json.loads(DRESDEN.read_text())
    document["features"][5]["geometry"]["coordinates"] = ["x", "y"]
    with pytest.raises(InvalidInput, match="Feature 5"), world.tenant(world.dresden) as db:
        import_geojson(db, document, city="Dresden", actor="test")
    with world.tenant(world.dresden) as db:
        from sqlalchemy import select

        from smartcity.parking.models import CarPark

        assert db.scalars(select(CarPark)).all() == []


def test_import_through_the_api_needs_the_permission(client: TestClient, world: World) -> None:
    document = json.loads(DRESDEN.read_text())
    assert client.post("/dresden/api/v1/parking/car-parks/import", json=document).status_code == 401
    login(client, "dd.clerk.a")
    assert client.post("/dresden/api/v1/parking/car-parks/import", json=document).status_code == 403
    operator = TestClient(client.app, base_url="https://testserver")
    login(operator, "dd.operator")
    response = operator.post("/dresden/api/v1/parking/car-parks/import", json=document)
    assert response.status_code == 200
    assert response.json() == {"created": 57, "updated": 0, "skipped": 1, "duplicates": 3}
    not_geojson = operator.post("/dresden/api/v1/parking/car-parks/import", json={"a": 1})
    assert not_geojson.status_code == 422
