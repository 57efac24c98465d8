"""The council's pages in a real browser (headless Chromium, Playwright): a citizen goes from
the calendar to a meeting and one of its papers, a councillor reads the meeting with its
non-public items; axe-core finds no WCAG 2.1 AA violation on any of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smartcity.council.demo import Seeded
from smartcity.council.permissions import COUNCIL_OFFICE, COUNCILLOR
from tests.conftest import World
from tests.council.conftest import add_staff
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]


def test_meeting_pages_are_accessible(
    new_page: Callable[[], Any], world: World, council: Seeded
) -> None:
    meeting = council.meetings[0]
    citizen = new_page()
    citizen.set_default_timeout(60_000)  # the shared test machine can be slow
    citizen.goto("/dresden/ratsinfo")
    accessible(citizen)
    # On a phone the calendar's day and time each stay on one line (the time may go under
    # the day), and the page does not scroll sideways.
    size = citizen.viewport_size
    citizen.set_viewport_size({"width": 360, "height": 740})
    broken = citizen.eval_on_selector_all(
        "td.council-date span", "parts => parts.filter(p => p.getClientRects().length > 1).length"
    )
    assert citizen.locator("td.council-date time").count() == len(council.meetings)
    assert broken == 0
    assert citizen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    citizen.set_viewport_size(size)
    citizen.get_by_role("link", name=meeting.name).first.click()
    citizen.wait_for_url(f"**/dresden/ratsinfo/sitzungen/{meeting.id}")
    assert "Tagesordnung" in citizen.content()
    assert "Grundstücksangelegenheiten" not in citizen.content()
    accessible(citizen)
    citizen.locator("table a[href*='/ratsinfo/vorlagen/']").first.click()
    citizen.wait_for_url("**/dresden/ratsinfo/vorlagen/*")
    accessible(citizen)
    citizen.goto(f"/dresden/ratsinfo/gremien/{council.council.id}")
    accessible(citizen)

    add_staff(world, "dd.councillor", COUNCILLOR)
    councillor = new_page()
    councillor.set_default_timeout(60_000)
    target = f"/dresden/verwaltung/ratsinfo/sitzungen/{meeting.id}/ansicht"
    councillor.goto(f"/anmelden?next={target}")
    log_in(councillor, "dd.councillor", target)
    assert "Grundstücksangelegenheiten" in councillor.content()
    accessible(councillor)


def test_the_council_offices_forms_are_accessible(
    new_page: Callable[[], Any], world: World, council: Seeded
) -> None:
    add_staff(world, "dd.council", COUNCIL_OFFICE)
    page = new_page()
    page.set_default_timeout(60_000)
    target = f"/dresden/verwaltung/ratsinfo/sitzungen/{council.meetings[0].id}/ansicht"
    page.goto(f"/anmelden?next={target}")
    log_in(page, "dd.council", target)
    accessible(page)  # the meeting with its agenda and the upload form
    page.goto("/dresden/verwaltung/ratsinfo/sitzungen/neu")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_selector("#fehlerliste")
    assert "Bitte füllen Sie dieses Feld aus." in page.content()
    accessible(page)  # the error summary
