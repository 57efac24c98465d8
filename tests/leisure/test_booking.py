"""Booking: shared slot quota, prices, payment states, clear refusals that change nothing,
cancellation, and zero oversell when many buyers race for the last places."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.platform import Platform
from smartcity.leisure import booking, payments
from smartcity.leisure.models import Order, Slot, Ticket
from tests.conftest import World
from tests.leisure.conftest import Pool, book, make_pool


def _slot(world: World, slot_id: int) -> Slot:
    with world.tenant(world.dresden) as db:
        found = db.get(Slot, slot_id)
        assert isinstance(found, Slot)
        db.expunge(found)
        return found


def test_products_draw_from_one_slot_quota_and_are_priced(
    world: World, platform: Platform, pool: Pool
) -> None:
    code = book(
        world,
        platform,
        pool.later_slot,
        {pool.products["adult"]: 2, pool.products["family"]: 1, pool.products["child"]: 1},
        paid=False,
    )
    assert _slot(world, pool.later_slot).sold == 2 + 4 + 1
    with world.tenant(world.dresden) as db:
        order = booking.order_by_code(db, code)
        assert order.total_cents == 2 * 550 + 1500
        assert (order.payment_provider, order.payment_state) == ("cash_desk", payments.PENDING)
        found = booking.tickets_of(db, order)
        assert sorted(t.places for t, _ in found) == [1, 1, 1, 4]
        assert order.email == "gast@example.org"
    free = book(world, platform, pool.later_slot, {pool.products["child"]: 1}, paid=False)
    with world.tenant(world.dresden) as db:
        order = booking.order_by_code(db, free)
        assert (order.payment_provider, order.payment_state) == ("free", payments.PAID)


def test_payment_callbacks_are_idempotent_and_follow_the_state_machine(
    world: World, platform: Platform, pool: Pool
) -> None:
    code = book(world, platform, pool.later_slot, {pool.products["adult"]: 1}, paid=False)
    with world.tenant(world.dresden) as db:
        order = booking.order_by_code(db, code)
        assert booking.mark_paid(db, order, "test") is True
        assert booking.mark_paid(db, order, "test") is False  # a repeated callback
        with pytest.raises(Conflict):
            payments.transition(order, payments.FAILED, utcnow())
        booking.cancel(db, order, "test")
        assert order.payment_state == payments.REFUNDED
        assert order.refunded_cents == 550


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"slot_id": 999_999}, NotFound),
        ({"quantities": {"adult": -1}}, InvalidInput),
        ({"quantities": {"adult": 11}}, InvalidInput),
        ({"quantities": {}}, InvalidInput),
        ({"quantities": {999_999: 1}}, InvalidInput),
        ({"email": "kein-at-zeichen"}, InvalidInput),
    ],
)
def test_bad_bookings_are_refused_and_change_nothing(
    world: World, platform: Platform, pool: Pool, change: dict[str, object], error: type[Exception]
) -> None:
    quantities = change.get("quantities", {"adult": 1})
    assert isinstance(quantities, dict)
    slot_id = change.get("slot_id", pool.later_slot)
    email = change.get("email", "gast@example.org")
    assert isinstance(slot_id, int)
    assert isinstance(email, str)
    data = booking.BookingInput(
        slot_id,
        {pool.products[k] if isinstance(k, str) else int(k): int(v) for k, v in quantities.items()},
        email,
    )
    with pytest.raises(error) as raised, world.tenant(world.dresden) as db:
        booking.book(db, world.dresden, data, platform.settings.require_secret_key())
    assert raised.value.args[0]  # a sentence, in German
    assert _slot(world, pool.later_slot).sold == 0
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 0


def test_a_closed_slot_and_another_municipalitys_slot_cannot_be_booked(
    world: World, platform: Platform, pool: Pool
) -> None:
    with world.tenant(world.dresden) as db:
        booking_slot = db.get(Slot, pool.later_slot)
        assert booking_slot is not None
        booking_slot.closed = True
    with pytest.raises(Conflict, match="geschlossen"), world.tenant(world.dresden) as db:
        booking.book(
            db,
            world.dresden,
            booking.BookingInput(pool.later_slot, {pool.products["adult"]: 1}, "a@example.org"),
            "secret-" + "x" * 40,
        )
    with pytest.raises(NotFound), world.tenant(world.radebeul) as db:
        booking.book(
            db,
            world.radebeul,
            booking.BookingInput(pool.now_slot, {pool.products["adult"]: 1}, "a@example.org"),
            "secret-" + "x" * 40,
        )


def test_sold_out_says_how_many_places_are_left(world: World, platform: Platform) -> None:
    small = make_pool(world, world.dresden, hall_slots=5)
    book(world, platform, small.later_slot, {small.products["adult"]: 2})
    with pytest.raises(booking.SoldOut) as raised, world.tenant(world.dresden) as db:
        booking.book(
            db,
            world.dresden,
            booking.BookingInput(small.later_slot, {small.products["family"]: 1}, "b@example.org"),
            platform.settings.require_secret_key(),
        )
    assert raised.value.free == 3
    assert "nur noch 3 Plätze frei" in raised.value.detail
    assert _slot(world, small.later_slot).sold == 2


def test_cancellation_frees_the_places_and_revokes_the_tickets(
    world: World, platform: Platform, pool: Pool
) -> None:
    code = book(world, platform, pool.later_slot, {pool.products["family"]: 1})
    since = utcnow()
    with world.tenant(world.dresden) as db:
        order = booking.order_by_code(db, code)
        booking.cancel(db, order, "citizen")
        ticket_codes = [t.code for t, _ in booking.tickets_of(db, order)]
        assert booking.revoked_codes(db, since) == ticket_codes
    assert _slot(world, pool.later_slot).sold == 0
    # The running slot is past the facility's deadline (2 hours before the start).
    late = book(world, platform, pool.now_slot, {pool.products["adult"]: 1})
    with pytest.raises(Conflict, match="2 Stunden vor Beginn"), world.tenant(world.dresden) as db:
        booking.cancel(db, booking.order_by_code(db, late), "citizen")
    assert _slot(world, pool.now_slot).sold == 1


def test_many_buyers_racing_for_the_last_places_never_oversell(
    world: World, platform: Platform
) -> None:
    """Real concurrent transactions (one session per thread), against SQLite and PostgreSQL:
    sold never exceeds the capacity, every sold place has its ticket, and every refused
    buyer is told why."""
    capacity = 13
    race = make_pool(world, world.dresden, hall_slots=capacity)
    secret = platform.settings.require_secret_key()
    # The municipality's signing key exists before the race (it is made on first use).
    book(world, platform, race.later_slot, {race.products["adult"]: 1})
    buyers = 24
    start = threading.Barrier(buyers)
    outcomes: list[str] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def buy(n: int) -> None:
        # Every fourth buyer wants a family ticket: four places on one ticket.
        quantities = {race.products["family" if n % 4 == 0 else "adult"]: 1}
        start.wait()
        try:
            with world.tenant(world.dresden) as db:
                booking.book(
                    db,
                    world.dresden,
                    booking.BookingInput(race.later_slot, quantities, f"b{n}@example.org"),
                    secret,
                )
            outcome = "booked"
        except booking.SoldOut as exc:
            outcome = "sold out"
            with lock:
                refusals.append(exc.detail)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counted = Counter(outcomes)
    assert sum(counted.values()) == buyers
    assert counted["booked"] >= 1
    assert counted["sold out"] >= 1
    slot = _slot(world, race.later_slot)
    with world.tenant(world.dresden) as db:
        places = db.scalar(
            select(func.sum(Ticket.places)).where(
                Ticket.slot_id == race.later_slot, Ticket.state == "valid"
            )
        )
        unsigned = db.scalar(select(func.count()).select_from(Ticket).where(Ticket.token == ""))
    assert slot.sold <= capacity
    assert places == slot.sold
    assert unsigned == 0
    # Only a family ticket (4 places) can be refused while places are left.
    assert capacity - slot.sold < 4
    assert all("ausgebucht" in r or "nur noch" in r for r in refusals)
