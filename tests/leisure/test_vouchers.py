"""Vouchers and gift cards: a discount, a free ticket, a gift card's balance spent across
bookings; voucher-only places shown as "nur mit Gutschein" and reached only with a voucher
that unlocks them (pretix#2063); unguessable codes, single use even when carts race, the use
given back when a cart expires or an order is cancelled; made by the facility manager,
audited."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.platform import Platform
from smartcity.leisure import booking, facilities, holds, vouchers
from smartcity.leisure.models import Facility, Slot, Voucher
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool, make_pool
from tests.web.conftest import Browser, main_text


def _make(world: World, pool: Pool, data: vouchers.VoucherInput) -> list[str]:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        made = vouchers.create(db, facility, data, "dd.baeder", date.today())
        return [v.code for v in made]


def _hold(world: World, slot_id: int, quantities: dict[int, int], code: str) -> str:
    with world.tenant(world.dresden) as db:
        return holds.hold(db, holds.HoldInput(slot_id, quantities, code)).code


def _book(world: World, platform: Platform, cart: str) -> tuple[int, int]:
    """Books a cart; returns the order's (total, voucher) cents."""
    with world.tenant(world.dresden) as db:
        order = holds.confirm(
            db,
            world.dresden,
            holds.hold_by_code(db, cart),
            email="a@example.org",
            citizen_subject=None,
            language="de",
            secret=platform.settings.require_secret_key(),
        )
        return order.total_cents, order.voucher_cents


def _voucher(world: World, code: str) -> Voucher:
    with world.tenant(world.dresden) as db:
        found: Voucher | None = db.scalar(select(Voucher).where(Voucher.code == code))
        assert found is not None
        db.expunge(found)
        return found


def test_a_discount_and_a_free_ticket(world: World, platform: Platform, pool: Pool) -> None:
    [half] = _make(world, pool, vouchers.VoucherInput("discount", percent_off=50))
    cart = _hold(world, pool.later_slot, {pool.products["adult"]: 2}, half.lower())
    assert _book(world, platform, cart) == (550, 550)
    [free] = _make(
        world, pool, vouchers.VoucherInput("product", product_id=pool.products["family"])
    )
    cart = _hold(
        world,
        pool.later_slot,
        {pool.products["family"]: 1, pool.products["adult"]: 1},
        "-".join(free[i : i + 4] for i in range(0, 16, 4)),  # as printed
    )
    assert _book(world, platform, cart) == (550, 1500)
    with pytest.raises(InvalidInput) as raised:
        _hold(world, pool.later_slot, {pool.products["adult"]: 1}, free)
    assert raised.value.errors["voucher"] == "Dieser Gutschein wurde schon eingelöst."


def test_a_gift_card_is_spent_across_bookings(world: World, platform: Platform, pool: Pool) -> None:
    [card] = _make(world, pool, vouchers.VoucherInput("gift_card", balance_cents=2000, max_uses=10))
    first = _hold(world, pool.later_slot, {pool.products["family"]: 1}, card)
    assert _book(world, platform, first) == (0, 1500)
    second = _hold(world, pool.later_slot, {pool.products["adult"]: 2}, card)
    assert _book(world, platform, second) == (600, 500)
    assert _voucher(world, card).balance_cents == 0
    with pytest.raises(InvalidInput, match="Bitte die Angaben") as raised:
        _hold(world, pool.later_slot, {pool.products["adult"]: 1}, card)
    assert "kein Guthaben" in raised.value.errors["voucher"]


def test_wrong_codes_are_refused_and_change_nothing(world: World, pool: Pool) -> None:
    [code] = _make(world, pool, vouchers.VoucherInput("discount", percent_off=10))
    assert re.fullmatch(r"[A-Z2-7]{16}", code)  # 80 random bits
    other = make_pool_elsewhere(world)
    for wrong in ("AAAA-BBBB-CCCC-DDDD", "kurz", other):
        with pytest.raises(InvalidInput) as raised:
            _hold(world, pool.later_slot, {pool.products["adult"]: 1}, wrong)
        assert "gibt es nicht" in raised.value.errors["voucher"]
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert slot.held == 0


def make_pool_elsewhere(world: World) -> str:
    """A voucher of Radebeul's pool: not valid in Dresden."""
    radebeul = make_pool(world, world.radebeul)
    with world.tenant(world.radebeul) as db:
        facility = db.get(Facility, radebeul.facility_id)
        assert facility is not None
        made = vouchers.create(
            db, facility, vouchers.VoucherInput("discount", percent_off=10), "t", date.today()
        )
        return made[0].code


def test_racing_carts_redeem_a_single_use_voucher_once(
    world: World, platform: Platform, pool: Pool
) -> None:
    [code] = _make(world, pool, vouchers.VoucherInput("discount", percent_off=100))
    buyers = 8
    start = threading.Barrier(buyers)
    results: list[str] = []
    lock = threading.Lock()

    def buyer() -> None:
        start.wait()
        try:
            _hold(world, pool.later_slot, {pool.products["adult"]: 1}, code)
            outcome = "held"
        except InvalidInput:
            outcome = "refused"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=buyer) for _ in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == ["held"] + ["refused"] * (buyers - 1)
    assert _voucher(world, code).uses == 1
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert slot.held == 1  # a refused cart took no place


def test_an_expired_cart_and_a_cancelled_order_give_the_voucher_back(
    world: World, platform: Platform, pool: Pool
) -> None:
    [card] = _make(world, pool, vouchers.VoucherInput("gift_card", balance_cents=1000))
    _hold(world, pool.later_slot, {pool.products["adult"]: 1}, card)
    assert _voucher(world, card).balance_cents == 450
    with world.tenant(world.dresden) as db:
        booking.release_expired(db, utcnow() + timedelta(minutes=11))
    restored = _voucher(world, card)
    assert (restored.uses, restored.balance_cents) == (0, 1000)
    cart = _hold(world, pool.later_slot, {pool.products["adult"]: 1}, card)
    _book(world, platform, cart)
    with world.tenant(world.dresden) as db:
        booking.cancel(db, booking.order_by_id(db, holds.hold_by_code(db, cart).order_id or 0), "c")
    restored = _voucher(world, card)
    assert (restored.uses, restored.balance_cents) == (0, 1000)


def test_an_order_cancelled_twice_at_once_gives_back_once(
    world: World, platform: Platform, pool: Pool
) -> None:
    """Buyer and staff (or a form sent twice) cancel the same order at the same moment: both
    read it while it was confirmed; the places and the gift card's amount go back once."""
    [card] = _make(world, pool, vouchers.VoucherInput("gift_card", balance_cents=2000, max_uses=10))
    first = _hold(world, pool.later_slot, {pool.products["adult"]: 1}, card)
    _book(world, platform, first)
    _book(world, platform, _hold(world, pool.later_slot, {pool.products["adult"]: 1}, card))
    assert _voucher(world, card).balance_cents == 900
    with world.tenant(world.dresden) as db:
        read_before = booking.order_by_id(db, holds.hold_by_code(db, first).order_id or 0)
        sold = db.get(Slot, pool.later_slot).sold
        db.expunge(read_before)
    with world.tenant(world.dresden) as db:
        booking.cancel(db, booking.order_by_id(db, read_before.id), "citizen")
    with world.tenant(world.dresden) as db:
        db.add(read_before)  # still "confirmed" as the second request read it
        assert booking.cancel(db, read_before, "staff", staff=True).state == "cancelled"
    with world.tenant(world.dresden) as db:
        assert db.get(Slot, pool.later_slot).sold == sold - 1
    restored = _voucher(world, card)
    assert (restored.uses, restored.balance_cents) == (1, 1450)


def test_voucher_only_places_are_shown_and_need_a_voucher_that_unlocks_them(
    world: World, platform: Platform, new_client: Callable[[], TestClient]
) -> None:
    small = make_pool(world, world.dresden, hall_slots=6)
    with world.tenant(world.dresden) as db:
        facilities.update_slot(
            db, small.later_slot, capacity=6, reserved=4, closed=False, note="", actor="t"
        )
    _hold(world, small.later_slot, {small.products["adult"]: 2}, "")
    with pytest.raises(booking.SoldOut, match="nur mit Gutschein"):
        _hold(world, small.later_slot, {small.products["adult"]: 1}, "")
    [plain] = _make(world, small, vouchers.VoucherInput("discount", percent_off=10))
    with pytest.raises(booking.SoldOut):
        _hold(world, small.later_slot, {small.products["adult"]: 1}, plain)
    assert _voucher(world, plain).uses == 0  # the refused cart did not use it up
    [key] = _make(
        world,
        small,
        vouchers.VoucherInput("discount", percent_off=10, unlocks_reserved=True, max_uses=5),
    )
    citizen = Browser(new_client())
    tomorrow = (datetime.now(BERLIN) + timedelta(days=1)).date().isoformat()
    listing = citizen.get(f"/dresden/freizeit/hallenbad?tag={tomorrow}")
    assert "nur mit Gutschein" in main_text(listing)
    path = f"/dresden/freizeit/hallenbad/buchen/{small.later_slot}"
    assert "4 weitere nur mit Gutschein" in main_text(citizen.get(path))
    held = citizen.submit(path, {f"anzahl-{small.products['family']}": "1", "voucher": key})
    assert held.status_code == 303, held.text
    cart = citizen.get(held.headers["location"])
    assert "Gutschein − 1,50 €" in main_text(cart)
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, small.later_slot)
        assert slot is not None
        assert (slot.held, slot.capacity) == (6, 6)
    api = citizen.get(
        f"/dresden/api/v1/leisure/facilities/{small.facility_id}/slots?day={tomorrow}"
    )
    [row] = [s for s in api.json() if s["id"] == small.later_slot]
    assert (row["free"], row["free_with_voucher"]) == (0, 0)


def test_the_facility_manager_makes_and_blocks_vouchers(
    world: World, pool: Pool, manager: Browser, gate: Browser
) -> None:
    path = f"/dresden/verwaltung/freizeit/{pool.facility_id}/gutscheine"
    assert gate.get(path).status_code == 403
    page = manager.get(path)
    assert page.status_code == 200
    wrong = manager.submit(path, {"voucher_kind": "discount", "percent_off": "150", "count": "1"})
    assert wrong.status_code == 422
    assert "1 bis 100 Prozent" in main_text(wrong)
    made = manager.submit(
        path,
        {
            "voucher_kind": "gift_card",
            "balance": "25,00",
            "max_uses": "20",
            "count": "3",
            "note": "Weihnachtsaktion",
        },
    )
    assert made.status_code == 303
    listing = manager.get(made.headers["location"])
    codes = re.findall(r"<code>([A-Z2-7-]{19})</code>", listing.text)
    assert len(codes) == 3
    assert "Geschenkkarte, 25,00 € von 25,00 € übrig" in main_text(listing)
    with world.tenant(world.dresden) as db:
        first = db.scalar(select(Voucher).order_by(Voucher.id))
        assert first is not None
        actions = list(db.scalars(select(AuditEntry.action)))
    assert "leisure.voucher.create" in actions
    blocked = manager.submit(f"{path}/{first.id}/sperren", {})
    assert blocked.status_code == 303
    with pytest.raises(InvalidInput, match="Bitte"):
        _hold(world, pool.later_slot, {pool.products["adult"]: 1}, first.code)
