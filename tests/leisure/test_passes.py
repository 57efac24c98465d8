"""Multi-use tickets: a punch card counts its entries at the gate and is refused when used
up; a month ticket is valid for its period (and, when it says so, once a day) and refused
before and after; the scan says what is left in words; a reduced card still asks for the
proof; two gates scanning one card at once count one entry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.platform import Platform
from smartcity.leisure import booking, facilities, passes, scans
from smartcity.leisure.models import Facility, Ticket
from smartcity.leisure.occupancy import occupancy
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool
from tests.web.conftest import Browser, main_text


def _product(world: World, pool: Pool, data: facilities.ProductInput) -> int:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        return facilities.add_product(db, facility, data, "test").id


def _card(world: World, pool: Pool, entries: int = 3, *, proof: bool = False) -> int:
    return _product(
        world,
        pool,
        facilities.ProductInput(
            "3er-Karte ermäßigt" if proof else f"{entries}er-Karte",
            "punch_card",
            1200,
            1,
            700,
            proof,
            entries=entries,
        ),
    )


def _month(world: World, pool: Pool, *, one_per_day: bool = True) -> int:
    return _product(
        world,
        pool,
        facilities.ProductInput(
            "Monatskarte", "period", 3500, 1, 700, False, valid_days=30, one_per_day=one_per_day
        ),
    )


def _buy(
    world: World, platform: Platform, pool: Pool, product_id: int, first_day: date | None = None
) -> str:
    """Buys and pays a card; returns the ticket's code."""
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        order = passes.buy(
            db,
            world.dresden,
            facility,
            passes.PassInput(product_id, first_day, "stammgast@example.org"),
            platform.settings.require_secret_key(),
        )
        booking.mark_paid(db, order, "test")
        [(ticket, _product)] = booking.tickets_of(db, order)
        assert order.slot_id is None
        return ticket.code


def _scan(
    world: World, code: str, direction: str = scans.ENTRY, at: datetime | None = None
) -> scans.ScanResult:
    with world.tenant(world.dresden) as db:
        return scans.scan(db, world.dresden, code, direction=direction, scanned_at=at, actor="gate")


def test_a_punch_card_counts_its_entries_and_is_refused_when_used_up(
    world: World, platform: Platform, pool: Pool
) -> None:
    code = _buy(world, platform, pool, _card(world, pool, entries=3))
    first = _scan(world, code)
    assert first.result == scans.OK
    assert "noch 2 von 3 Eintritten" in first.message
    assert first.entries_left == 2
    again = _scan(world, code)  # passed back over the turnstile
    assert again.result == scans.USED
    assert "Schon eingelassen" in again.message
    assert _scan(world, code, scans.EXIT).result == scans.EXITED
    assert "noch 1 von 3 Eintritten" in _scan(world, code).message
    _scan(world, code, scans.EXIT)
    last = _scan(world, code)
    assert "das war der letzte von 3 Eintritten" in last.message
    _scan(world, code, scans.EXIT)
    used_up = _scan(world, code)
    assert (used_up.result, used_up.admitted) == (scans.USED_UP, False)
    assert used_up.message == "Aufgebraucht: Alle 3 Eintritte dieser Karte sind genutzt."
    with world.tenant(world.dresden) as db:
        ticket = db.scalar(select(Ticket).where(Ticket.code == code))
        assert ticket is not None
        assert ticket.entries_used == 3


def test_a_month_ticket_is_valid_for_its_period_once_a_day(
    world: World, platform: Platform, pool: Pool
) -> None:
    code = _buy(world, platform, pool, _month(world, pool))
    today = datetime.now(BERLIN).date()
    last_day = (today + timedelta(days=29)).strftime("%d.%m.%Y")
    entered = _scan(world, code)
    assert entered.result == scans.OK
    assert f"Monatskarte, gültig bis {last_day}" in entered.message
    _scan(world, code, scans.EXIT)
    twice = _scan(world, code)
    assert twice.result == scans.USED
    assert "Heute schon benutzt" in twice.message
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), BERLIN)
    assert _scan(world, code, at=tomorrow.replace(hour=10)).result == scans.OK
    late = datetime.combine(today + timedelta(days=30), datetime.min.time(), BERLIN)
    expired = _scan(world, code, at=late.replace(hour=10))
    assert (expired.result, expired.admitted) == (scans.EXPIRED, False)
    assert expired.message == f"Abgelaufen: Diese Karte galt bis {last_day}."


def test_a_card_starting_later_is_not_valid_yet_and_can_be_cancelled_until_then(
    world: World, platform: Platform, pool: Pool
) -> None:
    first_day = datetime.now(BERLIN).date() + timedelta(days=5)
    code = _buy(world, platform, pool, _month(world, pool), first_day)
    early = _scan(world, code)
    assert early.result == scans.NOT_NOW
    assert f"gilt ab {first_day.strftime('%d.%m.%Y')}" in early.message
    with world.tenant(world.dresden) as db:
        ticket = db.scalar(select(Ticket).where(Ticket.code == code))
        assert ticket is not None
        order = booking.order_by_id(db, ticket.order_id)
        booking.cancel(db, order, "citizen")
        assert order.payment_state == "refunded"
    assert _scan(world, code).result == scans.CANCELLED


def test_a_used_card_cannot_be_cancelled(world: World, platform: Platform, pool: Pool) -> None:
    code = _buy(world, platform, pool, _card(world, pool))
    _scan(world, code)
    with world.tenant(world.dresden) as db:
        ticket = db.scalar(select(Ticket).where(Ticket.code == code))
        assert ticket is not None
        order = booking.order_by_id(db, ticket.order_id)
        with pytest.raises(Conflict, match="ersten Gültigkeitstag"):
            booking.cancel(db, order, "citizen")
        with pytest.raises(Conflict, match="schon benutzt"):
            booking.cancel(db, order, "staff", staff=True)


def test_a_reduced_card_still_asks_for_the_proof(
    world: World, platform: Platform, pool: Pool
) -> None:
    code = _buy(world, platform, pool, _card(world, pool, proof=True))
    result = _scan(world, code)
    assert result.result == scans.PROOF
    assert result.admitted
    assert result.message.startswith("Gültig – ermäßigt: Bitte den Nachweis prüfen.")
    assert "noch 2 von 3 Eintritten" in result.message


def test_two_gates_scanning_one_card_at_once_count_one_entry(
    world: World, platform: Platform, pool: Pool
) -> None:
    code = _buy(world, platform, pool, _card(world, pool, entries=10))
    gates = 8
    start = threading.Barrier(gates)
    results: list[str] = []
    lock = threading.Lock()

    def gate() -> None:
        start.wait()
        found = _scan(world, code)
        with lock:
            results.append(found.result)

    threads = [threading.Thread(target=gate) for _ in range(gates)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results.count(scans.OK) == 1
    assert len(results) == gates
    with world.tenant(world.dresden) as db:
        ticket = db.scalar(select(Ticket).where(Ticket.code == code))
        assert ticket is not None
        assert ticket.entries_used == 1


def test_a_card_visitor_counts_in_the_occupancy(
    world: World, platform: Platform, pool: Pool
) -> None:
    code = _buy(world, platform, pool, _card(world, pool))
    _scan(world, code)
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        inside = {o.zone: o.inside for o in occupancy(db, facility)}
        assert inside["Schwimmhalle"] == 1
        later = {o.zone: o.inside for o in occupancy(db, facility, utcnow() + timedelta(hours=5))}
        assert later["Schwimmhalle"] == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (facilities.ProductInput("Karte", "punch_card", 100), "entries"),
        (facilities.ProductInput("Karte", "punch_card", 100, entries=1), "entries"),
        (facilities.ProductInput("Monat", "period", 100), "valid_days"),
        (facilities.ProductInput("Erw.", "adult", 100, entries=10), "entries"),
        (facilities.ProductInput("Erw.", "adult", 100, valid_days=30), "valid_days"),
        (facilities.ProductInput("Erw.", "adult", 100, one_per_day=True), "product_kind"),
    ],
)
def test_wrong_multi_use_products_are_refused(
    world: World, pool: Pool, data: facilities.ProductInput, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        _product(world, pool, data)
    assert field in raised.value.errors


def test_a_first_day_in_the_past_is_refused(world: World, platform: Platform, pool: Pool) -> None:
    with pytest.raises(InvalidInput) as raised:
        _buy(world, platform, pool, _card(world, pool), date.today() - timedelta(days=2))
    assert "first_day" in raised.value.errors


def test_buying_a_card_on_the_portal_and_scanning_it_by_the_api(
    world: World,
    platform: Platform,
    pool: Pool,
    new_client: Callable[[], TestClient],
    gate: Browser,
) -> None:
    product = _card(world, pool, entries=10)
    citizen = Browser(new_client())
    page = citizen.get("/dresden/freizeit/hallenbad")
    assert "Mehrfach- und Zeitkarten" in main_text(page)
    path = f"/dresden/freizeit/hallenbad/karten/{product}"
    assert path in page.text
    form = citizen.get(path)
    assert form.status_code == 200
    wrong = citizen.submit(path, {"first_day": "gestern", "email": "nein"})
    assert wrong.status_code == 422
    assert 'id="fehlerliste"' in wrong.text
    bought = citizen.submit(path, {"first_day": "", "email": "stammgast@example.org"})
    assert bought.status_code == 303, bought.text
    order = citizen.get(bought.headers["location"])
    text = main_text(order)
    assert "noch 10 von 10 Eintritten" in text
    assert "termin.ics" not in order.text
    assert citizen.get(bought.headers["location"] + "/tickets.pdf").status_code == 200
    with world.tenant(world.dresden) as db:
        ticket = db.scalar(select(Ticket).where(Ticket.product_id == product))
        assert ticket is not None
        booking.mark_paid(db, booking.order_by_id(db, ticket.order_id), "test")
        code = ticket.code
    scanned = gate.submit("/dresden/verwaltung/einlass", {"code": code, "direction": "entry"})
    assert scanned.status_code == 200
    assert "noch 9 von 10 Eintritten" in main_text(scanned)
