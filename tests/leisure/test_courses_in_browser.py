"""Courses, groups and age limits in a real browser (headless Chromium, Playwright): a
citizen books a course with the keyboard only, a child ticket asks for the ages, and the back
office's course page; axe-core finds no WCAG 2.1 AA violation, with and without errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from smartcity.core.db import utcnow
from smartcity.core.platform import Platform
from smartcity.leisure import courses, facilities
from smartcity.leisure.models import Facility
from smartcity.leisure.permissions import FACILITY_MANAGER
from tests.conftest import World
from tests.leisure.conftest import BERLIN, add_staff, make_pool
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server, tab_to

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]


def test_courses_groups_and_ages_are_accessible(
    new_page: Callable[[], Any], world: World, platform: Platform
) -> None:
    pool = make_pool(world, world.dresden)
    first = (utcnow() + timedelta(days=2)).astimezone(BERLIN)
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        course = courses.create(
            db,
            facility,
            courses.CourseInput(
                name="Aquafitness",
                zone_id=pool.hall,
                capacity=12,
                price_cents=6000,
                date_price_cents=900,
                vat_basis_points=700,
                dates="\n".join(
                    (first + timedelta(weeks=n)).strftime("%Y-%m-%d 18:00") for n in range(3)
                ),
                duration_minutes=60,
            ),
            timezone=world.dresden.timezone,
            actor="t",
        )
        facilities.add_product(
            db,
            facility,
            facilities.ProductInput("Schulklasse", "group", 300, min_places=10, max_places=35),
            "t",
        )
        kids = facilities.add_product(
            db,
            facility,
            facilities.ProductInput("Kinder", "child", 250, age_min=6, age_max=17),
            "t",
        ).id
    page = new_page()
    page.set_default_timeout(60_000)
    page.goto("/dresden/freizeit/hallenbad")
    accessible(page)
    page.get_by_role("link", name="Aquafitness").click()
    page.wait_for_url(f"**/kurse/{course.id}")
    accessible(page)
    tab_to(page, "#feld-count")
    page.keyboard.press("Control+a")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.wait_for_selector("#fehlerliste")
    accessible(page)
    page.fill("#feld-count", "2")
    page.fill("#feld-email", "kurs@example.org")
    tab_to(page, "#feld-email")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dresden/freizeit/bestellung/*")
    assert "Termine" in page.content()
    accessible(page)
    page.goto(f"/dresden/freizeit/hallenbad/buchen/{pool.later_slot}")
    accessible(page)
    page.get_by_role("button", name="Reservieren und weiter").click()
    page.wait_for_selector("#fehlerliste")
    page.fill(f"#feld-anzahl-{kids}", "1")
    page.get_by_role("button", name="Reservieren und weiter").click()
    page.wait_for_selector("#fehler-ages")
    accessible(page)  # the ages not confirmed
    page.check("#feld-ages")
    page.get_by_role("button", name="Reservieren und weiter").click()
    page.wait_for_url("**/dresden/freizeit/warenkorb/*")
    accessible(page)

    add_staff(world, "dd.baeder", FACILITY_MANAGER, world.dresden)
    office = f"/dresden/verwaltung/freizeit/{pool.facility_id}/kurse"
    staff = new_page()
    staff.set_default_timeout(60_000)
    staff.goto(f"/anmelden?next={office}")
    log_in(staff, "dd.baeder", office)
    accessible(staff)
    staff.get_by_role("button", name="Kurs anlegen").click()
    staff.wait_for_selector("#fehlerliste")
    accessible(staff)
    staff.goto(f"/dresden/verwaltung/freizeit/{pool.facility_id}")
    accessible(staff)
