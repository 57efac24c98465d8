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


@pytest.fixture
def placed_things(writer: TestClient, locations: dict[str, int]) -> dict[str, int]:
    """A Thing at each place (Albertplatz's also at Altmarkt: any Location counts), each with
    an Observation whose FeatureOfInterest is the place."""
    things = {}
    for name, coordinates in PLACES.items():
        places = [{"@iot.id": locations[name]}]
        if name == "Albertplatz":
            places.append({"@iot.id": locations["Altmarkt"]})
        body = {
            "name": f"Bank {name}",
            "description": "",
            "Locations": places,
            "Datastreams": [
                {
                    "name": f"Temperatur {name}",
                    "description": "",
                    "observationType": "OM_Measurement",
                    "unitOfMeasurement": {"name": "x", "symbol": "x", "definition": "x"},
                    "Sensor": {
                        "name": "S",
                        "description": "",
                        "encodingType": "text/plain",
                        "metadata": "",
                    },
                    "ObservedProperty": {"name": "T", "definition": "", "description": ""},
                    "Observations": [
                        {
                            "phenomenonTime": "2026-11-26T08:00:00Z",
                            "result": 1,
                            "FeatureOfInterest": {
                                "name": name,
                                "description": "",
                                "encodingType": "application/geo+json",
                                "feature": {"type": "Point", "coordinates": coordinates},
                            },
                        }
                    ],
                }
            ],
        }
        response = writer.post(f"{STA}/Things", json=body)
        assert response.status_code == 201, response.text
        things[name] = response.json()["@iot.id"]
    return things


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            "geo.distance(Locations/location, geography'POINT(13.7373 51.0504)') lt 0.001",
            ["Bank Albertplatz", "Bank Altmarkt"],
        ),
        (
            "geo.distance(Locations/location, geography'POINT(13.7470 51.0650)') lt 0.001",
            ["Bank Albertplatz"],
        ),
        (
            f"st_within(Locations/location, geography'{OLD_TOWN}')",
            ["Bank Albertplatz", "Bank Altmarkt", "Bank Neumarkt"],
        ),
        (
            f"geo.intersects(Locations/location, geography'{OLD_TOWN}')",
            ["Bank Albertplatz", "Bank Altmarkt", "Bank Neumarkt"],
        ),
        (
            f"st_contains(geography'{OLD_TOWN}', Locations/location)",
            ["Bank Albertplatz", "Bank Altmarkt", "Bank Neumarkt"],
        ),
        (f"not st_within(Locations/location, geography'{OLD_TOWN}')", []),
        (
            "st_equals(Locations/location, geography'POINT(13.7417 51.0517)') and name ne 'x'",
            ["Bank Neumarkt"],
        ),
    ],
)
def test_spatial_functions_follow_navigation_paths(
    client: TestClient, placed_things: dict[str, int], expression: str, expected: list[str]
) -> None:
    """Issue 20.5: any related entity satisfying the function is enough, as for other paths."""
    assert _names(client, "Things", expression) == expected


def test_observations_by_their_feature(client: TestClient, placed_things: dict[str, int]) -> None:
    response = client.get(
        f"{STA}/Observations?$filter=st_within(FeatureOfInterest/feature, "
        f"geography'{OLD_TOWN}')&$expand=FeatureOfInterest($select=name)"
    )
    assert response.status_code == 200, response.text
    names = sorted(o["FeatureOfInterest"]["name"] for o in response.json()["value"])
    assert names == ["Altmarkt", "Neumarkt"]
    two_steps = client.get(
        f"{STA}/Observations?$filter=st_within(Datastream/Thing/Locations/location, "
        f"geography'POINT(13.7470 51.0650)') or geo.distance(Datastream/Thing/Locations/"
        "location, geography'POINT(13.7470 51.0650)') lt 0.0001"
    )
    assert two_steps.status_code == 200, two_steps.text
    assert len(two_steps.json()["value"]) == 1
    both = client.get(
        f"{STA}/Things?$filter=st_within(Locations/location, Datastreams/Observations/"
        "FeatureOfInterest/feature)"
    )
    assert both.status_code == 400
    assert "only one argument" in both.json()["message"]


def test_postgis_uses_the_geometry_index_through_a_path(
    client: TestClient, placed_things: dict[str, int], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("GiST indexes are PostgreSQL's; SQLite filters with shapely")
    from sqlalchemy import select, text
    from sqlalchemy.dialects import postgresql

    from smartcity.sensorthings.entities import ENTITY_TYPES
    from smartcity.sensorthings.filters import Compiler
    from smartcity.sensorthings.query import parse_expression

    thing = ENTITY_TYPES["Thing"]
    condition = Compiler(thing, "postgresql").condition(
        parse_expression(f"st_within(Locations/location, geography'{OLD_TOWN}')", "$filter")
    )
    statement = (
        select(thing.model.id)
        .where(condition)
        .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})  # type: ignore[no-untyped-call]
    )
    engine = client.app.state.platform.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {statement}")))
    assert "ix_sta_location_location_geometry" in plan
