"""Multi-use tickets for another zone or several zones: the card names its zones, the token
says them, the gate admits in those zones only ("Falscher Bereich" elsewhere) and counts the
visitor in the zone entered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smartcity.core.errors import InvalidInput
from smartcity.core.platform import Platform
from smartcity.core.signing import services as signing
from smartcity.leisure import booking, facilities, passes, scans, tickets
from smartcity.leisure.models import Facility, Product, Ticket
from smartcity.leisure.occupancy import occupancy
from tests.conftest import World
from tests.leisure.conftest import Pool
from tests.web.conftest import Browser, main_text


def _card(world: World, pool: Pool, zones: tuple[int, ...], name: str = "Saunakarte") -> int:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        return facilities.add_product(
            db,
            facility,
            facilities.ProductInput(name, "punch_card", 9000, entries=10, zone_ids=zones),
            "test",
        ).id


def _buy(world: World, platform: Platform, pool: Pool, product_id: int) -> str:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        order = passes.buy(
            db,
            world.dresden,
            facility,
            passes.PassInput(product_id, None, "stammgast@example.org"),
            platform.settings.require_secret_key(),
        )
        booking.mark_paid(db, order, "test")
        [(ticket, _product)] = booking.tickets_of(db, order)
        return ticket.token


def _scan(world: World, token: str, zone: int, direction: str = scans.ENTRY) -> scans.ScanResult:
    with world.tenant(world.dresden) as db:
        return scans.scan(db, world.dresden, token, direction=direction, zone_id=zone, actor="g")


def _inside(world: World, pool: Pool) -> dict[str, int]:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        return {o.zone: o.inside for o in occupancy(db, facility)}


def test_a_card_for_another_zone_is_admitted_there_only(
    world: World, platform: Platform, pool: Pool
) -> None:
    token = _buy(world, platform, pool, _card(world, pool, (pool.sauna,)))
    with world.tenant(world.dresden) as db:
        claims = tickets.verify(token, signing.key_set(db, world.dresden))
    assert (claims["z"], claims["zs"]) == (pool.sauna, [pool.sauna])
    wrong = _scan(world, token, pool.hall)
    assert (wrong.result, wrong.admitted) == (scans.WRONG_ZONE, False)
    assert wrong.message == "Falscher Bereich: Dieses Ticket gilt für „Sauna“."
    entered = _scan(world, token, pool.sauna)
    assert entered.result == scans.OK
    assert "noch 9 von 10" in entered.message
    assert _inside(world, pool) == {"Schwimmhalle": 0, "Sauna": 1}


def test_a_card_for_several_zones_counts_in_the_zone_entered(
    world: World, platform: Platform, pool: Pool
) -> None:
    both = _card(world, pool, (pool.sauna, pool.hall), "Bad und Sauna")
    token = _buy(world, platform, pool, both)
    with world.tenant(world.dresden) as db:
        claims = tickets.verify(token, signing.key_set(db, world.dresden))
    assert claims["zs"] == sorted([pool.hall, pool.sauna])
    assert _scan(world, token, pool.hall).result == scans.OK
    assert _inside(world, pool) == {"Schwimmhalle": 1, "Sauna": 0}
    assert _scan(world, token, pool.hall, scans.EXIT).result == scans.EXITED
    assert _scan(world, token, pool.sauna).result == scans.OK
    assert _inside(world, pool) == {"Schwimmhalle": 0, "Sauna": 1}
    with world.tenant(world.dresden) as db:
        ticket = db.scalar(select(Ticket).where(Ticket.product_id == both))
        assert ticket is not None
        assert ticket.entries_used == 2


def test_a_card_without_chosen_zones_is_for_the_first_zone(
    world: World, platform: Platform, pool: Pool
) -> None:
    token = _buy(world, platform, pool, _card(world, pool, (), "10er-Karte"))
    wrong = _scan(world, token, pool.sauna)
    assert wrong.result == scans.WRONG_ZONE
    assert "„Schwimmhalle“" in wrong.message
    assert _scan(world, token, pool.hall).result == scans.OK


def test_zones_of_another_facility_or_for_a_slot_ticket_are_refused(
    world: World, pool: Pool
) -> None:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        other = facilities.create_facility(
            db, facilities.FacilityInput(slug="museum", name="Museum"), "test"
        )
        foreign = facilities.add_zone(db, other, "Ausstellung", 100, "test")
        before = db.scalar(select(func.count()).select_from(Product))
        for data in (
            facilities.ProductInput("Karte", "punch_card", 900, entries=10, zone_ids=(foreign.id,)),
            facilities.ProductInput("Karte", "period", 900, valid_days=30, zone_ids=(-1,)),
            facilities.ProductInput("Erwachsene", "adult", 500, zone_ids=(pool.sauna,)),
        ):
            with pytest.raises(InvalidInput) as refused:
                facilities.add_product(db, facility, data, "test")
            assert "product_zones" in refused.value.errors
        assert db.scalar(select(func.count()).select_from(Product)) == before


def test_the_back_office_chooses_the_zones_of_a_card(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    setup = f"/dresden/verwaltung/freizeit/{pool.facility_id}/tickets"
    made = manager.submit(
        setup,
        [
            ("product_name", "Saunakarte"),
            ("product_kind", "period"),
            ("price", "45"),
            ("places", "1"),
            ("vat", "19"),
            ("valid_days", "30"),
            ("product_zones", str(pool.hall)),
            ("product_zones", str(pool.sauna)),
        ],
    )
    assert made.status_code == 303, made.text
    office = main_text(manager.get(f"/dresden/verwaltung/freizeit/{pool.facility_id}"))
    assert "Bereiche: Schwimmhalle, Sauna" in office
    with world.tenant(world.dresden) as db:
        product = db.scalar(select(Product).where(Product.name == "Saunakarte"))
        assert product is not None
        assert product.zone_ids == f"{pool.hall},{pool.sauna}"
