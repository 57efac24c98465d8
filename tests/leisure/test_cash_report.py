"""The daily cash report: what a facility's cash desk took (bookings paid there that day)
and paid back (bookings refunded that day), per ticket and VAT rate, with a voucher's
discount shared among its tickets; as a page and as a CSV file for German Excel. Free,
unpaid, other days' and another municipality's bookings are not in it, and the cash desk
without the manager's permission does not see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases.pages import staff_names
from smartcity.core.db import utcnow
from smartcity.core.identity import users
from smartcity.core.identity.models import UserAccount
from smartcity.core.platform import Platform
from smartcity.leisure import booking, holds, reports, vouchers
from smartcity.leisure.models import Facility, Order, Product
from smartcity.leisure.permissions import GATE_STAFF
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool, add_staff, book, make_pool
from tests.web.conftest import Browser, main_text

REPORT = "/dresden/verwaltung/freizeit/kassenbericht"


def _order(db: Session, code: str) -> Order:
    found = db.scalar(select(Order).where(Order.code == code))
    assert isinstance(found, Order)
    return found


def _with_voucher(world: World, platform: Platform, pool: Pool) -> str:
    """1 adult and 1 reduced ticket with 10 % off, paid at the cash desk: 8,10 €."""
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        [voucher] = vouchers.create(
            db, facility, vouchers.VoucherInput("discount", percent_off=10), "t", date.today()
        )
        cart = holds.hold(
            db,
            holds.HoldInput(
                pool.later_slot,
                {pool.products["adult"]: 1, pool.products["reduced"]: 1},
                voucher.code,
            ),
        )
        order = holds.confirm(
            db,
            world.dresden,
            cart,
            email="v@example.org",
            citizen_subject=None,
            language="de",
            secret=platform.settings.require_secret_key(),
        )
        assert order.total_cents == 810
        booking.mark_paid(db, order, "test")
        return order.code


@pytest.fixture
def day_of_bookings(world: World, platform: Platform, pool: Pool) -> None:
    adult, reduced = pool.products["adult"], pool.products["reduced"]
    book(world, platform, pool.later_slot, {adult: 2, pool.products["family"]: 1})
    _with_voucher(world, platform, pool)
    refunded = book(world, platform, pool.later_slot, {adult: 1})
    yesterday = book(world, platform, pool.later_slot, {reduced: 1}, paid=False)
    book(world, platform, pool.later_slot, {pool.products["child"]: 1})  # free
    book(world, platform, pool.later_slot, {adult: 1}, paid=False)  # not paid yet
    with world.tenant(world.dresden) as db:
        booking.cancel(db, _order(db, refunded), "test", staff=True)
        booking.mark_paid(db, _order(db, yesterday), "test", now=utcnow() - timedelta(days=1))
    theirs = make_pool(world, world.radebeul)
    book(
        world,
        platform,
        theirs.later_slot,
        {theirs.products["adult"]: 3},
        municipality=world.radebeul,
    )


def test_the_day_per_ticket_and_vat_rate(world: World, pool: Pool, day_of_bookings: None) -> None:
    today = datetime.now(BERLIN).date()
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        report = reports.cash_report(db, facility, today, "Europe/Berlin")
        before = reports.cash_report(db, facility, today - timedelta(days=1), "Europe/Berlin")
    assert [
        (line.product, line.sold, line.taken_cents, line.refunded, line.refunded_cents)
        for line in report.lines
    ] == [
        ("Ermäßigt", 1, 315, 0, 0),
        ("Erwachsene", 4, 1100 + 495 + 550, 1, 550),
        ("Familie", 1, 1500, 0, 0),
    ]
    assert (report.orders_paid, report.orders_refunded) == (3, 1)
    assert (report.taken_cents, report.refunded_cents, report.balance_cents) == (3960, 550, 3410)
    [vat] = report.vat
    assert (vat.vat_basis_points, vat.gross_cents, vat.vat_cents, vat.net_cents) == (
        700,
        3410,
        223,
        3187,
    )
    assert [(line.product, line.taken_cents) for line in before.lines] == [("Ermäßigt", 350)]


def test_page_and_csv(pool: Pool, manager: Browser, day_of_bookings: None) -> None:
    page = manager.get(f"{REPORT}?einrichtung={pool.facility_id}")
    assert page.status_code == 200
    text = main_text(page)
    assert "Kassenbericht" in text
    assert "Eingenommen 39,60 €" in text
    assert "Ausgezahlt 5,50 €" in text
    assert "Saldo 34,10 €" in text
    assert "Erwachsene 7 % 4 21,45 € 1 5,50 €" in text
    today = datetime.now(BERLIN).date()
    csv_path = f"{REPORT}.csv?einrichtung={pool.facility_id}&tag={today.isoformat()}"
    assert csv_path.replace("&", "&amp;") in page.text
    answer = manager.get(csv_path)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    lines = answer.content.decode("utf-8-sig").split("\r\n")
    shown = today.strftime("%d.%m.%Y")
    assert lines[0] == (
        "Tag;Einrichtung;Kassenkonto;Ticket;MwSt.-Satz (%);Verkauft;Einnahmen (EUR);"
        "Erstattet;Erstattungen (EUR);Saldo (EUR);darin MwSt. (EUR)"
    )
    # The fixture's payments and refund were recorded under the actor "test".
    assert lines[1:5] == [
        f"{shown};Hallenbad Mitte;test;Ermäßigt;7,00;1;3,15;0;0,00;3,15;0,21",
        f"{shown};Hallenbad Mitte;test;Erwachsene;7,00;4;21,45;1;5,50;15,95;1,04",
        f"{shown};Hallenbad Mitte;test;Familie;7,00;1;15,00;0;0,00;15,00;0,98",
        f"{shown};Hallenbad Mitte;;Gesamt;;6;39,60;1;5,50;34,10;2,23",
    ]
    # Another day: nothing taken.
    quiet = manager.get(f"{REPORT}?einrichtung={pool.facility_id}&tag=2026-01-01")
    assert "An diesem Tag wurde an der Kasse nichts eingenommen" in main_text(quiet)


def test_wrong_input_and_other_municipalities(
    world: World, pool: Pool, manager: Browser, gate: Browser
) -> None:
    wrong = manager.get(f"{REPORT}?einrichtung={pool.facility_id}&tag=gestern")
    assert wrong.status_code == 422
    assert "TT.MM.JJJJ" in main_text(wrong)
    assert manager.get(f"{REPORT}.csv?einrichtung={pool.facility_id}&tag=gestern").status_code == (
        422
    )
    theirs = make_pool(world, world.radebeul)
    assert manager.get(f"{REPORT}?einrichtung={theirs.facility_id}").status_code == 404
    assert manager.get(f"{REPORT}.csv?einrichtung={theirs.facility_id}").status_code == 404
    assert manager.get(f"{REPORT}?einrichtung=abc").status_code == 404
    assert gate.get(REPORT).status_code == 403
    assert gate.get(f"{REPORT}.csv?einrichtung={pool.facility_id}").status_code == 403


def test_per_cash_desk_account_at_the_rate_sold(
    world: World,
    platform: Platform,
    pool: Pool,
    gate: Browser,
    manager: Browser,
    new_client: Callable[[], TestClient],
) -> None:
    """Two cash desks take money through the scanner page, the manager cancels and pays one
    booking back, a buyer cancels online; later the adult ticket's VAT rate changes. The report
    counts per account and at the rate each ticket was sold at, before and after the change."""
    add_staff(world, "dd.kasse2", GATE_STAFF, world.dresden)
    second = Browser(new_client())
    assert second.login("dd.kasse2").status_code == 303
    adult, family = pool.products["adult"], pool.products["family"]
    first_desk = book(world, platform, pool.later_slot, {adult: 2}, paid=False)
    second_desk = book(world, platform, pool.later_slot, {family: 1}, paid=False)
    paid_back = book(world, platform, pool.later_slot, {adult: 1}, paid=False)
    online = book(world, platform, pool.later_slot, {adult: 1}, paid=False)
    for desk, code in (
        (gate, first_desk),
        (second, second_desk),
        (gate, paid_back),
        (gate, online),
    ):
        answer = desk.submit("/dresden/verwaltung/einlass/bezahlt", {"order": code})
        assert answer.status_code == 303
    with world.tenant(world.dresden) as db:
        order_id = _order(db, paid_back).id
    cancelled = manager.submit(
        f"/dresden/verwaltung/freizeit/{pool.facility_id}/bestellungen/{order_id}/stornieren", {}
    )
    assert cancelled.status_code == 303
    with world.tenant(world.dresden) as db:
        booking.cancel(db, _order(db, online), "citizen")

    def report() -> list[tuple[str, str, int, int, int, int]]:
        with world.tenant(world.dresden) as db:
            facility = db.get(Facility, pool.facility_id)
            assert facility is not None
            today = datetime.now(BERLIN).date()
            found = reports.cash_report(db, facility, today, "Europe/Berlin")
            assert [
                (a.account, a.orders_paid, a.taken_cents, a.refunded_cents) for a in found.accounts
            ] == [
                ("", 0, 0, 550),
                ("dd.baeder (dd.baeder)", 0, 0, 550),
                ("dd.gate (dd.gate)", 3, 2200, 0),
                ("dd.kasse2 (dd.kasse2)", 1, 1500, 0),
            ]
            return [
                (
                    line.account,
                    line.product,
                    line.vat_basis_points,
                    line.sold,
                    line.taken_cents,
                    line.refunded_cents,
                )
                for line in found.lines
            ]

    before = report()
    assert before == [
        ("", "Erwachsene", 700, 0, 0, 550),
        ("dd.baeder (dd.baeder)", "Erwachsene", 700, 0, 0, 550),
        ("dd.gate (dd.gate)", "Erwachsene", 700, 4, 2200, 0),
        ("dd.kasse2 (dd.kasse2)", "Familie", 700, 1, 1500, 0),
    ]
    with world.tenant(world.dresden) as db:
        product = db.get(Product, adult)
        assert product is not None
        product.vat_basis_points = 1900
    assert report() == before
    page = main_text(manager.get(f"{REPORT}?einrichtung={pool.facility_id}"))
    assert "Je Kassenkonto" in page
    assert "dd.kasse2 (dd.kasse2) 1 15,00 € 0 0,00 € 15,00 €" in page
    assert "Ohne Kassenkonto (online vom Käufer storniert) 0 0,00 € 1 5,50 € −5,50 €" in page
    with world.tenant(world.dresden) as db:
        account = db.scalar(select(UserAccount).where(UserAccount.username == "dd.gate"))
        assert account is not None
        assert _order(db, first_desk).paid_by == f"user:{account.id}"


def test_shares_add_up_to_the_cent() -> None:
    assert reports.shares(810, [550, 350]) == [495, 315]
    assert reports.shares(100, [1, 1, 1]) == [34, 33, 33]
    assert reports.shares(0, [0, 0]) == [0, 0]
    assert sum(reports.shares(999, [550, 550, 1500, 0])) == 999
    assert reports.vat_in(-1070, 700) == -70
    assert reports.vat_in(119, 1900) == 19


def test_csv_cells_are_no_formulas() -> None:
    body = reports.german_csv(["a", "b"], [["=HYPERLINK(1)", "-5,50"], ["@x", 3]])
    assert body.decode("utf-8-sig").split("\r\n")[1:3] == ["'=HYPERLINK(1);-5,50", "'@x;3"]


def test_the_report_and_the_case_pages_name_staff_accounts_alike(world: World) -> None:
    add_staff(world, "dd.anna", GATE_STAFF, world.dresden)
    add_staff(world, "dd.nameless", GATE_STAFF, world.dresden)
    with world.system() as db:
        anna = db.scalars(select(UserAccount).where(UserAccount.username == "dd.anna")).one()
        anna.display_name = "Anna Kasse"
        nameless = db.scalars(
            select(UserAccount).where(UserAccount.username == "dd.nameless")
        ).one()
        nameless.display_name = ""
        anna_id, nameless_id = anna.id, nameless.id
    actors = {f"user:{anna_id}", f"user:{nameless_id}", "user:999999", "api-key:3"}
    with world.tenant(world.dresden) as db:
        assert reports.account_names(db, actors) == {
            f"user:{anna_id}": "Anna Kasse (dd.anna)",
            f"user:{nameless_id}": "dd.nameless",
            "user:999999": "user:999999",
            "api-key:3": "api-key:3",
        }
        cases_names = staff_names(db, world.dresden)
        assert cases_names[f"user:{anna_id}"] == cases_names[str(anna_id)] == "Anna Kasse"
        assert cases_names[f"user:{nameless_id}"] == "dd.nameless"
        # One mapping of audit actors behind both.
        assert users.actor_names(db, actors) == {
            f"user:{anna_id}": "Anna Kasse",
            f"user:{nameless_id}": "dd.nameless",
        }
