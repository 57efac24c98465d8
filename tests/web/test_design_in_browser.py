"""The KERN UX frame in a real browser: axe-core finds no WCAG 2.1 AA violation on the
portal, the back office, the cockpit and the bench kiosk, in German and English, at desktop
and phone widths; at 1280 px the back office's header stays one row and every entry of its
navigation is in view (with many modules it takes two rows rather than hiding entries)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smartcity.benches import services as benches
from tests.conftest import World
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server

__all__ = ["chromium", "new_page", "server"]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PORTAL = [
    "/dresden/",
    "/dresden/parken",
    "/dresden/impressum",
    "/dresden/datenschutz",
    "/dresden/barrierefreiheit",
    "/dresden/kontakt",
]
STAFF = [
    "/dresden/verwaltung/",
    "/dresden/verwaltung/auftritt",
    "/dresden/verwaltung/cockpit",
]


def patient(new_page: Callable[[], Any]) -> Any:
    """A page that waits longer than the default: the first answers of a fresh server are
    slow on a busy machine, and this test visits many pages."""
    page = new_page()
    page.set_default_timeout(60_000)
    return page


@pytest.mark.parametrize("language", ["de", "en"])
def test_portal_back_office_cockpit_and_kiosk_are_accessible_on_desktop_and_phone(
    new_page: Callable[[], Any], world: World, language: str
) -> None:
    with world.tenant(world.dresden) as db:
        bench = benches.create_bench(db, name="Bank Altmarkt", lat=51.05, lon=13.74, actor="t")
    citizen = patient(new_page)
    citizen.goto(f"/dresden/?lang={language}")
    staff = patient(new_page)
    staff.goto("/anmelden?next=/dresden/verwaltung/")
    log_in(staff, "dd.admin", "/dresden/verwaltung/")
    staff.goto(f"/dresden/verwaltung/?lang={language}")
    for viewport in (DESKTOP, PHONE):
        for page, paths in (
            (citizen, [*PORTAL, f"/dresden/benches/{bench.id}/display"]),
            (staff, STAFF),
        ):
            page.set_viewport_size(viewport)
            for path in paths:
                page.goto(path)
                assert page.locator("html").get_attribute("lang") == (
                    "de" if path.endswith("/display") else language
                )
                accessible(page)
    # The feedback form with its errors shown.
    citizen.set_viewport_size(PHONE)
    citizen.goto("/dresden/barrierefreiheit")
    citizen.locator("form button[type=submit]").click()
    citizen.wait_for_selector("#fehlerliste")
    accessible(citizen)


def test_the_back_office_header_is_one_row_and_every_area_in_view_at_1280_px(
    new_page: Callable[[], Any], world: World
) -> None:
    page = patient(new_page)
    page.set_viewport_size(DESKTOP)
    page.goto("/anmelden?next=/dresden/verwaltung/")
    log_in(page, "dd.admin", "/dresden/verwaltung/")
    for language in ("de", "en"):
        page.goto(f"/dresden/verwaltung/?lang={language}")
        items = page.locator(".main-nav li")
        assert items.count() >= 8  # every area an administrator has
        boxes = [items.nth(i).bounding_box() for i in range(items.count())]
        assert all(box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"] for box in boxes)
        assert len({round(box["y"]) for box in boxes}) <= 2, "the navigation takes two rows at most"
        links = page.locator(".main-nav a")
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        name = page.locator(".site-name").bounding_box()
        logout = page.get_by_role("button", name="Abmelden" if language == "de" else "Log out")
        assert abs(logout.bounding_box()["y"] - name["y"]) < name["height"], "the header wraps"
