"""The waiting list of a full slot: freed places (a cancellation, an expired cart) are
offered in the order of joining, by e-mail, each offer held for the facility's time and then
passed on to the next; a slot with free places has no waiting list."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.mail.models import OutgoingMail
from smartcity.core.platform import Platform
from smartcity.leisure import booking, holds, waitlist
from smartcity.leisure.models import Hold, Slot, WaitingEntry
from tests.conftest import World
from tests.leisure.conftest import Pool, book, make_pool
from tests.web.conftest import Browser, main_text


def _join(world: World, pool: Pool, email: str, product: str = "adult", count: int = 1) -> str:
    with world.tenant(world.dresden) as db:
        entry = waitlist.join(
            db, waitlist.JoinInput(pool.later_slot, pool.products[product], count, email)
        )
        return entry.code


def _states(world: World) -> dict[str, str]:
    with world.tenant(world.dresden) as db:
        return {e.code: e.state for e in db.scalars(select(WaitingEntry))}


def _offer_mails(world: World) -> list[OutgoingMail]:
    with world.system() as db:
        found = list(
            db.scalars(select(OutgoingMail).where(OutgoingMail.subject.like("Ein Platz ist frei%")))
        )
        for mail in found:
            db.expunge(mail)
        return found


def _cart_of(world: World, code: str) -> str:
    with world.tenant(world.dresden) as db:
        entry = waitlist.entry_by_code(db, code)
        hold = db.get(Hold, entry.hold_id)
        assert hold is not None
        return str(hold.code)


def test_freed_places_are_offered_in_order_and_passed_on_when_an_offer_lapses(
    world: World, platform: Platform
) -> None:
    full = make_pool(world, world.dresden, hall_slots=2)
    order = book(world, platform, full.later_slot, {full.products["adult"]: 2})
    first = _join(world, full, "erste@example.org")
    second = _join(world, full, "zweite@example.org")
    third = _join(world, full, "dritte@example.org")
    with world.tenant(world.dresden) as db:
        assert [waitlist.position(db, waitlist.entry_by_code(db, c)) for c in (first, second)] == [
            1,
            2,
        ]
        booking.cancel(db, booking.order_by_code(db, order), "citizen")
        slot = db.get(Slot, full.later_slot)
        assert slot is not None
        # Both places went to the first waiting entries at once, none to the public.
        assert (slot.sold, slot.held, booking.free_places(slot)) == (0, 2, 0)
    assert _states(world) == {first: "offered", second: "offered", third: "waiting"}
    holds.release_everywhere(platform)  # the job e-mails the offers
    mails = _offer_mails(world)
    assert sorted(m.to_address for m in mails) == ["erste@example.org", "zweite@example.org"]
    assert all("/dresden/freizeit/warenkorb/" in m.body for m in mails)
    holds.release_everywhere(platform)
    assert len(_offer_mails(world)) == 2  # each offer is mailed once
    # The first books its offer; the second lets it lapse: it goes to the third.
    with world.tenant(world.dresden) as db:
        holds.confirm(
            db,
            world.dresden,
            holds.hold_by_code(db, _cart_of(world, first)),
            email="erste@example.org",
            citizen_subject=None,
            language="de",
            secret=platform.settings.require_secret_key(),
        )
    holds.release_everywhere(platform, utcnow() + timedelta(minutes=61))
    assert _states(world) == {first: "booked", second: "lapsed", third: "offered"}
    assert [m.to_address for m in _offer_mails(world)][-1] == "dritte@example.org"
    with world.tenant(world.dresden) as db:
        lapsed = waitlist.entry_by_code(db, second)
        assert lapsed.email is None  # not kept once the offer ended
        slot = db.get(Slot, full.later_slot)
        assert slot is not None
        assert (slot.sold, slot.held) == (1, 1)


def test_the_first_in_line_is_not_skipped_for_a_smaller_request(
    world: World, platform: Platform
) -> None:
    full = make_pool(world, world.dresden, hall_slots=4)
    small = book(world, platform, full.later_slot, {full.products["adult"]: 1})
    book(world, platform, full.later_slot, {full.products["adult"]: 3})
    family = _join(world, full, "familie@example.org", "family")
    single = _join(world, full, "einzeln@example.org")
    with world.tenant(world.dresden) as db:
        booking.cancel(db, booking.order_by_code(db, small), "citizen")
    # One place is free: the family (4 places) is first and waits; nobody is offered.
    assert _states(world) == {family: "waiting", single: "waiting"}


def test_an_expired_cart_frees_its_place_for_the_waiting_list(
    world: World, platform: Platform
) -> None:
    full = make_pool(world, world.dresden, hall_slots=1)
    with world.tenant(world.dresden) as db:
        holds.hold(db, holds.HoldInput(full.later_slot, {full.products["adult"]: 1}))
    waiting = _join(world, full, "warte@example.org")
    holds.release_everywhere(platform, utcnow() + timedelta(minutes=11))
    assert _states(world) == {waiting: "offered"}


def test_joining_needs_a_full_slot_and_correct_fields(
    world: World, platform: Platform, pool: Pool
) -> None:
    with pytest.raises(Conflict, match="noch Plätze frei"):
        _join(world, pool, "a@example.org")
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        slot.capacity = 0
    with pytest.raises(InvalidInput) as raised, world.tenant(world.dresden) as db:
        waitlist.join(db, waitlist.JoinInput(pool.later_slot, 999_999, 0, "nein"))
    assert set(raised.value.errors) == {"product", "count", "email"}


def test_the_waiting_list_on_the_portal(
    world: World, platform: Platform, new_client: Callable[[], TestClient]
) -> None:
    full = make_pool(world, world.dresden, hall_slots=1)
    order = book(world, platform, full.later_slot, {full.products["adult"]: 1})
    citizen = Browser(new_client())
    path = f"/dresden/freizeit/hallenbad/warteliste/{full.later_slot}"
    form = citizen.get(path)
    assert form.status_code == 200
    assert "ausgebucht" in main_text(form)
    wrong = citizen.submit(path, {"product": "", "count": "1", "email": "nein"})
    assert wrong.status_code == 422
    assert 'id="fehlerliste"' in wrong.text
    joined = citizen.submit(
        path, {"product": str(full.products["adult"]), "count": "1", "email": "w@example.org"}
    )
    assert joined.status_code == 303, joined.text
    entry_path = joined.headers["location"]
    assert "Sie sind Nummer 1 auf der Warteliste" in main_text(citizen.get(entry_path))
    with world.tenant(world.dresden) as db:
        booking.cancel(db, booking.order_by_code(db, order), "citizen")
    offered = main_text(citizen.get(entry_path))
    assert "Für Sie sind Plätze frei" in offered
    left = citizen.submit(entry_path + "/austragen", {})
    assert left.status_code == 303
    assert "ausgetragen" in main_text(citizen.get(entry_path))
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, full.later_slot)
        assert slot is not None
        assert booking.free_places(slot) == 1  # the offered place is free again


def test_cancellations_at_once_offer_each_waiting_entry_once(
    world: World, platform: Platform
) -> None:
    """Real concurrent transactions: several orders of a full slot are cancelled at the same
    time while the job runs. Each freed place goes to one waiting entry; no entry gets two
    carts, and no place is held by a cart that nobody was offered."""
    seats = 8
    full = make_pool(world, world.dresden, hall_slots=seats)
    orders = [
        book(world, platform, full.later_slot, {full.products["adult"]: 1}, f"k{n}@example.org")
        for n in range(seats)
    ]
    for n in range(seats):
        _join(world, full, f"w{n}@example.org")
    start = threading.Barrier(seats + 2)
    failures: list[BaseException] = []

    def cancel(code: str) -> None:
        start.wait()
        try:
            with world.tenant(world.dresden) as db:
                booking.cancel(db, booking.order_by_code(db, code), "citizen")
        except Exception as exc:
            failures.append(exc)

    def job() -> None:
        start.wait()
        while not cancelled.is_set():
            try:
                holds.release_everywhere(platform)
            except Exception as exc:  # SQLite may say "database is locked"
                failures.append(exc)

    cancelled = threading.Event()
    buyers = [threading.Thread(target=cancel, args=(code,)) for code in orders]
    jobs = [threading.Thread(target=job) for _ in range(2)]  # two instances' schedulers
    for thread in [*buyers, *jobs]:
        thread.start()
    for thread in buyers:
        thread.join(timeout=120)
    cancelled.set()
    for thread in jobs:
        thread.join(timeout=120)
    if platform.engine.dialect.name == "postgresql":
        assert not failures
    # A SQLite writer that gave up ("database is locked") changed nothing; do it again.
    for code in orders:
        with world.tenant(world.dresden) as db:
            booking.cancel(db, booking.order_by_code(db, code), "citizen")
    holds.release_everywhere(platform)
    with world.tenant(world.dresden) as db:
        entries = list(db.scalars(select(WaitingEntry)))
        open_carts = list(db.scalars(select(Hold).where(Hold.state == "active")))
        slot = db.get(Slot, full.later_slot)
        assert slot is not None
        assert sorted(e.state for e in entries) == ["offered"] * seats
        assert sorted(e.hold_id or 0 for e in entries) == sorted(h.id for h in open_carts)
        assert (slot.sold, slot.held) == (0, seats)
