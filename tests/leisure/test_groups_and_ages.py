"""Group tickets with a smallest and largest group (one ticket for the group, places from the
slot's quota, priced per person), and age limits: the buyer confirms them, the ticket says
them and the gate asks to check the age."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smartcity.core.errors import InvalidInput
from smartcity.core.platform import Platform
from smartcity.core.signing import services as signing
from smartcity.leisure import booking, facilities, holds, scans, tickets
from smartcity.leisure.models import Facility, Order, Product, Slot
from tests.conftest import World
from tests.leisure.conftest import Pool, ticket_tokens
from tests.web.conftest import Browser, main_text


def _product(world: World, pool: Pool, data: facilities.ProductInput) -> int:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        return facilities.add_product(db, facility, data, "test").id


def _class(world: World, pool: Pool) -> int:
    return _product(
        world,
        pool,
        facilities.ProductInput("Schulklasse", "group", 300, 1, 700, min_places=10, max_places=35),
    )


def _children(world: World, pool: Pool) -> tuple[int, int]:
    """A child ticket for 6 to 17 years and a free one for children under 6."""
    paid = _product(
        world, pool, facilities.ProductInput("Kinder", "child", 250, age_min=6, age_max=17)
    )
    free = _product(world, pool, facilities.ProductInput("Kinder unter 6", "child", 0, age_max=5))
    return paid, free


def _sold(world: World, slot_id: int) -> int:
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, slot_id)
        assert slot is not None
        return int(slot.sold)


def _book(
    world: World, platform: Platform, slot_id: int, quantities: dict[int, int], ages: bool = False
) -> str:
    with world.tenant(world.dresden) as db:
        order = booking.book(
            db,
            world.dresden,
            booking.BookingInput(slot_id, quantities, "lehrerin@example.org", ages_confirmed=ages),
            platform.settings.require_secret_key(),
        )
        if order.payment_state != "paid":
            booking.mark_paid(db, order, "test")
        return order.code


def test_a_group_is_one_ticket_for_its_persons_priced_per_person(
    world: World, platform: Platform, pool: Pool
) -> None:
    group = _class(world, pool)
    code = _book(world, platform, pool.later_slot, {group: 27})
    assert _sold(world, pool.later_slot) == 27
    with world.tenant(world.dresden) as db:
        order = booking.order_by_code(db, code)
        [(ticket, _product)] = booking.tickets_of(db, order)
        assert (ticket.places, ticket.price_cents, order.total_cents) == (27, 8100, 8100)
        claims = tickets.verify(ticket.token, signing.key_set(db, world.dresden))
        assert (claims["p"], claims["n"]) == ("group", 27)


def test_a_group_too_small_or_too_large_is_refused_and_changes_nothing(
    world: World, platform: Platform, pool: Pool
) -> None:
    group = _class(world, pool)
    for persons in (9, 36, -3):
        with pytest.raises(InvalidInput) as refused:
            _book(world, platform, pool.later_slot, {group: persons})
        message = refused.value.errors[f"anzahl-{group}"]
        assert "10" in message
        assert "35" in message
    too_small = "Eine Gruppe (Schulklasse) hat mindestens 10 und höchstens 35 Personen; Sie "
    with pytest.raises(InvalidInput) as refused:
        _book(world, platform, pool.later_slot, {group: 9})
    assert refused.value.errors[f"anzahl-{group}"].startswith(too_small)
    assert _sold(world, pool.later_slot) == 0
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 0


def test_a_group_takes_its_places_from_the_slot_quota(
    world: World, platform: Platform, pool: Pool
) -> None:
    group = _class(world, pool)
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        slot.capacity = 30
    _book(world, platform, pool.later_slot, {pool.products["adult"]: 8})
    with pytest.raises(booking.SoldOut) as refused:
        _book(world, platform, pool.later_slot, {group: 25})
    assert "nur noch 22 Plätze" in refused.value.detail
    _book(world, platform, pool.later_slot, {group: 22})
    assert _sold(world, pool.later_slot) == 30


def test_wrong_group_and_age_settings_are_refused(world: World, pool: Pool) -> None:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        before = db.scalar(select(func.count()).select_from(Product))
        for data, field in (
            (facilities.ProductInput("Klasse", "group", 300), "min_places"),
            (
                facilities.ProductInput("Klasse", "group", 300, min_places=0, max_places=5),
                "min_places",
            ),
            (
                facilities.ProductInput("Klasse", "group", 300, min_places=20, max_places=10),
                "max_places",
            ),
            (
                facilities.ProductInput("Klasse", "group", 300, 4, min_places=2, max_places=5),
                "places",
            ),
            (
                facilities.ProductInput("Erw.", "adult", 300, min_places=2, max_places=5),
                "min_places",
            ),
            (facilities.ProductInput("Kind", "child", 0, age_min=10, age_max=6), "age_max"),
            (facilities.ProductInput("Kind", "child", 0, age_min=-1), "age_min"),
            (facilities.ProductInput("Kind", "child", 0, age_max=121), "age_max"),
            (
                facilities.ProductInput("Karte", "punch_card", 900, entries=10, age_max=17),
                "age_min",
            ),
            (facilities.ProductInput("Kurs", "course", 900), "product_kind"),
        ):
            with pytest.raises(InvalidInput) as refused:
                facilities.add_product(db, facility, data, "test")
            assert field in refused.value.errors, data
        assert db.scalar(select(func.count()).select_from(Product)) == before


def test_an_age_limit_needs_the_buyers_confirmation_and_the_gate_checks_it(
    world: World, platform: Platform, pool: Pool
) -> None:
    paid, free = _children(world, pool)
    with pytest.raises(InvalidInput) as refused:
        _book(world, platform, pool.now_slot, {paid: 1, free: 1})
    assert "6 bis 17 Jahre" in refused.value.errors["ages"]
    assert "unter 6 Jahren" in refused.value.errors["ages"]
    assert _sold(world, pool.now_slot) == 0
    code = _book(world, platform, pool.now_slot, {paid: 1, free: 1}, ages=True)
    # The free ticket for the small child still counts a place.
    assert _sold(world, pool.now_slot) == 2
    with world.tenant(world.dresden) as db:
        order = booking.order_by_code(db, code)
        assert order.total_cents == 250
        found = booking.tickets_of(db, order)
        keys = signing.key_set(db, world.dresden)
        claimed = {tuple(tickets.verify(t.token, keys)["a"]) for t, _p in found}
        assert claimed == {(6, 17), (None, 5)}
    results = []
    for _code, token in ticket_tokens(world, code):
        with world.tenant(world.dresden) as db:
            results.append(scans.scan(db, world.dresden, token, actor="gate"))
    assert all(r.result == scans.PROOF and r.admitted for r in results)
    messages = " ".join(r.message for r in results)
    assert "Gültig – Alter prüfen (6 bis 17 Jahre)" in messages
    assert "Alter prüfen (unter 6 Jahren)" in messages
    # A cart asks for the confirmation as well.
    with world.tenant(world.dresden) as db:
        with pytest.raises(InvalidInput) as cart:
            holds.hold(db, holds.HoldInput(pool.later_slot, {paid: 2}))
        assert "ages" in cart.value.errors
        assert holds.hold(db, holds.HoldInput(pool.later_slot, {paid: 2}, ages_confirmed=True))


def test_booking_a_group_and_children_on_the_portal(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    setup = f"/dresden/verwaltung/freizeit/{pool.facility_id}/tickets"
    wrong = manager.submit(
        setup,
        {
            "product_name": "Schulklasse",
            "product_kind": "group",
            "price": "3",
            "places": "1",
            "vat": "7",
            "min_places": "20",
            "max_places": "zehn",
        },
    )
    assert wrong.status_code == 422
    made = manager.submit(
        setup,
        {
            "product_name": "Schulklasse",
            "product_kind": "group",
            "price": "3",
            "places": "1",
            "vat": "7",
            "min_places": "10",
            "max_places": "35",
        },
    )
    assert made.status_code == 303, made.text
    child = manager.submit(
        setup,
        {
            "product_name": "Kinder 6–17",
            "product_kind": "child",
            "price": "2,50",
            "places": "1",
            "vat": "7",
            "age_min": "6",
            "age_max": "17",
        },
    )
    assert child.status_code == 303, child.text
    office = main_text(manager.get(f"/dresden/verwaltung/freizeit/{pool.facility_id}"))
    assert "Gruppen von 10 bis 35 Personen" in office
    assert "Alter: 6 bis 17 Jahre" in office
    with world.tenant(world.dresden) as db:
        group = db.scalar(select(Product.id).where(Product.name == "Schulklasse"))
        kids = db.scalar(select(Product.id).where(Product.name == "Kinder 6–17"))
    citizen = manager  # any browser books on the portal
    path = f"/dresden/freizeit/hallenbad/buchen/{pool.later_slot}"
    form = main_text(citizen.get(path))
    assert "eine Gruppe von 10 bis 35" in form
    assert "Ich bestätige" in form
    small = citizen.submit(path, {f"anzahl-{group}": "5"})
    assert small.status_code == 422
    assert "mindestens 10" in main_text(small)
    unconfirmed = citizen.submit(path, {f"anzahl-{kids}": "1"})
    assert unconfirmed.status_code == 422
    assert "Bitte bestätigen Sie" in main_text(unconfirmed)
    held = citizen.submit(path, {f"anzahl-{group}": "12", f"anzahl-{kids}": "1", "ages": "yes"})
    assert held.status_code == 303, held.text
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert slot.held == 13
