"""A municipality's export holds all of its data and nothing of anyone else's."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from fastapi.testclient import TestClient

from smartcity.parking.models import CarPark
from tests.conftest import World, login


def _seed(world: World) -> None:
    with world.tenant(world.dresden) as db:
        db.add(
            CarPark(
                external_id="dresdenaltmarkt",
                name="Altmarkt",
                lot_type="Tiefgarage",
                lat=51.05,
                lon=13.737,
                total=400,
            )
        )
    with world.tenant(world.radebeul) as db:
        db.add(
            CarPark(
                external_id="radebeulost",
                name="Radebeul Ost",
                lot_type="Parkplatz",
                lat=51.1,
                lon=13.67,
            )
        )


def _table(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(f"tables/{name}.csv").decode())))


def test_export_contains_own_data_only(client: TestClient, world: World) -> None:
    _seed(world)
    world.api_key(world.dresden, "sta:write")
    world.api_key(world.radebeul, "sta:write")
    login(client, "dd.steward")
    response = client.get("/dresden/api/v1/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["municipality"]["ags"] == "14612000"
    car_parks = _table(archive, "car_park")
    assert [row["name"] for row in car_parks] == ["Altmarkt"]
    keys = _table(archive, "api_key")
    assert len(keys) == 1
    assert "key_hash" not in keys[0]  # secrets never leave
    audit_rows = _table(archive, "audit_entry")
    assert audit_rows
    assert {row["municipality_id"] for row in audit_rows} == {str(world.dresden.id)}
    staff = {member["username"] for member in json.loads(archive.read("staff.json"))}
    assert "rb.admin" not in staff
    assert "dd.clerk.a" in staff
    assert manifest["tables"]["car_park"]["rows"] == 1


def test_export_needs_the_permission(client: TestClient, world: World) -> None:
    login(client, "dd.operator")
    assert client.get("/dresden/api/v1/export").status_code == 403


def test_export_is_audited(client: TestClient, world: World) -> None:
    login(client, "dd.admin")
    client.get("/dresden/api/v1/export")
    actions = [e["action"] for e in client.get("/dresden/api/v1/audit").json()]
    assert actions[0] == "municipality.export"


def test_export_includes_links_between_entities_of_own_municipality_only(
    client: TestClient, world: World
) -> None:
    from smartcity.sensorthings.models import Location, Thing

    for municipality, name in ((world.dresden, "Bank"), (world.radebeul, "Laterne")):
        with world.tenant(municipality) as db:
            location = Location(
                name=f"{name}-Ort",
                encoding_type="application/geo+json",
                location={"type": "Point", "coordinates": [13, 51]},
            )
            db.add(Thing(name=name, locations=[location]))
    login(client, "dd.admin")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/dresden/api/v1/export").content))
    links = _table(archive, "sta_thing_location")
    things = _table(archive, "sta_thing")
    assert [t["name"] for t in things] == ["Bank"]
    assert links == [{"thing_id": things[0]["id"], "location_id": links[0]["location_id"]}]
    sensors = _table(archive, "sta_sensor")
    assert "metadata" in archive.read("tables/sta_sensor.csv").decode().splitlines()[0]
    assert sensors == []
