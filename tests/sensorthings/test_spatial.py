"""Spatial functions of $filter (OGC 18-088, table 12): PostGIS on PostgreSQL, shapely on
SQLite, with the same answers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.sensorthings.conftest import STA

# Altmarkt and Neumarkt are 0.0045° apart; the polygon covers the old town only.
OLD_TOWN = "POLYGON((13.73 51.045, 13.75 51.045, 13.75 51.056, 13.73 51.056, 13.73 51.045))"
PLACES = {
    "Altmarkt": [13.7373, 51.0504],
    "Neumarkt": [13.7417, 51.0517],
    "Albertplatz": [13.7470, 51.0650],
}


@pytest.fixture
def locations(writer: TestClient) -> dict[str, int]:
    created = {}
    for name, coordinates in PLACES.items():
        response = writer.post(
            f"{STA}/Locations",
            json={
                "name": name,
                "description": "",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": coordinates},
            },
        )
        created[name] = response.json()["@iot.id"]
    route = writer.post(
        f"{STA}/FeaturesOfInterest",
        json={
            "name": "Augustusbrücke",
            "description": "",
            "encodingType": "application/geo+json",
            "feature": {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[13.7405, 51.0545], [13.7430, 51.0570]],
                },
            },
        },
    )
    assert route.status_code == 201, route.text
    return created


def _names(client: TestClient, entity_set: str, expression: str) -> list[str]:
    response = client.get(f"{STA}/{entity_set}?$filter={expression}&$orderby=name")
    assert response.status_code == 200, response.text
    return [entity["name"] for entity in response.json()["value"]]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (f"st_within(location, geography'{OLD_TOWN}')", ["Altmarkt", "Neumarkt"]),
        (f"geo.intersects(location, geography'{OLD_TOWN}')", ["Altmarkt", "Neumarkt"]),
        (f"st_intersects(location, geography'{OLD_TOWN}')", ["Altmarkt", "Neumarkt"]),
        (f"st_disjoint(location, geography'{OLD_TOWN}')", ["Albertplatz"]),
        (f"st_contains(geography'{OLD_TOWN}', location)", ["Altmarkt", "Neumarkt"]),
        ("st_equals(location, geography'POINT(13.7373 51.0504)')", ["Altmarkt"]),
        (
            "geo.distance(location, geography'POINT(13.7373 51.0504)') lt 0.005",
            ["Altmarkt", "Neumarkt"],
        ),
        (
            "geo.distance(location, geography'SRID=4326;POINT(13.7373 51.0504)') gt 0.01",
            ["Albertplatz"],
        ),
        (f"st_relate(location, geography'{OLD_TOWN}', 'T*F**F***')", ["Altmarkt", "Neumarkt"]),
        (f"not st_within(location, geography'{OLD_TOWN}')", ["Albertplatz"]),
    ],
)
def test_spatial_filters_on_locations(
    client: TestClient, locations: dict[str, int], expression: str, expected: list[str]
) -> None:
    assert _names(client, "Locations", expression) == expected


def test_features_and_line_measures(client: TestClient, locations: dict[str, int]) -> None:
    assert _names(client, "FeaturesOfInterest", "geo.length(feature) gt 0.003") == [
        "Augustusbrücke"
    ]
    assert _names(client, "FeaturesOfInterest", f"st_crosses(feature, geography'{OLD_TOWN}')") == [
        "Augustusbrücke"
    ]
    assert _names(
        client, "FeaturesOfInterest", "st_touches(feature, geography'POINT(13.7405 51.0545)')"
    ) == ["Augustusbrücke"]
    overlaps = f"st_overlaps(feature, geography'{OLD_TOWN}')"
    assert _names(client, "FeaturesOfInterest", overlaps) == []


@pytest.mark.parametrize(
    "expression",
    [
        "st_within(name, geography'POINT(1 2)')",
        "st_within(location, geography'NOT WKT')",
        "st_relate(location, geography'POINT(1 2)', 'short')",
        "geo.intersects(Things/name, geography'POINT(1 2)')",
    ],
)
def test_bad_spatial_filters_are_400(
    client: TestClient, locations: dict[str, int], expression: str
) -> None:
    response = client.get(f"{STA}/Locations?$filter={expression}")
    assert response.status_code == 400, response.text


def test_spatial_filter_inside_expand(
    client: TestClient, locations: dict[str, int], bench_thing: dict[str, Any]
) -> None:
    query = f"$expand=Locations($filter=st_within(location, geography'{OLD_TOWN}'))"
    thing = client.get(f"{STA}/Things?{query}").json()["value"][0]
    assert [loc["name"] for loc in thing["Locations"]] == ["Altmarkt"]


def test_unreadable_geometries_are_refused(writer: TestClient, world: object) -> None:
    for geometry in (
        {"type": "Polygon", "coordinates": [[[13, 51], [14, 51]]]},
        {"type": "LineString", "coordinates": "nope"},
        {"type": "Feature", "geometry": "nope"},
    ):
        response = writer.post(
            f"{STA}/Locations",
            json={
                "name": "kaputt",
                "description": "",
                "encodingType": "application/geo+json",
                "location": geometry,
            },
        )
        assert response.status_code == 400, geometry


def test_postgis_uses_the_geometry_index(
    client: TestClient, locations: dict[str, int], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("GiST indexes are PostgreSQL's; SQLite filters with shapely")
    from sqlalchemy import select, text
    from sqlalchemy.dialects import postgresql

    from smartcity.sensorthings.entities import ENTITY_TYPES
    from smartcity.sensorthings.filters import Compiler
    from smartcity.sensorthings.query import parse_expression

    location = ENTITY_TYPES["Location"]
    condition = Compiler(location, "postgresql").condition(
        parse_expression(f"st_within(location, geography'{OLD_TOWN}')", "$filter")
    )
    statement = (
        select(location.model.id)
        .where(condition)
        .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})  # type: ignore[no-untyped-call]
    )
    engine = client.app.state.platform.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {statement}")))
    assert "ix_sta_location_location_geometry" in plan
