"""The booking search of the back office: cash-desk staff and facility managers find a
booking by its number or address, a ticket's code, the buyer's e-mail address (any case) or
the day of the slot, and act on it from the booking's page; another municipality's bookings
are never found, the cash desk sees neither the buyer's address nor the cancellation, and
what was searched for is in no log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.platform import Platform
from smartcity.leisure import facilities, passes, tickets
from smartcity.leisure.models import Facility, Order
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool, book, make_pool, ticket_tokens
from tests.web.conftest import Browser, main_text

SEARCH = "/dresden/verwaltung/freizeit/buchungen"


def _order_id(world: World, code: str, radebeul: bool = False) -> int:
    with world.tenant(world.radebeul if radebeul else world.dresden) as db:
        found = db.scalar(select(Order.id).where(Order.code == code))
        assert isinstance(found, int)
        return found


def _tomorrow() -> str:
    return (datetime.now(BERLIN) + timedelta(days=1)).date().isoformat()


def test_cash_desk_finds_a_booking_by_address_code_and_day(
    world: World, platform: Platform, pool: Pool, gate: Browser
) -> None:
    code = book(
        world,
        platform,
        pool.later_slot,
        {pool.products["adult"]: 2},
        email="Gast.Name@example.org",
        paid=False,
    )
    book(world, platform, pool.now_slot, {pool.products["family"]: 1}, email="b@example.org")
    [(ticket_code, _token), _second] = ticket_tokens(world, code)
    form = gate.get(SEARCH)
    assert form.status_code == 200
    assert 'method="post"' in form.text
    assert "Buchungssuche" in form.text

    for typed in (
        "gast.name@EXAMPLE.org",
        tickets.shown_code(ticket_code).lower(),
        code,
        f"https://testserver/dresden/freizeit/bestellung/{code}",
    ):
        found = gate.submit(SEARCH, {"q": typed})
        assert found.status_code == 200, typed
        text = main_text(found)
        assert "1 Buchung gefunden" in text, typed
        assert "Erwachsene, Erwachsene" in text
        assert "Zahlung offen (Kasse)" in text
        assert "11,00 €" in text
        assert f"{SEARCH}/{_order_id(world, code)}" in found.text

    by_day = main_text(gate.submit(SEARCH, {"tag": _tomorrow()}))
    assert "1 Buchung gefunden" in by_day
    both = main_text(gate.submit(SEARCH, {"q": "b@example.org", "tag": _tomorrow()}))
    assert "Keine Buchung gefunden" in both
    assert "1 Buchung gefunden" in main_text(
        gate.submit(SEARCH, {"tag": datetime.now(BERLIN).strftime("%d.%m.%Y")})
    )

    not_a_code = gate.submit(SEARCH, {"q": "gast.name"})
    assert not_a_code.status_code == 422
    assert "Bitte eine Buchungsnummer" in main_text(not_a_code)
    # Only the whole address finds a booking, never a part of it.
    assert "Keine Buchung gefunden" in main_text(gate.submit(SEARCH, {"q": "name@example.org"}))
    empty = gate.submit(SEARCH, {"q": ""})
    assert empty.status_code == 422
    assert 'id="fehlerliste"' in empty.text
    wrong_day = gate.submit(SEARCH, {"tag": "31.02.2026"})
    assert wrong_day.status_code == 422
    assert "TT.MM.JJJJ" in main_text(wrong_day)


def test_another_municipalitys_bookings_are_not_found(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    theirs = make_pool(world, world.radebeul)
    mine = book(
        world, platform, pool.later_slot, {pool.products["adult"]: 1}, email="x@example.org"
    )
    other = book(
        world,
        platform,
        theirs.later_slot,
        {theirs.products["adult"]: 1},
        email="x@example.org",
        municipality=world.radebeul,
    )
    [(other_ticket, _token)] = ticket_tokens(world, other, world.radebeul)
    found = main_text(manager.submit(SEARCH, {"q": "x@example.org"}))
    assert "1 Buchung gefunden" in found
    for typed in (other, other_ticket):
        assert "Keine Buchung gefunden" in main_text(manager.submit(SEARCH, {"q": typed}))
    assert "1 Buchung gefunden" in main_text(manager.submit(SEARCH, {"tag": _tomorrow()}))
    other_id = _order_id(world, other, radebeul=True)
    assert manager.get(f"{SEARCH}/{other_id}").status_code == 404
    # Another municipality's facility as the filter finds nothing either.
    assert "Keine Buchung gefunden" in main_text(
        manager.submit(SEARCH, {"tag": _tomorrow(), "einrichtung": str(theirs.facility_id)})
    )
    assert manager.get(f"{SEARCH}/{_order_id(world, mine)}").status_code == 200


def test_cash_desk_records_a_payment_but_may_not_cancel(
    world: World, platform: Platform, pool: Pool, gate: Browser, manager: Browser
) -> None:
    code = book(
        world,
        platform,
        pool.later_slot,
        {pool.products["adult"]: 1},
        email="kasse@example.org",
        paid=False,
    )
    page_path = f"{SEARCH}/{_order_id(world, code)}"
    page = gate.get(page_path)
    assert page.status_code == 200
    text = main_text(page)
    assert "An der Kasse bezahlt: 5,50 €" in text
    assert "Buchung stornieren" not in text
    assert "kasse@example.org" not in page.text
    assert "Kassenbericht" not in page.text
    cancel_path = f"/dresden/verwaltung/freizeit/{pool.facility_id}/bestellungen/"
    cancel_path += f"{_order_id(world, code)}/stornieren"
    assert gate.submit(cancel_path, {"zurueck": "buchung"}).status_code == 403
    assert gate.get("/dresden/verwaltung/freizeit/kassenbericht").status_code == 403
    assert gate.get("/dresden/verwaltung/freizeit/statistik").status_code == 403

    paid = gate.submit("/dresden/verwaltung/einlass/bezahlt", {"order": code, "zurueck": "buchung"})
    assert paid.status_code == 303
    assert paid.headers["location"] == f"{page_path}?bezahlt=1"
    text = main_text(gate.get(paid.headers["location"]))
    assert "Zahlung erfasst" in text
    assert "Bezahlt" in text
    assert "An der Kasse bezahlt" not in text

    managed = manager.get(page_path)
    assert "kasse@example.org" in main_text(managed)
    assert "Buchung stornieren und 5,50 € erstatten" in main_text(managed)
    # Managers reach the report from the facilities' overview, gate staff the search from
    # the entry check (the header holds one entry per area).
    overview = manager.get("/dresden/verwaltung/freizeit").text
    assert 'href="freizeit/kassenbericht"' in overview
    assert 'href="freizeit/buchungen"' in gate.get("/dresden/verwaltung/einlass").text
    cancelled = manager.submit(cancel_path, {"zurueck": "buchung"})
    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == f"{page_path}?storniert=1"
    text = main_text(manager.get(cancelled.headers["location"]))
    assert "Storniert und erstattet" in text
    assert "erstattet: 5,50 €" in text


def test_nobody_else_searches(
    world: World, pool: Pool, new_client: Callable[[], TestClient]
) -> None:
    anonymous = Browser(new_client())
    answer = anonymous.get(SEARCH, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/anmelden")
    clerk = Browser(new_client())
    assert clerk.login("dd.clerk.a").status_code == 303
    assert clerk.get(SEARCH).status_code == 403
    assert clerk.submit(SEARCH, {"q": "x@example.org"}).status_code == 403
    # Without the form's token nothing is searched.
    staff = Browser(new_client())
    assert staff.login("dd.admin").status_code == 303
    assert staff.client.post(SEARCH, data={"q": "x@example.org"}).status_code == 403


def test_search_terms_are_in_no_log(
    world: World,
    platform: Platform,
    pool: Pool,
    gate: Browser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    code = book(
        world, platform, pool.later_slot, {pool.products["adult"]: 1}, email="geheim@example.org"
    )
    [(ticket_code, _token)] = ticket_tokens(world, code)
    with caplog.at_level(logging.DEBUG):
        for typed in ("GEHEIM@example.org", tickets.shown_code(ticket_code), code, "nicht-da"):
            gate.submit(SEARCH, {"q": typed})
    assert caplog.records, "the access log writes a line per request"
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records).lower()
    for secret in ("geheim@example.org", ticket_code.lower(), code.lower(), "nicht-da"):
        assert secret not in logged


def test_a_card_is_found_on_its_first_day_and_cancelled_from_its_page(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    first_day = (datetime.now(BERLIN) + timedelta(days=3)).date()
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        card = facilities.add_product(
            db,
            facility,
            facilities.ProductInput("10er-Karte", "punch_card", 4500, 1, 700, False, entries=10),
            "test",
        )
        order = passes.buy(
            db,
            world.dresden,
            facility,
            passes.PassInput(card.id, first_day, "karte@example.org"),
            platform.settings.require_secret_key(),
        )
        order_id = order.id
    found = manager.submit(SEARCH, {"tag": first_day.strftime("%d.%m.%Y")})
    text = main_text(found)
    assert "1 Buchung gefunden" in text
    assert "10er-Karte" in text
    assert first_day.strftime("%d.%m.%Y") in text
    page = main_text(manager.get(f"{SEARCH}/{order_id}"))
    assert "0 von 10 Eintritten genutzt" in page
    assert "Einlassliste" not in page  # a card has no slot
    # Cancelled from the check-in list's form (no way back named): a card has no slot, so
    # the booking's page follows.
    cancelled = manager.submit(
        f"/dresden/verwaltung/freizeit/{pool.facility_id}/bestellungen/{order_id}/stornieren"
    )
    assert cancelled.headers["location"] == f"{SEARCH}/{order_id}?storniert=1"
    assert "Storniert" in main_text(manager.get(cancelled.headers["location"]))
