"""The departures pages in a real browser (headless Chromium, Playwright): a citizen finds a
stop by keyboard and reads its board; the Stadtwerke read the validator's report. axe-core
finds no WCAG 2.1 AA violation on any of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smartcity.core.platform import Platform
from tests.conftest import World
from tests.transit.conftest import import_feed, live_feed
from tests.transit.test_import import broken_feed
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, new_page, server

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]


def test_finding_a_stop_and_reading_its_departures(
    new_page: Callable[[], Any], world: World, platform: Platform
) -> None:
    assert import_feed(platform, world, live_feed()) == "active"
    assert import_feed(platform, world, broken_feed()) == "rejected"
    page = new_page()
    page.set_default_timeout(60_000)  # the shared test machine can be slow
    page.set_viewport_size({"width": 375, "height": 740})  # a phone first
    page.goto("/dresden/oepnv")
    accessible(page)
    page.fill("#feld-q", "Haupt")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dresden/oepnv?q=Haupt")
    accessible(page)
    page.get_by_role("link", name="Hauptplatz").click()
    page.wait_for_url("**/dresden/oepnv/abfahrten?halt=S1")
    assert page.get_by_role("table", name="Nächste Abfahrten").is_visible()
    assert "Endstelle" in page.content()
    accessible(page)
    page.goto("/dresden/oepnv/abfahrten?halt=S1&lang=en")
    assert page.get_by_role("table", name="Next departures").is_visible()
    accessible(page)
    page.goto("/dresden/oepnv/abfahrten?halt=S1&lang=de")

    staff = new_page()
    staff.set_default_timeout(60_000)
    staff.goto("/anmelden?next=/dresden/verwaltung/oepnv/fahrplaene/2")
    staff.fill("#feld-username", "dd.admin")
    from tests.conftest import PASSWORD

    staff.fill("#feld-password", PASSWORD)
    staff.get_by_role("button", name="Anmelden").click()
    staff.wait_for_url("**/dresden/verwaltung/oepnv/fahrplaene/2")
    assert "foreign_key_violation" in staff.content()
    accessible(staff)
    staff.goto("/dresden/verwaltung/oepnv")
    accessible(staff)
