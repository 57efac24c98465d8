"""Buyers' data is kept only as long as the declaration says: the platform's retention job
anonymises an order's e-mail address 30 days after the visit, and not before; the tickets
and the counts stay for statistics."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from smartcity.core.db import utcnow
from smartcity.core.platform import Platform
from smartcity.leisure.models import Order, Slot, Ticket
from smartcity.modules import installed_modules
from smartcity.privacy.declarations import declared
from smartcity.privacy.retention import apply, plan
from tests.conftest import World
from tests.leisure.conftest import Pool, book

LABEL = "leisure_order: buyer of a ticket: 30 days after the visit"


def test_the_buyers_address_goes_30_days_after_the_visit(
    world: World, platform: Platform, pool: Pool
) -> None:
    book(world, platform, pool.later_slot, {pool.products["family"]: 1}, email="erika@example.org")
    declarations = declared(installed_modules())
    sessions = world.platform.sessions
    assert LABEL not in plan(sessions, declarations, utcnow() + timedelta(days=20)).totals()
    later = plan(sessions, declarations, utcnow() + timedelta(days=33))
    assert later.totals()[LABEL] == {"anonymise": 1}
    apply(sessions, platform.settings.data_dir, declarations, later)
    with world.tenant(world.dresden) as db:
        order = db.scalar(select(Order))
        assert order is not None
        assert order.email is None
        assert db.scalar(select(func.count()).select_from(Ticket)) == 1
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert slot.sold == 4
