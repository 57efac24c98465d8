"""Fixtures of the leisure tests: Dresden's Hallenbad with a pool hall and a sauna, hourly
slots today and tomorrow (so that a slot is running now), products, and staff at the gate
and in the facility's management."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.core.identity import users
from smartcity.core.identity.permissions import StaffRole
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import i18n
from smartcity.leisure import booking, facilities
from smartcity.leisure.models import Order, Slot
from smartcity.leisure.permissions import FACILITY_MANAGER, GATE_STAFF
from smartcity.modules import MODULES, installed_modules
from tests.conftest import PASSWORD, World
from tests.web.conftest import Browser

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Pool:
    facility_id: int
    slug: str
    hall: int
    sauna: int
    products: dict[str, int]
    # The hall's slot running now, and one tomorrow at noon (local time).
    now_slot: int
    later_slot: int
    sauna_now_slot: int


def make_pool(
    world: World, municipality: Municipality, *, hall_slots: int = 250, slug: str = "hallenbad"
) -> Pool:
    today = datetime.now(BERLIN).date()
    with world.tenant(municipality) as db:
        facility = facilities.create_facility(
            db,
            facilities.FacilityInput(
                slug=slug, name="Hallenbad Mitte", kind="pool", cancel_hours=2
            ),
            "test",
        )
        hall = facilities.add_zone(db, facility, "Schwimmhalle", 300, "test")
        sauna = facilities.add_zone(db, facility, "Sauna", 40, "test")
        products = {}
        for name, kind, cents, places, proof in (
            ("Erwachsene", "adult", 550, 1, False),
            ("Ermäßigt", "reduced", 350, 1, True),
            ("Kinder", "child", 0, 1, False),
            ("Familie", "family", 1500, 4, False),
        ):
            product = facilities.add_product(
                db,
                facility,
                facilities.ProductInput(name, kind, cents, places, 700, proof),
                "test",
            )
            products[kind] = product.id
        for zone, capacity in ((hall, hall_slots), (sauna, 40)):
            facilities.add_rule(
                db,
                facility,
                facilities.RuleInput(zone.id, "1234567", "00:00", "23:00", 60, 60, capacity, today),
                "test",
            )
        facilities.generate_slots(db, facility, today, 2, municipality.timezone)
        now = utcnow()
        noon = datetime.combine(today + timedelta(days=1), datetime.min.time(), BERLIN)
        noon = noon.replace(hour=12)

        def slot_at(zone_id: int, moment: datetime) -> int:
            found = db.scalar(
                select(Slot.id).where(
                    Slot.zone_id == zone_id, Slot.starts_at <= moment, Slot.ends_at > moment
                )
            )
            assert isinstance(found, int)
            return found

        return Pool(
            facility.id,
            facility.slug,
            hall.id,
            sauna.id,
            products,
            slot_at(hall.id, now),
            slot_at(hall.id, noon),
            slot_at(sauna.id, now),
        )


@pytest.fixture(scope="session", autouse=True)
def _catalogues() -> None:
    """The modules' German texts, as the app adds them: service-level tests read messages in
    German without having built an app first."""
    for module in installed_modules(MODULES):
        if module.translations is not None:
            i18n.add_catalog(module.translations)


@pytest.fixture
def pool(world: World) -> Pool:
    return make_pool(world, world.dresden)


def add_staff(world: World, username: str, role: StaffRole, municipality: Municipality) -> None:
    with world.system() as db:
        account = users.create_user(
            db,
            username=username,
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        users.assign_role(db, account, role, municipality=municipality, actor="test")


@pytest.fixture
def gate(world: World, new_client: Callable[[], TestClient]) -> Browser:
    add_staff(world, "dd.gate", GATE_STAFF, world.dresden)
    browser = Browser(new_client())
    assert browser.login("dd.gate").status_code == 303
    return browser


@pytest.fixture
def manager(world: World, new_client: Callable[[], TestClient]) -> Browser:
    add_staff(world, "dd.baeder", FACILITY_MANAGER, world.dresden)
    browser = Browser(new_client())
    assert browser.login("dd.baeder").status_code == 303
    return browser


def book(
    world: World,
    platform: Platform,
    slot_id: int,
    quantities: dict[int, int],
    email: str = "gast@example.org",
    municipality: Municipality | None = None,
    paid: bool = True,
) -> str:
    """Book through the service; returns the order's code (paid at the cash desk unless
    `paid` is False)."""
    place = municipality or world.dresden
    with world.tenant(place) as db:
        order = booking.book(
            db,
            place,
            booking.BookingInput(slot_id, quantities, email),
            platform.settings.require_secret_key(),
        )
        if paid and order.payment_state != "paid":
            booking.mark_paid(db, order, "test")
        return order.code


def ticket_tokens(
    world: World, code: str, municipality: Municipality | None = None
) -> list[tuple[str, str]]:
    """(code, token) of an order's tickets."""
    with world.tenant(municipality or world.dresden) as db:
        order = db.scalar(select(Order).where(Order.code == code))
        assert order is not None
        return [(t.code, t.token) for t, _p in booking.tickets_of(db, order)]
