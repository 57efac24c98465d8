"""The address search asks the configured Photon geocoder only, keeps to the municipality's
area, says plainly when the geocoder fails, and never logs what was typed."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from smartcity.core.settings import Settings
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import geocoding
from smartcity.core.web.i18n import current_language
from tests.core.web.photon_server import photon_server

DRESDEN = Municipality(slug="dresden", name="Dresden", center_lat=51.05, center_lon=13.74)


def test_finds_addresses_of_the_town_and_asks_within_its_area(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with photon_server() as photon:
        found = geocoding.search(photon.url, "Altmarkt 1", DRESDEN)
    # Cottbus's Altmarkt is outside Dresden's area although the geocoder names it.
    assert found == [geocoding.Match("Altmarkt 1, 01067 Dresden", 51.0505, 13.7385)]
    (query,) = photon.queries
    assert query["q"] == ["Altmarkt 1"]
    assert query["lang"] == ["de"]
    assert query["limit"] == ["5"]
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in query["bbox"][0].split(","))
    assert min_lon < 13.74 < max_lon
    assert min_lat < 51.05 < max_lat
    assert max_lat - min_lat < 0.5
    assert "Altmarkt" not in caplog.text


def test_a_named_place_shows_its_name_and_address() -> None:
    token = current_language.set("en")
    try:
        with photon_server() as photon:
            found = geocoding.search(photon.url + "/", "kulturpalast", DRESDEN)
    finally:
        current_language.reset(token)
    assert [m.label for m in found] == ["Kulturpalast, Schloßstraße 2, 01067 Dresden"]
    assert photon.queries[0]["lang"] == ["en"]


def test_no_match_is_an_empty_list() -> None:
    with photon_server() as photon:
        assert geocoding.search(photon.url, "Gibtsnichtweg 99", DRESDEN) == []


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_a_failing_geocoder_gives_a_clear_message(mode: str) -> None:
    token = current_language.set("en")  # the catalogues may be loaded by earlier tests
    try:
        with photon_server() as photon:
            photon.mode = mode
            with pytest.raises(geocoding.GeocoderError, match="address search is not available"):
                geocoding.search(photon.url, "Altmarkt", DRESDEN)
    finally:
        current_language.reset(token)


def test_a_geocoder_that_is_down_or_slow_gives_a_clear_message() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(geocoding.GeocoderError):
        geocoding.search(f"http://127.0.0.1:{port}", "Altmarkt", DRESDEN)
    with photon_server() as photon:
        photon.mode = "slow"
        started = time.monotonic()
        with pytest.raises(geocoding.GeocoderError):
            geocoding.search(photon.url, "Altmarkt", DRESDEN, timeout=0.5)
        assert time.monotonic() - started < 3


def test_answers_that_are_not_addresses_are_skipped() -> None:
    box = geocoding.bbox(DRESDEN)
    answer = {
        "features": [
            {"geometry": {"coordinates": ["x", 51.05]}, "properties": {"city": "Dresden"}},
            {"geometry": {"coordinates": [13.74, float("nan")]}, "properties": {}},
            {"geometry": {"coordinates": [13.74, 51.05]}, "properties": {}},
            "nonsense",
            {"geometry": {"coordinates": [13.74, 51.05]}, "properties": {"city": "Dresden"}},
            {"geometry": {"coordinates": [13.75, 51.06]}, "properties": {"city": "Dresden"}},
        ]
    }
    assert geocoding.matches(answer, box) == [geocoding.Match("Dresden", 51.05, 13.74)]
    with pytest.raises(geocoding.GeocoderError):
        geocoding.matches([], box)


def test_the_setting_takes_only_web_addresses() -> None:
    assert Settings(geocoder_url="").geocoder_url == ""
    assert Settings(geocoder_url="https://geo.stadt.example/").geocoder_url == (
        "https://geo.stadt.example"
    )
    with pytest.raises(ValueError, match="http:// or https://"):
        Settings(geocoder_url="geo.stadt.example")
