"""The back office's calendar: a facility's week of slots with sold, held and free places,
reached from the facilities overview, leading to each slot's check-in list, with the previous
and next week; a wrong day is named and another municipality's facility is not found."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from smartcity.core.platform import Platform
from smartcity.leisure import holds
from smartcity.leisure.models import Slot
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool, book, make_pool
from tests.web.conftest import Browser, main_text


def _path(pool: Pool) -> str:
    return f"/dresden/verwaltung/freizeit/{pool.facility_id}/kalender"


def test_a_week_with_sold_held_and_free_places(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    adult, family = pool.products["adult"], pool.products["family"]
    book(world, platform, pool.later_slot, {adult: 2, family: 1})
    with world.tenant(world.dresden) as db:
        holds.hold(db, holds.HoldInput(pool.later_slot, {adult: 3}))
        sauna = db.get(Slot, pool.sauna_now_slot)
        assert sauna is not None
        sauna.closed = True
        later = db.get(Slot, pool.later_slot)
        assert later is not None
        starts = later.starts_at.astimezone(BERLIN)
    overview = manager.get("/dresden/verwaltung/freizeit")
    assert f'href="freizeit/{pool.facility_id}/kalender"' in overview.text
    day = starts.date()
    page = manager.get(f"{_path(pool)}?woche={day.isoformat()}")
    assert page.status_code == 200
    text = main_text(page)
    monday = day - timedelta(days=day.weekday())
    assert f"Woche vom {monday:%d.%m.%Y} bis {monday + timedelta(days=6):%d.%m.%Y}" in text
    # 12:00 in the pool hall: 6 sold (2 adults, a family of 4), 3 in a cart, 241 of 250 free.
    assert "12:00 – 13:00 Schwimmhalle: Einlassliste Schwimmhalle 6 3 241 250" in text
    assert f'/zeitfenster/{pool.later_slot}"' in page.text
    # Each of the 7 days has its heading, days without slots say so.
    today = datetime.now(BERLIN).date()
    week = {monday + timedelta(days=n) for n in range(7)}
    with_slots = {today, today + timedelta(days=1)} & week
    assert text.count("Keine Zeitfenster an diesem Tag.") == 7 - len(with_slots)
    previous = monday - timedelta(days=7)
    following = monday + timedelta(days=7)
    assert f'href="?woche={previous.isoformat()}"' in page.text
    assert f'href="?woche={following.isoformat()}"' in page.text
    this_week = manager.get(_path(pool))
    assert f"Woche vom {today - timedelta(days=today.weekday()):%d.%m.%Y}" in main_text(this_week)
    # The sauna's running slot is closed: no free places.
    now_page = main_text(manager.get(f"{_path(pool)}?woche={today.isoformat()}"))
    with world.tenant(world.dresden) as db:
        sauna_slot = db.scalar(select(Slot).where(Slot.id == pool.sauna_now_slot))
        assert sauna_slot is not None
        sauna_time = sauna_slot.starts_at.astimezone(BERLIN).strftime("%H:%M")
    assert f"{sauna_time} – " in now_page
    assert "Sauna 0 0 geschlossen 40" in now_page
    # A week without slots.
    empty = main_text(manager.get(f"{_path(pool)}?woche=2026-01-07"))
    assert "Woche vom 05.01.2026 bis 11.01.2026" in empty
    assert empty.count("Keine Zeitfenster an diesem Tag.") == 7


def test_wrong_day_other_municipality_and_permissions(
    world: World, pool: Pool, manager: Browser, gate: Browser
) -> None:
    wrong = manager.get(f"{_path(pool)}?woche=morgen")
    assert wrong.status_code == 422
    text = main_text(wrong)
    assert "TT.MM.JJJJ" in text
    assert 'value="morgen"' in wrong.text
    far = manager.get(f"{_path(pool)}?woche=2126-01-01")
    assert far.status_code == 422
    assert "höchstens fünf Jahre" in main_text(far)
    german = manager.get(f"{_path(pool)}?woche=07.01.2026")
    assert german.status_code == 200
    assert "Woche vom 05.01.2026" in main_text(german)
    theirs = make_pool(world, world.radebeul)
    assert manager.get(
        f"/dresden/verwaltung/freizeit/{theirs.facility_id}/kalender"
    ).status_code == (404)
    assert gate.get(_path(pool)).status_code == 403


def test_in_english(pool: Pool, manager: Browser) -> None:
    page = manager.get(f"{_path(pool)}?woche=2026-01-07&lang=en")
    text = main_text(page)
    assert "Week from 5 January 2026 to 11 January 2026" in text
    assert "Previous week" in text
