"""Core's database helpers that every module's queries lean on: the planner statistics job
(`core.statistics`) and `among`, a key list in one parameter on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from smartcity.core.db import among
from smartcity.core.jobs import run_exclusively
from smartcity.core.module import module
from smartcity.core.platform import Platform
from smartcity.core.statistics import STATISTICS
from smartcity.core.tenancy.models import Municipality
from smartcity.modules import installed_modules
from tests.conftest import World


def _analysed(platform: Platform) -> set[str]:
    """The tables SQLite holds planner statistics of."""
    with platform.engine.connect() as connection:
        if not connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).first():
            return set()
        return {row[0] for row in connection.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}


def test_the_statistics_job_is_core_s_and_runs_from_start_up_on() -> None:
    assert STATISTICS in module.jobs
    assert STATISTICS in installed_modules().jobs()  # declared once, by core, for all modules
    assert [job.name for job in installed_modules().jobs()].count("core.statistics") == 1
    assert STATISTICS.at_start  # a fresh or restarted instance plans with them at once
    assert STATISTICS.interval_seconds == 24 * 60 * 60


def test_the_statistics_job_runs_on_both_databases(world: World, backend: str) -> None:
    platform = world.platform
    if backend == "sqlite":
        assert "municipality" not in _analysed(platform)
    STATISTICS.run(platform)  # raises what the scheduler would only log
    assert run_exclusively(platform, STATISTICS)  # and under the job lock (PostgreSQL)
    if backend == "sqlite":
        # The whole database, every module's tables alike: here the world's municipalities.
        assert "municipality" in _analysed(platform)
    with world.system() as db:  # the database answers as before
        assert len(db.scalars(select(Municipality.id)).all()) == 2


def test_among_finds_keys_of_a_long_list_in_one_parameter_on_postgresql(
    world: World, backend: str
) -> None:
    wanted = [world.dresden.id, world.radebeul.id]
    numbers = [*range(100_000, 102_000), *wanted, wanted[0]]  # a duplicate too
    sent: list[Any] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT"):  # not SQLite's BEGIN
            sent.append(parameters)

    with world.system() as db:
        event.listen(world.platform.engine, "before_cursor_execute", seen)
        try:
            by_id = db.scalars(
                select(Municipality.id).where(among(db, Municipality.id, numbers))
            ).all()
        finally:
            event.remove(world.platform.engine, "before_cursor_execute", seen)
        # Strings as well (transit's trip and stop ids).
        by_slug = db.scalars(
            select(Municipality.slug).where(
                among(db, Municipality.slug, {"radebeul", "dresden", "görlitz"})
            )
        ).all()
    assert sorted(by_id) == sorted(wanted)
    assert sorted(by_slug) == ["dresden", "radebeul"]
    assert len(sent) == 1
    # PostgreSQL: one array; SQLite: one placeholder per distinct key.
    assert len(sent[0]) == (1 if backend == "postgresql" else 2_002)
