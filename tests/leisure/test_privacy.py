"""Buyers' data is kept only as long as the facility says: the retention run anonymises an
order's e-mail address the facility's number of days after the visit (30 unless set), and not
before; a legal hold keeps it; the tickets and the counts stay for statistics. The period is
set in the facility's setup, within 7 to 365 days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from smartcity.core import holds as core_holds
from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.platform import Platform
from smartcity.leisure import retention
from smartcity.leisure.models import Facility, Order, Slot, Ticket
from smartcity.modules import installed_modules
from smartcity.privacy import holds
from smartcity.privacy.declarations import declared
from smartcity.privacy.retention import apply, own_jobs, plan
from tests.conftest import World
from tests.leisure.conftest import Pool, book, make_pool
from tests.web.conftest import Browser, main_text

LABEL = f"leisure_order: {retention.LABEL}"


def test_the_buyers_address_goes_30_days_after_the_visit(
    world: World, platform: Platform, pool: Pool
) -> None:
    book(world, platform, pool.later_slot, {pool.products["family"]: 1}, email="erika@example.org")
    declarations = declared(installed_modules())
    sessions = world.platform.sessions
    jobs = own_jobs(platform, installed_modules())
    assert (
        LABEL not in plan(sessions, declarations, utcnow() + timedelta(days=20), jobs=jobs).totals()
    )
    later = plan(sessions, declarations, utcnow() + timedelta(days=33), jobs=jobs)
    assert later.totals()[LABEL] == {"anonymise": 1}
    assert later.elsewhere == []
    apply(sessions, platform.settings.data_dir, declarations, later, jobs)
    with world.tenant(world.dresden) as db:
        order = db.scalar(select(Order))
        assert order is not None
        assert order.email is None
        assert db.scalar(select(func.count()).select_from(Ticket)) == 1
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert slot.sold == 4
    assert plan(sessions, declarations, utcnow() + timedelta(days=33), jobs=jobs).totals() == {}


def test_each_facility_keeps_its_buyers_for_its_own_period(
    world: World, platform: Platform, pool: Pool
) -> None:
    """The pool keeps its buyers 10 days, the museum (another facility) the default 30, the
    neighbouring municipality's pool 60; 15 days after the visits only the pool's buyers go,
    except one under a legal hold; 35 days after, the museum's too; Radebeul's stay."""
    museum = make_pool(world, world.dresden, slug="museum")
    theirs = make_pool(world, world.radebeul)
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        retention.set_period(db, facility, 10, "test")
    with world.tenant(world.radebeul) as db:
        facility = db.get(Facility, theirs.facility_id)
        assert facility is not None
        retention.set_period(db, facility, 60, "test")
    adult = pool.products["adult"]
    book(world, platform, pool.later_slot, {adult: 1}, email="a@example.org")
    held = book(world, platform, pool.later_slot, {adult: 1}, email="held@example.org")
    book(world, platform, museum.later_slot, {museum.products["adult"]: 1}, email="m@example.org")
    book(
        world,
        platform,
        theirs.later_slot,
        {theirs.products["adult"]: 1},
        email="r@example.org",
        municipality=world.radebeul,
    )
    declarations = declared(installed_modules())
    # What the app does when it is built: the retention jobs ask the privacy module's holds.
    core_holds.provide(holds.held_among(declarations))
    with world.tenant(world.dresden) as db:
        held_id = db.scalar(select(Order.id).where(Order.code == held))
        holds.place(
            db,
            declarations,
            table="leisure_order",
            row_id=str(held_id),
            reason="Beschwerde anhängig",
            until=None,
            actor="user:1",
        )
    sessions = world.platform.sessions
    jobs = own_jobs(platform, installed_modules())

    def emails() -> set[str | None]:
        with world.system() as db:
            return set(db.scalars(select(Order.email)))

    within = plan(sessions, declarations, utcnow() + timedelta(days=9), jobs=jobs)
    assert LABEL not in within.totals()
    after_ten = plan(sessions, declarations, utcnow() + timedelta(days=15), jobs=jobs)
    assert after_ten.totals()[LABEL] == {"anonymise": 1}
    assert sum(d.held for d in after_ten.due if d.table == "leisure_order") == 1
    apply(sessions, platform.settings.data_dir, declarations, after_ten, jobs)
    assert emails() == {None, "held@example.org", "m@example.org", "r@example.org"}
    after_thirty = plan(sessions, declarations, utcnow() + timedelta(days=35), jobs=jobs)
    assert after_thirty.totals()[LABEL] == {"anonymise": 1}
    apply(sessions, platform.settings.data_dir, declarations, after_thirty, jobs)
    assert emails() == {None, "held@example.org", "r@example.org"}
    with world.system() as db:
        entries = list(
            db.scalars(select(AuditEntry).where(AuditEntry.action == "leisure.retention.anonymise"))
        )
    assert [e.changes for e in entries] == [{"rows": 1}, {"rows": 1}]
    assert "@" not in str([e.changes for e in entries])


def test_the_period_is_set_in_the_facility_setup(
    world: World, pool: Pool, manager: Browser
) -> None:
    path = f"/dresden/verwaltung/freizeit/{pool.facility_id}"
    page = manager.get(path)
    assert 'name="retention_days"' in page.text
    assert 'value="30"' in page.text
    for wrong in ("6", "366", "zehn", ""):
        answer = manager.submit(f"{path}/aufbewahrung", {"retention_days": wrong})
        assert answer.status_code == 422, wrong
        assert "7 bis 365 Tage nach dem Besuch" in main_text(answer)
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        assert facility.retention_days == 30
    saved = manager.submit(f"{path}/aufbewahrung", {"retention_days": "90"})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{path}?erledigt=gespeichert"
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        assert facility.retention_days == 90
    theirs = make_pool(world, world.radebeul)
    other = manager.submit(
        f"/dresden/verwaltung/freizeit/{theirs.facility_id}/aufbewahrung", {"retention_days": "90"}
    )
    assert other.status_code == 404
    english = manager.submit(f"{path}/aufbewahrung?lang=en", {"retention_days": "1"})
    assert "7 to 365 days after the visit" in main_text(english)
