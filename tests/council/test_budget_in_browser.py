"""The budget deliberation's pages in a real browser (headless Chromium, Playwright): the
portal's budget with its chart and tables, on a phone too, and the council office's pages with
a refused amendment; axe-core finds no WCAG 2.1 AA violation on any of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from smartcity.council.demo import Seeded
from smartcity.council.demo_budget import seed_budget
from smartcity.council.permissions import COUNCIL_OFFICE
from tests.conftest import World
from tests.council.conftest import add_staff
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]


def test_the_budget_pages_are_accessible(
    new_page: Callable[[], Any], world: World, council: Seeded
) -> None:
    with world.tenant(world.dresden) as db:
        budget_id = seed_budget(
            db, council.council, council.factions, council.meetings[3].start - timedelta(hours=1)
        ).id
    citizen = new_page()
    citizen.set_default_timeout(60_000)  # the shared test machine can be slow
    citizen.goto("/dresden/ratsinfo")
    citizen.get_by_role("link", name="Haushalt").first.click()
    citizen.wait_for_url("**/dresden/ratsinfo/haushalt")
    accessible(citizen)
    citizen.get_by_role("link", name="Haushaltsplan").first.click()
    citizen.wait_for_url(f"**/dresden/ratsinfo/haushalt/{budget_id}")
    assert "Änderungsanträge der Fraktionen nach Haushaltsposition" in citizen.content()
    accessible(citizen)
    # On a phone the page does not scroll sideways: the tables scroll in their own boxes.
    citizen.set_viewport_size({"width": 360, "height": 740})
    assert citizen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert citizen.eval_on_selector_all(
        ".table-scroll", "boxes => boxes.some(b => b.scrollWidth > b.clientWidth)"
    )
    accessible(citizen)

    add_staff(world, "dd.council", COUNCIL_OFFICE)
    office = new_page()
    office.set_default_timeout(60_000)
    target = f"/dresden/verwaltung/ratsinfo/haushalt/{budget_id}"
    office.goto(f"/anmelden?next={target}")
    log_in(office, "dd.council", target)
    accessible(office)  # the budget with the import and adoption forms
    office.get_by_role("link", name="Änderungsantrag stellen").click()
    office.wait_for_url(f"**{target}/antrag")
    office.get_by_role("button", name="Änderungsantrag einreichen").click()
    office.wait_for_selector("#fehlerliste")
    assert "Bitte wählen Sie eine Fraktion." in office.content()
    accessible(office)  # the error summary
    office.goto("/dresden/verwaltung/ratsinfo/haushalt")
    accessible(office)  # the list with the import form
    # On a phone the opened description of the CSV file scrolls in its own box.
    office.set_viewport_size({"width": 360, "height": 740})
    office.get_by_text("So ist die CSV-Datei aufgebaut").click()
    assert office.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    accessible(office)
    office.goto(target)
    office.get_by_text("So ist die CSV-Datei aufgebaut").click()
    assert office.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
