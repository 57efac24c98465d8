"""The planner statistics job: SQLite's `ANALYZE` of the whole database at start-up and once a
day (`core.db.gather_statistics`), so that its planner chooses a table's specific index over the
municipality's. A no-op on PostgreSQL, whose autovacuum keeps them. Like every periodic job it
runs once at a time across instances (core.jobs)."""

from __future__ import annotations

from smartcity.core.db import gather_statistics
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform


def refresh(platform: Platform) -> None:
    gather_statistics(platform.engine)


# At start too: a fresh or restarted instance (a restored backup, a bulk import) plans with them
# at once instead of for up to a day without.
STATISTICS = PeriodicJob("core.statistics", 24 * 60 * 60, refresh, at_start=True)
