"""The council office's services in a real browser (headless Chromium, Playwright): a citizen
searches the papers and opens a hit, watches a meeting's recording with its chapters; the
council office sends an invitation, sets a stream and chapters, and records a member's consent;
axe-core finds no WCAG 2.1 AA violation on any of these pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smartcity.council.demo import Seeded
from smartcity.council.permissions import COUNCIL_OFFICE
from tests.conftest import World
from tests.council.conftest import add_staff
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]


def test_search_and_the_archive_are_accessible(
    new_page: Callable[[], Any], world: World, council: Seeded
) -> None:
    citizen = new_page()
    citizen.set_default_timeout(60_000)  # the shared test machine can be slow
    citizen.goto("/dresden/ratsinfo")
    citizen.get_by_role("link", name="Ratsdokumente durchsuchen").click()
    citizen.wait_for_url("**/dresden/ratsinfo/suche")
    accessible(citizen)
    citizen.fill("#feld-q", "Abstellbügel")
    citizen.keyboard.press("Enter")
    citizen.wait_for_url("**/dresden/ratsinfo/suche?q=*")
    assert "2 Treffer" in citizen.content()
    accessible(citizen)
    citizen.locator("ol.search-results a").first.click()
    citizen.wait_for_url("**/dresden/ratsinfo/vorlagen/*")
    assert council.streamed is not None
    citizen.goto(f"/dresden/ratsinfo/sitzungen/{council.streamed.id}")
    assert citizen.locator("video#aufzeichnung").count() == 1
    assert citizen.locator("ol.chapters a").count() >= 2
    accessible(citizen)


def test_the_offices_invitation_stream_and_consent_pages_are_accessible(
    new_page: Callable[[], Any], world: World, council: Seeded
) -> None:
    add_staff(world, "dd.council", COUNCIL_OFFICE)
    page = new_page()
    page.set_default_timeout(60_000)
    upcoming = council.meetings[-1]
    target = f"/dresden/verwaltung/ratsinfo/sitzungen/{upcoming.id}/einladung"
    page.goto(f"/anmelden?next={target}")
    log_in(page, "dd.council", target)
    accessible(page)
    page.get_by_role("button", name="Einladung versenden").click()
    page.wait_for_url("**/einladung?gesendet=*")
    assert "Die Einladung wurde an" in page.content()
    accessible(page)
    page.goto(f"/dresden/verwaltung/ratsinfo/sitzungen/{upcoming.id}/uebertragung")
    page.fill("#feld-stream_url", "kein Link")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_selector("#fehlerliste")
    accessible(page)  # the error summary and the members without consent
    page.goto(f"/dresden/verwaltung/ratsinfo/personen/{council.persons[9].id}/kontakt")
    accessible(page)
