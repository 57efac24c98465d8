"""The statistics export of a facility's bookings: per slot, ticket, state and price, the
number of tickets and places, as CSV for German Excel, without any personal data (no e-mail
address, no booking number, no ticket code); only the facility's own municipality's, and only
for facility management."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from smartcity.core.platform import Platform
from smartcity.leisure import booking, facilities, passes
from smartcity.leisure.models import Facility, Order, Slot, Ticket
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool, book, make_pool
from tests.web.conftest import Browser, main_text

EXPORT = "/dresden/verwaltung/freizeit/statistik"


def test_bookings_without_personal_data(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    adult, family = pool.products["adult"], pool.products["family"]
    paid = book(world, platform, pool.later_slot, {adult: 2, family: 1}, email="stat@example.org")
    book(world, platform, pool.later_slot, {adult: 1}, email="offen@example.org", paid=False)
    cancelled = book(world, platform, pool.later_slot, {adult: 1}, email="weg@example.org")
    with world.tenant(world.dresden) as db:
        order = db.scalar(select(Order).where(Order.code == cancelled))
        assert order is not None
        booking.cancel(db, order, "test", staff=True)
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        codes = list(db.scalars(select(Ticket.code)))
    theirs = make_pool(world, world.radebeul)
    book(
        world,
        platform,
        theirs.later_slot,
        {theirs.products["reduced"]: 1},
        municipality=world.radebeul,
    )
    form = manager.get(EXPORT)
    assert form.status_code == 200
    assert "Ohne personenbezogene Daten" in main_text(form)
    today = datetime.now(BERLIN).date()
    answer = manager.get(
        f"{EXPORT}.csv?einrichtung={pool.facility_id}&von={today.strftime('%d.%m.%Y')}"
        f"&bis={(today + timedelta(days=1)).isoformat()}"
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")
    text = answer.content.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == (
        "Beginn;Ende;Bereich;Ticket;Art des Tickets;Stand;Tickets;Plätze;Einzelpreis (EUR);"
        "Summe (EUR)"
    )
    starts = slot.starts_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
    ends = slot.ends_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
    where = f"{starts};{ends};Schwimmhalle"
    assert sorted(lines[1:-1]) == sorted(
        [
            f"{where};Erwachsene;Erwachsene;Bezahlt;2;2;5,50;11,00",
            f"{where};Erwachsene;Erwachsene;Zahlung offen (Kasse);1;1;5,50;5,50",
            f"{where};Erwachsene;Erwachsene;Storniert und erstattet;1;1;5,50;5,50",
            f"{where};Familie;Familie;Bezahlt;1;4;15,00;15,00",
        ]
    )
    assert lines[-1] == ""
    for private in ("example.org", paid, cancelled, *codes):
        assert private not in text
    assert "Ermäßigt" not in text  # Radebeul's booking


def test_wrong_period_and_permissions(
    world: World, pool: Pool, manager: Browser, gate: Browser
) -> None:
    backwards = manager.get(
        f"{EXPORT}.csv?einrichtung={pool.facility_id}&von=2026-03-02&bis=2026-03-01"
    )
    assert backwards.status_code == 422
    assert "Der letzte Tag liegt vor dem ersten" in main_text(backwards)
    too_long = manager.get(
        f"{EXPORT}.csv?einrichtung={pool.facility_id}&von=2025-01-01&bis=2026-03-01"
    )
    assert too_long.status_code == 422
    assert "Höchstens 366 Tage" in main_text(too_long)
    missing = manager.get(f"{EXPORT}.csv?von=2026-03-01&bis=31.02.2026")
    assert missing.status_code == 422
    assert "Bitte eine Einrichtung aus der Liste wählen" in main_text(missing)
    assert "Bitte den letzten Tag als TT.MM.JJJJ angeben" in main_text(missing)
    theirs = make_pool(world, world.radebeul)
    other = manager.get(
        f"{EXPORT}.csv?einrichtung={theirs.facility_id}&von=2026-03-01&bis=2026-03-02"
    )
    assert other.status_code == 404
    assert gate.get(EXPORT).status_code == 403
    assert (
        gate.get(
            f"{EXPORT}.csv?einrichtung={pool.facility_id}&von=2026-03-01&bis=2026-03-02"
        ).status_code
        == 403
    )


def test_a_card_counts_on_its_first_day(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    first_day = (datetime.now(BERLIN) + timedelta(days=2)).date()
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        card = facilities.add_product(
            db,
            facility,
            facilities.ProductInput("Monatskarte", "period", 3500, 1, 700, False, valid_days=30),
            "test",
        )
        passes.buy(
            db,
            world.dresden,
            facility,
            passes.PassInput(card.id, first_day, "monat@example.org"),
            platform.settings.require_secret_key(),
        )
    path = f"{EXPORT}.csv?einrichtung={pool.facility_id}&von={first_day}&bis={first_day}"
    lines = manager.get(path).content.decode("utf-8-sig").split("\r\n")
    last_day = first_day + timedelta(days=30)
    assert lines[1:] == [
        f"{first_day:%d.%m.%Y} 00:00;{last_day:%d.%m.%Y} 00:00;Schwimmhalle;Monatskarte;"
        "Zeitkarte (Monat, Saison);Zahlung offen (Kasse);1;1;35,00;35,00",
        "",
    ]
    day_before = first_day - timedelta(days=1)
    path = f"{EXPORT}.csv?einrichtung={pool.facility_id}&von={day_before}&bis={day_before}"
    assert manager.get(path).content.decode("utf-8-sig").split("\r\n")[1:] == [""]
