"""Booking in a real browser (headless Chromium, Playwright): a citizen picks a slot, books
with the keyboard only, sees the ticket and cancels; the gate staff checks a ticket on the
scanner page. axe-core finds no WCAG 2.1 AA violation on any of the pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from smartcity.core.platform import Platform
from smartcity.leisure import facilities, vouchers
from smartcity.leisure.models import Facility
from smartcity.leisure.permissions import FACILITY_MANAGER, GATE_STAFF
from tests.conftest import World
from tests.leisure.conftest import BERLIN, add_staff, book, make_pool, ticket_tokens
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server, tab_to

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]


def test_booking_and_entry_in_the_browser(
    new_page: Callable[[], Any], world: World, platform: Platform
) -> None:
    pool = make_pool(world, world.dresden)
    page = new_page()
    page.set_default_timeout(60_000)  # the shared test machine can be slow
    page.goto("/dresden/freizeit")
    accessible(page)
    page.get_by_role("link", name="Hallenbad Mitte").click()
    page.wait_for_url("**/dresden/freizeit/hallenbad")
    tomorrow = (datetime.now(BERLIN) + timedelta(days=1)).date().isoformat()
    page.goto(f"/dresden/freizeit/hallenbad?tag={tomorrow}")
    accessible(page)
    page.goto(f"/dresden/freizeit/hallenbad/buchen/{pool.later_slot}")
    accessible(page)
    page.get_by_role("button", name="Reservieren und weiter").click()
    page.wait_for_selector("#fehlerliste")
    accessible(page)  # the error summary: no ticket
    adult = f"#feld-anzahl-{pool.products['adult']}"
    tab_to(page, adult)
    page.keyboard.press("Control+a")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dresden/freizeit/warenkorb/*")
    accessible(page)  # the cart with its reservation
    tab_to(page, "#feld-email")
    page.keyboard.type("erika@example.org")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dresden/freizeit/bestellung/*")
    assert "Gebucht" in page.content()
    accessible(page)
    page.get_by_role("button", name="Buchung stornieren").click()
    page.wait_for_url("**storniert=1")
    accessible(page)

    add_staff(world, "dd.gate", GATE_STAFF, world.dresden)
    order = book(world, platform, pool.now_slot, {pool.products["reduced"]: 1})
    [(code, _token)] = ticket_tokens(world, order)
    gate = new_page()
    gate.set_default_timeout(60_000)
    gate.set_viewport_size({"width": 375, "height": 740})  # a phone
    gate.goto("/anmelden?next=/dresden/verwaltung/einlass")
    log_in(gate, "dd.gate", "/dresden/verwaltung/einlass")
    accessible(gate)
    gate.fill("#feld-code", code)
    gate.get_by_role("button", name="Ticket prüfen").click()
    gate.wait_for_selector("#ergebnis")
    assert "Bitte den Nachweis prüfen" in gate.inner_text("#ergebnis")
    accessible(gate)


def test_multi_use_tickets_and_the_waiting_list_are_accessible(
    new_page: Callable[[], Any], world: World, platform: Platform
) -> None:
    pool = make_pool(world, world.dresden, hall_slots=1)
    book(world, platform, pool.later_slot, {pool.products["adult"]: 1})
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        card = facilities.add_product(
            db,
            facility,
            facilities.ProductInput("10er-Karte", "punch_card", 4950, entries=10),
            "t",
        )
    page = new_page()
    page.set_default_timeout(60_000)
    page.goto(f"/dresden/freizeit/hallenbad/karten/{card.id}")
    accessible(page)
    page.fill("#feld-email", "stammgast@example.org")
    page.get_by_role("button", name="Jetzt kaufen").click()
    page.wait_for_url("**/dresden/freizeit/bestellung/*")
    assert "noch 10 von 10 Eintritten" in page.content()
    accessible(page)
    page.goto(f"/dresden/freizeit/hallenbad/warteliste/{pool.later_slot}")
    accessible(page)
    page.get_by_role("button", name="Auf die Warteliste").click()
    page.wait_for_selector("#fehlerliste")
    accessible(page)
    page.select_option("#feld-product", str(pool.products["adult"]))
    page.fill("#feld-email", "warte@example.org")
    page.get_by_role("button", name="Auf die Warteliste").click()
    page.wait_for_url("**/dresden/freizeit/warteliste/*")
    assert "Nummer 1" in page.content()
    accessible(page)


def test_the_back_office_pages_are_accessible(
    new_page: Callable[[], Any], world: World, platform: Platform
) -> None:
    pool = make_pool(world, world.dresden)
    book(world, platform, pool.now_slot, {pool.products["family"]: 1})
    add_staff(world, "dd.baeder", FACILITY_MANAGER, world.dresden)
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        vouchers.create(
            db, facility, vouchers.VoucherInput("gift_card", balance_cents=2500), "t", date.today()
        )
    page = new_page()
    page.set_default_timeout(60_000)
    page.goto("/anmelden?next=/dresden/verwaltung/freizeit")
    log_in(page, "dd.baeder", "/dresden/verwaltung/freizeit")
    accessible(page)
    page.get_by_role("button", name="Einrichtung anlegen").click()
    page.wait_for_selector("#fehlerliste")
    accessible(page)
    base = f"/dresden/verwaltung/freizeit/{pool.facility_id}"
    for path in (base, f"{base}/zeitfenster/{pool.now_slot}", f"{base}/gutscheine"):
        page.goto(path)
        accessible(page)
