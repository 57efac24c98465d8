"""Query options (OGC 18-088, 9.3; conformance class 'request data'). The spatial functions
are in test_spatial.py."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.sensorthings.conftest import STA, ids


@pytest.fixture
def city(writer: TestClient, bench_thing: dict[str, Any]) -> dict[str, int]:
    """Two more things with observations, for ordering and filtering."""
    created = {}
    for name, owner, values in (
        ("Laterne Prager Straße", "SachsenEnergie", [0, 40, 80]),
        ("Pegel Augustusbrücke", "Stadt Dresden", [120.5, 118.0]),
    ):
        body = {
            "name": name,
            "description": f"{name} (Test)",
            "properties": {"owner": owner, "floors": len(values)},
            "Datastreams": [
                {
                    "name": f"{name} Messwert",
                    "description": "",
                    "observationType": "OM_Measurement",
                    "unitOfMeasurement": {"name": "x", "symbol": "x", "definition": "x"},
                    "Sensor": {"@iot.id": 1},
                    "ObservedProperty": {"@iot.id": 1},
                    "Observations": [
                        {
                            "phenomenonTime": f"2026-11-2{index}T06:30:00Z",
                            "result": value,
                            "FeatureOfInterest": {
                                "name": "Punkt",
                                "description": "",
                                "encodingType": "application/geo+json",
                                "feature": {"type": "Point", "coordinates": [13, 51]},
                            },
                        }
                        for index, value in enumerate(values)
                    ],
                }
            ],
        }
        response = writer.post(f"{STA}/Things", json=body)
        assert response.status_code == 201, response.text
        created[name] = response.json()["@iot.id"]
    return created


def _results(client: TestClient, query: str) -> list[Any]:
    response = client.get(f"{STA}/Observations?{query}")
    assert response.status_code == 200, response.text
    return [o["result"] for o in response.json()["value"]]


def test_top_skip_and_next_link(client: TestClient, city: dict[str, int]) -> None:
    """Req /req/request-data/top, /skip; nextLink leads to the next page."""
    first = client.get(f"{STA}/Observations?$orderby=id&$top=3").json()
    assert len(first["value"]) == 3
    seen = ids_of(first)
    next_link = first["@iot.nextLink"]
    while next_link:
        page = client.get(next_link).json()
        seen += ids_of(page)
        next_link = page.get("@iot.nextLink")
    assert seen == sorted(seen)
    assert len(seen) == 8


def ids_of(page: dict[str, Any]) -> list[int]:
    return [entity["@iot.id"] for entity in page["value"]]


def test_count(client: TestClient, city: dict[str, int]) -> None:
    body = client.get(f"{STA}/Observations?$count=true&$top=1").json()
    assert body["@iot.count"] == 8
    assert "@iot.count" not in client.get(f"{STA}/Observations").json()


def test_orderby_several_keys_and_upper_case_desc(client: TestClient, city: dict[str, int]) -> None:
    """Req /req/request-data/orderby; FROST's client sends 'DESC'."""
    body = client.get(f"{STA}/Things?$orderby=properties/owner DESC,name asc").json()
    names = [t["name"] for t in body["value"]]
    assert names == ["Bank am Altmarkt", "Pegel Augustusbrücke", "Laterne Prager Straße"]
    assert _results(client, "$orderby=result desc&$top=2") == [120.5, 118.0]


def test_select(client: TestClient, city: dict[str, int]) -> None:
    """Req /req/request-data/select."""
    body = client.get(f"{STA}/Things?$select=name,Datastreams&$top=1").json()
    assert set(body["value"][0]) == {"name", "Datastreams@iot.navigationLink"}
    with_id = client.get(f"{STA}/Things?$select=id&$top=1").json()["value"][0]
    assert set(with_id) == {"@iot.id", "@iot.selfLink"}
    bad = client.get(f"{STA}/Things?$select=colour")
    assert bad.status_code == 400
    assert "colour" in bad.json()["message"]


def test_nested_expand_with_own_options(client: TestClient, city: dict[str, int]) -> None:
    """Req /req/request-data/expand, nested with $select, $top, $orderby, $count."""
    query = (
        "$filter=name eq 'Laterne Prager Straße'&$expand=Datastreams($select=name;"
        "$expand=Observations($top=1;$orderby=phenomenonTime desc;$count=true))"
    )
    thing = client.get(f"{STA}/Things?{query}").json()["value"][0]
    datastream = thing["Datastreams"][0]
    assert set(datastream) == {"name", "Observations", "Observations@iot.count"}
    assert [o["result"] for o in datastream["Observations"]] == [80]
    assert datastream["Observations@iot.count"] == 3
    path_form = client.get(
        f"{STA}/Things({city['Laterne Prager Straße']})?$expand=Datastreams/Observations"
    ).json()
    assert len(path_form["Datastreams"][0]["Observations"]) == 3


def test_expand_to_one(client: TestClient, city: dict[str, int]) -> None:
    observation = client.get(f"{STA}/Observations?$top=1&$expand=Datastream($select=name)").json()
    assert observation["value"][0]["Datastream"] == {"name": "Lufttemperatur"}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("result gt 100", [118.0, 120.5]),
        ("result ge 4.25 and result le 6", [4.25, 6]),
        ("result lt 4 or result eq 120.5", [0, 3.5, 120.5]),
        ("not (result lt 100)", [118.0, 120.5]),
        ("result ne 0 and result mul 2 gt 200", [118.0, 120.5]),
        ("(result add 2) div 2 eq 41", [80]),
        ("result mod 40 eq 0", [0, 40, 80]),
        ("result sub 0.5 eq 120", [120.5]),
        ("round(result) eq 4", [3.5, 4.25]),
        ("floor(result) eq 118 or ceiling(result) eq 121", [118.0, 120.5]),
        (
            "phenomenonTime ge 2026-11-21T00:00:00Z and phenomenonTime lt 2026-11-22T00:00:00Z",
            [40, 118.0],
        ),
        (
            "year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 11 and day(phenomenonTime) "
            "eq 20",
            [0, 120.5],
        ),
        ("hour(phenomenonTime) eq 9", [4.25]),
        ("time(phenomenonTime) eq '06:30:00' and date(phenomenonTime) eq '2026-11-22'", [80]),
        ("phenomenonTime lt now() sub duration'P1000D'", []),
        ("Datastream/Thing/name eq 'Pegel Augustusbrücke'", [118.0, 120.5]),
        ("Datastream/Thing/properties/owner eq 'SachsenEnergie'", [0, 40, 80]),
        ("Datastream/Thing/properties/floors gt 2", [0, 40, 80]),
        ("FeatureOfInterest/name eq 'Altmarkt'", [3.5, 4.25, 6]),
        ("id in (1, 2)", [3.5, 4.25]),
    ],
)
def test_filter(
    client: TestClient, city: dict[str, int], expression: str, expected: list[Any]
) -> None:
    """Req /req/request-data/filter: comparison, logical, arithmetic, date/time, math
    functions and paths through navigation properties and JSON properties."""
    assert sorted(_results(client, f"$filter={expression}&$orderby=result")) == sorted(expected)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("substringof('Prager', name)", ["Laterne Prager Straße"]),
        ("contains(name, 'Bank')", ["Bank am Altmarkt"]),
        ("startswith(name, 'Pegel')", ["Pegel Augustusbrücke"]),
        ("endswith(name, 'Straße')", ["Laterne Prager Straße"]),
        ("length(name) eq 16", ["Bank am Altmarkt"]),
        ("indexof(name, 'am') eq 5", ["Bank am Altmarkt"]),
        ("substring(name, 8) eq 'Prager Straße'", ["Laterne Prager Straße"]),
        ("substring(name, 0, 4) eq 'Bank'", ["Bank am Altmarkt"]),
        ("tolower(name) eq 'bank am altmarkt'", ["Bank am Altmarkt"]),
        ("toupper(name) eq 'BANK AM ALTMARKT'", ["Bank am Altmarkt"]),
        ("trim(name) eq name and concat(name, '!') eq 'Bank am Altmarkt!'", ["Bank am Altmarkt"]),
        ("properties/solar eq true", ["Bank am Altmarkt"]),
        (
            "properties/owner eq 'Stadt Dresden' and properties/installed eq 2024",
            ["Bank am Altmarkt"],
        ),
        ("Datastreams/Observations/result gt 100", ["Pegel Augustusbrücke"]),
        ("Locations/name eq 'Altmarkt'", ["Bank am Altmarkt"]),
    ],
)
def test_filter_on_things(
    client: TestClient, city: dict[str, int], expression: str, expected: list[str]
) -> None:
    response = client.get(f"{STA}/Things?$filter={expression}")
    assert response.status_code == 200, response.text
    assert [t["name"] for t in response.json()["value"]] == expected


@pytest.mark.parametrize(
    "expression",
    [
        "name eq",
        "name eq 'unclosed",
        "colour eq 'red'",
        "Datastreams eq 1",
        "st_within(name, geography'POINT(1 2)')",
        "name eq 'a' and",
        "unknownfunction(name)",
        "(((((name eq 'a'",
    ],
)
def test_malformed_filters_are_400(
    client: TestClient, city: dict[str, int], expression: str
) -> None:
    response = client.get(f"{STA}/Things?$filter={expression}")
    assert response.status_code == 400, response.text
    assert response.json()["message"]


def test_type_mismatches_are_400_not_500(client: TestClient, city: dict[str, int]) -> None:
    for expression in ("name gt 5", "phenomenonTime eq 'yesterday'", "length(name) eq 'x'"):
        response = client.get(f"{STA}/Observations?$filter=Datastream/Thing/{expression}")
        assert response.status_code in (200, 400), (expression, response.text)
    response = client.get(f"{STA}/Things?$filter=year(name) eq 2024")
    assert response.status_code in (200, 400), response.text


def test_bad_paging_options_are_400(client: TestClient, city: dict[str, int]) -> None:
    for query in (
        "$top=-1",
        "$top=abc",
        "$skip=x",
        "$count=maybe",
        "$bogus=1",
        "$expand=Colours",
        "$orderby=colour",
    ):
        assert client.get(f"{STA}/Things?{query}").status_code == 400, query


def test_ids_listed(client: TestClient, city: dict[str, int]) -> None:
    assert ids(client.get(f"{STA}/Things")) == [1, *sorted(city.values())]


def test_count_switches_to_the_planner_estimate_on_postgresql(
    client: TestClient, city: dict[str, int], backend: str
) -> None:
    from sqlalchemy import text

    platform = client.app.state.platform  # type: ignore[attr-defined]
    platform.settings.sta_count_estimate_above = 1
    with platform.engine.begin() as connection:
        if backend == "postgresql":
            connection.execute(text("ANALYZE sta_observation"))
    counted = client.get(f"{STA}/Observations?$count=true&$top=1").json()["@iot.count"]
    assert isinstance(counted, int)
    if backend == "sqlite":
        assert counted == 8  # SQLite always counts exactly
    else:
        assert 1 <= counted <= 50  # the planner's estimate, close to the 8 rows
    filtered = client.get(f"{STA}/Observations?$count=true&$filter=result gt 100").json()
    assert isinstance(filtered["@iot.count"], int)
    platform.settings.sta_count_estimate_above = 0
    assert client.get(f"{STA}/Observations?$count=true").json()["@iot.count"] == 8


def test_ids_beyond_64_bits_are_not_a_server_error(
    writer: TestClient, city: dict[str, int]
) -> None:
    huge = 2**70
    assert writer.get(f"{STA}/Things({huge})").status_code == 404
    assert writer.get(f"{STA}/Things?$filter=id eq {huge}").status_code == 400
    assert writer.get(f"{STA}/Things?$skip={huge}").status_code == 400
    linked = writer.post(f"{STA}/Things", json={"name": "x", "Locations": [{"@iot.id": huge}]})
    assert linked.status_code == 400
    bulk = writer.post(
        f"{STA}/CreateObservations",
        json=[{"Datastream": {"@iot.id": huge}, "components": ["result"], "dataArray": [[1]]}],
    )
    assert bulk.status_code == 400
    aggregate = writer.get(
        f"/dresden/api/v1/sensorthings/datastreams/{huge}/aggregate",
        params={"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
    )
    assert aggregate.status_code == 422
    assert writer.get(f"/dresden/api/v1/parking/car-parks/{huge}").status_code == 422


def test_top_above_the_maximum_pages_instead_of_refusing(
    client: TestClient, city: dict[str, int]
) -> None:
    """Issue 20.2: the server returns at most `sta_max_top` with a nextLink to the rest."""
    platform = client.app.state.platform  # type: ignore[attr-defined]
    platform.settings.sta_max_top = 3
    first = client.get(f"{STA}/Observations?$top=100000&$orderby=id")
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["value"]) == 3
    assert "$top=3" in body["@iot.nextLink"]
    seen = ids_of(body)
    next_link = body["@iot.nextLink"]
    while next_link:
        page = client.get(next_link).json()
        seen += ids_of(page)
        next_link = page.get("@iot.nextLink")
    assert len(seen) == 8


def test_iot_id_names_the_id_in_every_query_option(
    client: TestClient, city: dict[str, int]
) -> None:
    """Issue 20.3: `@iot.id` wherever a property may be named; `id` keeps working."""
    pegel = city["Pegel Augustusbrücke"]
    assert ids(client.get(f"{STA}/Things?$filter=@iot.id eq {pegel}")) == [pegel]
    assert ids(client.get(f"{STA}/Things?$filter=id eq {pegel}")) == [pegel]
    through = client.get(f"{STA}/Observations?$filter=Datastream/Thing/@iot.id eq {pegel}")
    assert through.status_code == 200, through.text
    assert len(through.json()["value"]) == 2
    descending = ids(client.get(f"{STA}/Things?$orderby=@iot.id desc"))
    assert descending == sorted(descending, reverse=True)
    selected = client.get(f"{STA}/Things?$select=@iot.id,name&$top=1").json()["value"][0]
    assert set(selected) == {"@iot.id", "@iot.selfLink", "name"}
    expanded = client.get(f"{STA}/Things({pegel})?$expand=Datastreams($select=@iot.id)").json()
    assert set(expanded["Datastreams"][0]) == {"@iot.id", "@iot.selfLink"}
    # Inside a string literal it is text, not the id.
    assert client.get(f"{STA}/Things?$filter=name eq '@iot.id'").json()["value"] == []


def test_service_root_with_a_trailing_slash(client: TestClient, city: dict[str, int]) -> None:
    """Issue 20.4."""
    plain = client.get(STA)
    slashed = client.get(f"{STA}/")
    assert slashed.status_code == 200, slashed.text
    assert slashed.json() == plain.json()
