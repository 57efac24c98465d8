"""The WiFi pages in a real browser (headless Chromium, Playwright): a citizen finds a working
hotspot by keyboard on a phone, in German and English; the Stadtwerke work their back office.
axe-core finds no WCAG 2.1 AA violation on any of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import PASSWORD, World
from tests.web.conftest import database_url, tiles
from tests.web.test_in_browser import (
    accessible,
    chromium,
    new_page,
    server,
    settings,
    shows_tiles,
)
from tests.web.tile_server import TileServer
from tests.wifi.conftest import read

# Fixtures of the web tests (SQLite only, a served app, Chromium, tiles served by the test).
__all__ = ["chromium", "database_url", "new_page", "server", "settings", "tiles"]


@pytest.mark.usefixtures("utility")
def test_finding_a_hotspot_and_the_back_office(
    new_page: Callable[[], Any], world: World, tiles: TileServer
) -> None:
    read(world, "meshviewer.json", datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    page = new_page()
    page.set_default_timeout(60_000)  # the shared test machine can be slow
    page.set_viewport_size({"width": 375, "height": 740})  # a phone first
    page.goto("/dresden/wlan")
    accessible(page)
    page.fill("#feld-ort", "altmarkt")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dresden/wlan?ort=altmarkt*")
    page.check("#feld-alle")
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_url("**alle=1*")
    assert page.get_by_role("heading", name="dd-stadt-albertplatz", exact=True).is_visible()
    shows_tiles(page, tiles)
    accessible(page)
    page.goto("/dresden/wlan?lat=north&lon=13&lang=en")
    assert "latitude between -90 and 90" in page.content()
    accessible(page)
    page.goto("/dresden/wlan?lang=de")

    staff = new_page()
    staff.set_default_timeout(60_000)
    staff.goto("/anmelden?next=/dresden/verwaltung/wlan")
    staff.fill("#feld-username", "dd.stadtwerke")
    staff.fill("#feld-password", PASSWORD)
    staff.get_by_role("button", name="Anmelden").click()
    staff.wait_for_url("**/dresden/verwaltung/wlan")
    accessible(staff)
    staff.fill("#feld-offline_minutes", "1")
    staff.get_by_role("button", name="Einstellungen speichern").click()
    staff.wait_for_selector(".kern-form-input--error")
    accessible(staff)
    staff.get_by_role("button", name="Hochladen und lesen").click()
    staff.wait_for_selector(".kern-form-input--error")
    accessible(staff)
