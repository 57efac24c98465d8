"""Planner statistics for the council's tables on SQLite.

SQLite gathers none by itself. Without them its planner guesses, and for the lookups OParl
makes on every page (a page's embedded files, agenda items and consultations: `parent_id IN
(…)` of one municipality) it guesses the municipality's index — every row of the Body instead
of the page's few (docs/performance.md, "OParl API"). The job analyses the council's tables
at start-up and once a day, sampling a bounded number of index entries so that it stays short
however large the archive grows. PostgreSQL's autovacuum keeps its statistics itself.
"""

from __future__ import annotations

from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform

# The tables whose plans depend on it: the OParl lists and what their pages embed.
TABLES = (
    "council_agenda_item",
    "council_consultation",
    "council_file",
    "council_meeting",
    "council_meeting_organization",
    "council_membership",
    "council_paper",
)
# Index entries ANALYZE looks at per index (SQLite's `analysis_limit`): its guidance for
# long-running applications; the estimates are close enough to choose between indexes.
ANALYSIS_LIMIT = 400


def refresh(platform: Platform) -> None:
    if platform.engine.dialect.name != "sqlite":
        return
    with platform.engine.begin() as connection:
        connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        for table in TABLES:
            connection.exec_driver_sql(f"ANALYZE {table}")


STATISTICS = PeriodicJob("council.statistics", 24 * 60 * 60, refresh, at_start=True)
