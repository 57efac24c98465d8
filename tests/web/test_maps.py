"""Every map gets the configured background map: the tile URL and its attribution reach the
map template (`map.html`), which the pages import with their context."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest

from smartcity.core.settings import Settings
from tests.web.conftest import Browser

TILES = "https://tiles.example.invalid/{z}/{x}/{y}.png"
ATTRIBUTION = "© Kartenbeispiel & Mitwirkende"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Only rendered, never fetched: the browser is not involved here.
    return settings.model_copy(update={"map_tile_url": TILES, "map_attribution": ATTRIBUTION})


def map_elements(page: str) -> list[dict[str, str]]:
    elements = re.findall(r'<div id="[^"]+" class="map[^"]*"[^>]*>', page)
    return [
        {name: html.unescape(value) for name, value in re.findall(r'(data-[\w-]+)="([^"]*)"', tag)}
        for tag in elements
    ]


def test_every_map_carries_the_configured_tiles_and_attribution(
    browser: Callable[[], Browser], report_categories: None
) -> None:
    citizen = browser()
    staff = browser()
    assert staff.login("dd.admin").status_code == 303
    pages = [
        (citizen, "/dresden/parken"),
        (citizen, "/dresden/umwelt"),
        (citizen, "/dresden/maengel"),
        (citizen, "/dresden/maengel/melden?kategorie=strassenschaden"),
        (staff, "/dresden/verwaltung/cockpit"),
    ]
    for viewer, path in pages:
        page = viewer.get(path)
        assert page.status_code == 200, path
        maps = map_elements(page.text)
        assert maps, f"no map on {path}"
        for element in maps:
            assert element["data-tiles"] == TILES, path
            assert element["data-attribution"] == ATTRIBUTION, path


def test_a_city_s_own_tile_server_over_http_is_allowed_by_the_content_security_policy() -> None:
    from smartcity.core.http.middleware import security_headers, tile_origin

    assert tile_origin("http://karten.intern:8080/{z}/{x}/{y}.png") == "http://karten.intern:8080"
    assert tile_origin("http://{s}.karten.intern/{z}/{x}/{y}.png") == "http://*.karten.intern"
    assert tile_origin(TILES) == ""  # https: is allowed already
    assert tile_origin("") == ""
    policy = dict(security_headers("http://karten.intern:8080"))[b"content-security-policy"]
    assert b"img-src 'self' data: https: http://karten.intern:8080;" in policy
    assert b"connect-src 'self';" in policy
