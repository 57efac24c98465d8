"""The booking search, a booking's page, the cash report and the statistics form in a real
browser (headless Chromium, Playwright): the search is typed and sent with the keyboard, and
axe-core finds no WCAG 2.1 AA violation on any of the pages, with and without errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smartcity.core.platform import Platform
from smartcity.leisure.permissions import FACILITY_MANAGER
from tests.conftest import World
from tests.leisure.conftest import add_staff, book, make_pool
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]

SEARCH = "/dresden/verwaltung/freizeit/buchungen"


def test_the_booking_search_and_the_reports_are_accessible(
    new_page: Callable[[], Any], world: World, platform: Platform
) -> None:
    pool = make_pool(world, world.dresden)
    book(world, platform, pool.now_slot, {pool.products["family"]: 1}, email="a@example.org")
    add_staff(world, "dd.baeder", FACILITY_MANAGER, world.dresden)
    page = new_page()
    page.set_default_timeout(60_000)
    page.goto(f"/anmelden?next={SEARCH}")
    log_in(page, "dd.baeder", SEARCH)
    accessible(page)
    page.get_by_role("button", name="Buchungen suchen").click()
    page.wait_for_selector("#fehlerliste")
    accessible(page)
    page.fill("#feld-q", "A@Example.org")
    page.press("#feld-q", "Enter")
    page.wait_for_selector("table caption")
    assert "1 Buchung gefunden" in page.content()
    accessible(page)
    page.get_by_role("link", name="Familie (4 Personen)").click()
    page.wait_for_url(f"**{SEARCH}/*")
    assert "a@example.org" in page.content()
    accessible(page)
    base = "/dresden/verwaltung/freizeit"
    for path in (
        f"{base}/kassenbericht",
        f"{base}/kassenbericht?tag=gestern",
        f"{base}/statistik",
        f"{base}/statistik.csv?einrichtung={pool.facility_id}&von=2026-03-02&bis=2026-03-01",
    ):
        page.goto(path)
        accessible(page)
