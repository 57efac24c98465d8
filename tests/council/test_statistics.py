"""What keeps OParl's pages fast as the archive grows: the planner statistics job (SQLite), and
a file list read from its index instead of the files' rows with their texts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from smartcity.core.platform import Platform
from smartcity.council.demo import Seeded
from smartcity.council.module import module
from smartcity.council.statistics import STATISTICS, TABLES, refresh
from tests.conftest import World
from tests.council.conftest import fetch


def _statistics(platform: Platform) -> set[str]:
    with platform.engine.connect() as connection:
        if not connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).first():
            return set()
        return {row[0] for row in connection.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}


def test_the_council_keeps_its_tables_statistics_from_start_up_on(
    world: World, council: Seeded, backend: str
) -> None:
    assert STATISTICS in module.jobs
    assert STATISTICS.at_start  # a fresh or restarted instance plans with them at once
    if backend == "postgresql":
        refresh(world.platform)  # autovacuum's business: nothing to do, and no error
        return
    assert not set(TABLES) & _statistics(world.platform)
    refresh(world.platform)
    assert set(TABLES) <= _statistics(world.platform)
    # With them, a page's embedded files are looked up by their paper, not by reading every
    # file of the municipality.
    with world.platform.engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT * FROM council_file "
                    "WHERE municipality_id = :m AND paper_id IN (1, 2, 3)"
                ),
                {"m": world.dresden.id},
            )
        )
    assert "ix_council_file_paper_id" in plan, plan


def _plans(platform: Platform, client: TestClient, url: str) -> dict[str, str]:
    """The SQLite query plans of the statements a request sends, by statement."""
    sent: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(platform.engine, "before_cursor_execute", seen)
    try:
        fetch(client, url)
    finally:
        event.remove(platform.engine, "before_cursor_execute", seen)
    plans = {}
    with platform.engine.connect() as connection:
        for statement, parameters in sent:
            if statement.lstrip().upper().startswith("SELECT"):
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                plans[statement] = " | ".join(str(row[-1]) for row in rows)
    return plans


@pytest.mark.parametrize("analysed", [False, True])
def test_a_file_list_page_and_its_total_are_read_from_the_listing_index(
    world: World, council: Seeded, client: TestClient, backend: str, analysed: bool
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL chooses by the table's size; bench/oparl.py measures it there")
    if analysed:
        refresh(world.platform)
    page = fetch(client, "/dresden/oparl/v1.1/file", limit="2", page="2")
    assert page["data"]
    assert page["pagination"]["totalElements"] > 2
    plans = _plans(world.platform, client, "/dresden/oparl/v1.1/file?limit=2&page=2")
    chosen = [
        plan
        for statement, plan in plans.items()
        if "council_file" in statement and ("LIMIT" in statement or "count(" in statement)
    ]
    assert len(chosen) == 2, plans  # the total and the page's ids
    for plan in chosen:
        assert "COVERING INDEX ix_council_file_listing" in plan, plan
