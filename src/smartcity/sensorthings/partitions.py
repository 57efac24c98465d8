"""Monthly partitions of Observations on PostgreSQL (migration 0009).

`sta_observation` is partitioned by range of `phenomenon_time_start`, one partition per
calendar month in UTC, named `sta_observation_yYYYYmMM`; rows of months without a partition
land in `sta_observation_default`, so a write never fails for want of a partition.

The partition job (at start-up and every hour, once across instances) keeps partitions ready
for the months around now and moves months that have gathered in the default partition into
partitions of their own (a historic import, devices that were offline for months), then
vacuums the default partition and analyses the new ones, so that reads right after such a
move do not walk the moved rows' dead tuples until autovacuum comes round. Retention
(`sensorthings.retention`) drops a month's partition as a whole once no row in it is to be
kept. On SQLite all of this is a no-op.

Partitions are attached rather than created as `PARTITION OF`: attaching locks the parent
table in a mode that lets writes go on, and `lock_timeout` keeps the job from queueing up
behind long queries (it tries again next hour).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Counter
from sqlalchemy import Connection, text

from smartcity.core.db import utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform

log = logging.getLogger(__name__)

PARENT = "sta_observation"
NAME = re.compile(r"^sta_observation_y(\d{4})m(\d{2})$")
# Months kept ready before and after the current one.
MONTHS_BEHIND = 1
MONTHS_AHEAD = 3
# A month elsewhere gets its own partition once the default holds this many of its rows;
# fewer stay in the default (a device with a wrong clock must not create hundreds of tables).
SPLIT_MIN_ROWS = 10_000
LOCK_TIMEOUT = "5s"

CHANGES = Counter(
    "smartcity_observation_partition_changes_total",
    "Monthly Observation partitions created or dropped",
    ["change"],
)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime) -> Month:
        moment = moment.astimezone(UTC)
        return cls(moment.year, moment.month)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.plus(1).start

    @property
    def table(self) -> str:
        return f"sta_observation_y{self.year:04d}m{self.month:02d}"


def partitioned(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def months(connection: Connection) -> list[Month]:
    """The months that have a partition, oldest first."""
    names = connection.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": PARENT},
    )
    found = (NAME.match(name) for name in names)
    return sorted(Month(int(m.group(1)), int(m.group(2))) for m in found if m)


def create(connection: Connection, month: Month) -> int:
    """Give a month its partition, moving its rows out of the default partition; returns how
    many rows moved. Identifiers and bounds come from `Month`, never from input."""
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    table, start, end = month.table, month.start.isoformat(), month.end.isoformat()
    # Writers wait until the month is attached: an insert that had routed a row of this month
    # to the default partition just before the ATTACH failed with "violates partition
    # constraint" (a 500 to the client). SHARE ROW EXCLUSIVE blocks inserts, not reads.
    connection.execute(text(f"LOCK TABLE {PARENT} IN SHARE ROW EXCLUSIVE MODE"))
    connection.execute(
        text(f"CREATE TABLE {table} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    moved = connection.execute(
        text(
            "WITH moved AS (DELETE FROM sta_observation_default "  # noqa: S608 (name by Month)
            "WHERE phenomenon_time_start >= :start AND phenomenon_time_start < :end RETURNING *) "
            f"INSERT INTO {table} SELECT * FROM moved"
        ),
        {"start": month.start, "end": month.end},
    ).rowcount
    connection.execute(
        text(
            f"ALTER TABLE sta_observation ATTACH PARTITION {table} "
            f"FOR VALUES FROM ('{start}') TO ('{end}')"
        )
    )
    CHANGES.labels("created").inc()
    log.info("observation partition created", extra={"partition": table, "rows_moved": moved})
    return int(moved)


def drop(connection: Connection, month: Month) -> None:
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    connection.execute(text(f"DROP TABLE {month.table}"))
    CHANGES.labels("dropped").inc()
    log.info("observation partition dropped", extra={"partition": month.table})


def crowded_months(connection: Connection, min_rows: int) -> list[Month]:
    """Months with at least `min_rows` rows in the default partition."""
    rows = connection.execute(
        text(
            "SELECT date_trunc('month', phenomenon_time_start AT TIME ZONE 'UTC') AS month "
            "FROM sta_observation_default GROUP BY 1 HAVING count(*) >= :min_rows"
        ),
        {"min_rows": min_rows},
    )
    return [Month(month.year, month.month) for (month,) in rows]


def maintain(
    platform: Platform, now: datetime | None = None, *, split_min_rows: int = SPLIT_MIN_ROWS
) -> list[Month]:
    """Create the partitions that should exist; returns the months created."""
    with platform.engine.connect() as connection:
        if not partitioned(connection):
            return []
        current = Month.of(now or utcnow())
        window = [current.plus(offset) for offset in range(-MONTHS_BEHIND, MONTHS_AHEAD + 1)]
        wanted = set(window) | set(crowded_months(connection, split_min_rows))
        connection.rollback()
        missing = sorted(wanted - set(months(connection)))
        connection.rollback()
        moved = 0
        for month in missing:
            with connection.begin():
                moved += create(connection, month)
    if moved:
        tidy(platform, [month.table for month in missing])
    return missing


def tidy(platform: Platform, new_tables: Sequence[str]) -> None:
    """Vacuum the default partition once rows moved out of it, and give the new partitions
    their statistics. Until autovacuum came round (minutes to hours on a busy database), the
    moved rows stayed behind as dead tuples that every count and window scan still read, and
    the planner knew nothing of the new partitions: reads right after a historic import were
    two to three times slower than later (issue 30). VACUUM cannot run in a transaction."""
    with platform.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.execute(text("VACUUM (ANALYZE) sta_observation_default"))
        for table in new_tables:
            if NAME.match(table):  # names come from `Month`, checked again before use
                autocommit.execute(text(f"ANALYZE {table}"))
        # The parent's own statistics (what the planner estimates for the whole table):
        # autovacuum never analyses a partitioned table.
        autocommit.execute(text(f"ANALYZE {PARENT}"))


def droppable(
    connection: Connection, month: Month, cutoffs: Sequence[tuple[str, int, datetime | None]]
) -> bool:
    """Whether no row of the month's partition is to be kept. `cutoffs` holds, per
    (Multi)Datastream, the column naming it, its id and the time before which its raw
    Observations go (None: kept forever)."""
    keep = [
        (column, ident, cutoff)
        for column, ident, cutoff in cutoffs
        if cutoff is None or cutoff < month.end
    ]
    for column in ("datastream_id", "multi_datastream_id"):
        ids = [ident for c, ident, _ in keep if c == column]
        if not ids:
            continue
        # The earliest time there is stands for "kept forever": every row is a reason to keep.
        since = [cutoff or datetime.min.replace(tzinfo=UTC) for c, _, cutoff in keep if c == column]
        found = connection.execute(
            text(
                f"SELECT 1 FROM {month.table} o JOIN unnest("  # noqa: S608 (names of our own)
                "CAST(:ids AS integer[]), CAST(:since AS timestamptz[])) AS k(id, since) "
                f"ON o.{column} = k.id AND o.phenomenon_time_start >= k.since LIMIT 1"
            ),
            {"ids": ids, "since": since},
        ).first()
        if found is not None:
            return False
    return True


def drop_expired(
    platform: Platform, now: datetime, cutoffs: Sequence[tuple[str, int, datetime | None]]
) -> list[Month]:
    """Drop the partitions of past months that hold nothing to keep; returns their months."""
    dropped: list[Month] = []
    with platform.engine.connect() as connection:
        if not partitioned(connection):
            return dropped
        past = [month for month in months(connection) if month.end <= now]
        connection.rollback()
        for month in past:
            with connection.begin():
                if droppable(connection, month, cutoffs):
                    drop(connection, month)
                    dropped.append(month)
    return dropped


def _run(platform: Platform) -> None:
    maintain(platform)


PARTITIONS = PeriodicJob("sensorthings.partitions", 3600, _run, at_start=True)
