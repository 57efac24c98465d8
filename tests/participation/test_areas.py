"""Areas as GeoJSON polygons: checked on the way in with a message that says what is wrong,
entered by pasting or uploading (no JavaScript), shown on the process page's map with a text
alternative, and proposals placed outside the area refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.core.audit.models import AuditEntry
from smartcity.core.errors import InvalidInput
from smartcity.participation import areas, services
from smartcity.participation.models import Process
from tests.conftest import World
from tests.participation.conftest import citizen_browser, make_process
from tests.web.conftest import Browser, main_text

STAFF = "/dresden/verwaltung/beteiligung/altmarkt"
BASE = "/dresden/beteiligung/altmarkt"
# Around Dresden's Altmarkt (longitude first).
SQUARE = [[13.735, 51.048], [13.742, 51.048], [13.742, 51.052], [13.735, 51.052], [13.735, 51.048]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}
INSIDE = (51.050, 13.738)
OUTSIDE = (51.060, 13.760)


def _message(text: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        areas.parse(text)
    return refused.value.errors["area"]


def test_polygons_multipolygons_and_features_are_read_as_one_area() -> None:
    assert areas.parse(json.dumps(POLYGON)) == POLYGON
    assert areas.parse("  ") is None
    other = [[13.70, 51.00], [13.71, 51.00], [13.71, 51.01], [13.70, 51.00]]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": POLYGON},
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [other]},
            },
        ],
    }
    merged = areas.parse(json.dumps(collection))
    assert merged is not None
    assert merged["type"] == "MultiPolygon"
    assert areas.contains(merged, *INSIDE)
    assert areas.contains(merged, 51.002, 13.708)
    assert not areas.contains(merged, *OUTSIDE)
    # With a hole: the hole is outside.
    hole = [[13.737, 51.049], [13.740, 51.049], [13.740, 51.051], [13.737, 51.049]]
    holed = areas.parse(json.dumps({"type": "Polygon", "coordinates": [SQUARE, hole]}))
    assert not areas.contains(holed, 51.0495, 13.7395)
    assert areas.contains(holed, 51.0515, 13.7365)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ('"Polygon"', "must be a GeoJSON object"),
        ('{"type": "Point", "coordinates": [13.7, 51.0]}', "Polygon or MultiPolygon"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
        (json.dumps({"type": "Polygon", "coordinates": [SQUARE[:-1]]}), "not closed"),
        (json.dumps({"type": "Polygon", "coordinates": [SQUARE[:3]]}), "at least four"),
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[51.05, 200.0], *SQUARE[1:-1], [51.05, 200.0]]],
                }
            ),
            "outside WGS84",
        ),
        (
            json.dumps({"type": "Polygon", "coordinates": [[["a", 1], [2, 3], [4, 5], ["a", 1]]]}),
            "pair of numbers",
        ),
        (
            # A bow tie: its edges cross.
            json.dumps(
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
            ),
            "cross",
        ),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}),
            "cross",
        ),
    ],
)
def test_bad_areas_are_refused_with_what_is_wrong(document: str, message: str) -> None:
    assert message in _message(document)


def test_an_area_too_large_is_refused() -> None:
    ring: list[list[float]] = [[13.0 + i * 1e-5, 51.0] for i in range(areas.MAX_POINTS + 10)]
    ring += [[13.0, 51.1], [13.0, 51.0]]
    assert "20,000 points" in _message(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    assert "1 MB" in _message(" " * (areas.MAX_BYTES + 1) + "{}")


def _process(world: World) -> Process:
    with world.tenant(world.dresden) as db:
        found = services.process_by_slug(db, "altmarkt")
        db.expunge(found)
        return found


def test_staff_paste_or_upload_the_area_and_bad_input_changes_nothing(
    world: World, press: Browser
) -> None:
    make_process(world, "altmarkt", "proposals", area="Altmarkt")
    page = press.get(f"{STAFF}/gebiet")
    assert page.status_code == 200
    assert "Gebiet des Verfahrens" in main_text(page)

    pasted = press.submit(f"{STAFF}/gebiet", {"area": json.dumps(POLYGON)})
    assert pasted.status_code == 303, pasted.text
    assert _process(world).area_geojson == POLYGON

    bad = json.dumps({"type": "Polygon", "coordinates": [SQUARE[:-1]]})
    refused = press.submit(f"{STAFF}/gebiet", {"area": bad})
    assert refused.status_code == 422
    assert "nicht geschlossen" in main_text(refused)
    assert _process(world).area_geojson == POLYGON  # unchanged

    other = {"type": "MultiPolygon", "coordinates": [[SQUARE]]}
    uploaded = press.submit(
        f"{STAFF}/gebiet",
        {"area": ""},
        files={
            "area_file": ("altmarkt.geojson", json.dumps(other).encode(), "application/geo+json")
        },
    )
    assert uploaded.status_code == 303, uploaded.text
    assert _process(world).area_geojson == POLYGON  # one polygon stays a Polygon
    with world.tenant(world.dresden) as db:
        actions = [
            e.action
            for e in db.query(AuditEntry).filter(AuditEntry.action.like("participation.area%"))
        ]
    assert actions == ["participation.area.set"]

    removed = press.submit(f"{STAFF}/gebiet", {"area": ""})
    assert removed.status_code == 303
    assert _process(world).area_geojson is None


def test_the_area_page_needs_the_right_to_manage(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "altmarkt", "proposals")
    anonymous = Browser(new_client())
    assert anonymous.get(f"{STAFF}/gebiet", follow_redirects=False).status_code in (303, 401)
    radebeul = Browser(new_client())
    assert radebeul.login("rb.admin").status_code == 303
    # Another municipality's administrator: Dresden's process is not theirs.
    assert radebeul.get(f"{STAFF}/gebiet").status_code in (403, 404)
    refused = radebeul.submit(f"{STAFF}/gebiet", {"area": json.dumps(POLYGON)})
    assert refused.status_code in (403, 404)
    assert _process(world).area_geojson is None


def _with_area(world: World) -> Process:
    process = make_process(world, "altmarkt", "proposals", area="Altmarkt")
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        found.area_geojson = POLYGON
    return process


def test_a_proposal_outside_the_area_is_refused_with_a_clear_message(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    _with_area(world)
    anna = citizen_browser(new_client, world, "anna")
    form: dict[str, Any] = {
        "title": "Brunnen",
        "text": "Ein Trinkbrunnen",
        "public_name": "Anna",
        "lat": str(OUTSIDE[0]),
        "lon": str(OUTSIDE[1]),
    }
    refused = anna.submit(f"{BASE}/neu", form)
    assert refused.status_code == 422
    assert "außerhalb des Gebiets" in main_text(refused)
    with world.tenant(world.dresden) as db:
        assert services.visible_proposals(db) == []

    inside = anna.submit(f"{BASE}/neu", {**form, "lat": str(INSIDE[0]), "lon": str(INSIDE[1])})
    assert inside.status_code == 303, inside.text
    without_place = anna.submit(f"{BASE}/neu", {**form, "title": "Ohne Ort", "lat": "", "lon": ""})
    assert without_place.status_code == 303


def test_the_process_page_shows_the_area_on_the_map_and_in_words(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    _with_area(world)
    visitor = Browser(new_client())
    page = visitor.get(BASE)
    assert page.status_code == 200
    assert 'data-layers="/dresden/beteiligung/altmarkt/gebiet.geojson"' in page.text
    assert "Die Karte zeigt das Gebiet des Verfahrens: Altmarkt" in main_text(page)
    layer = visitor.get(f"{BASE}/gebiet.geojson")
    assert layer.status_code == 200
    assert layer.headers["content-type"].startswith("application/geo+json")
    feature = layer.json()["features"][0]
    assert feature["geometry"] == POLYGON
    assert feature["properties"] == {"kind": "area", "title": "Altmarkt"}
    # Another municipality's address does not know the process.
    assert visitor.get("/radebeul/beteiligung/altmarkt/gebiet.geojson").status_code == 404


def test_the_proposal_form_draws_the_area_and_names_it(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    anna = citizen_browser(new_client, world, "anna")
    make_process(world, "ohne", "proposals")
    plain = anna.get("/dresden/beteiligung/ohne/neu")
    assert plain.status_code == 200
    assert "gebiet.geojson" not in plain.text  # no area, no area layer
    _with_area(world)
    form = anna.get(f"{BASE}/neu")
    assert form.status_code == 200
    assert f'data-layers="{BASE}/gebiet.geojson {BASE}/vorschlaege.geojson"' in form.text
    assert "innerhalb des Gebiets des Verfahrens: Altmarkt" in main_text(form)
