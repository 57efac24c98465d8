"""Keeping the hourly and daily rollups current.

New observations are added to their buckets with one upsert per bucket and request (count,
sum, min, max merge associatively). Changed or deleted observations make their buckets be
recomputed from the raw data. Rollups hold numeric results only; times are UTC buckets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smartcity.core.db import table_of
from smartcity.core.tenancy.scope import TenantScope, scope_of
from smartcity.sensorthings import models

GRANULARITIES = ("hour", "day")


def bucket_of(moment: datetime, granularity: str) -> datetime:
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_end(start: datetime, granularity: str) -> datetime:
    return start + (timedelta(hours=1) if granularity == "hour" else timedelta(days=1))


@dataclass
class _Bucket:
    count: int = 0
    total: float = 0.0
    minimum: float = float("inf")
    maximum: float = float("-inf")

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        if value < self.minimum:
            self.minimum = value
        if value > self.maximum:
            self.maximum = value

    def merge(self, other: _Bucket) -> None:
        self.count += other.count
        self.total += other.total
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)


def add_observations(
    db: Session, readings: Iterable[tuple[int | None, datetime, float | None]]
) -> None:
    """Merge new (datastream id, phenomenon time, numeric result) readings of the session's
    municipality into the rollups."""
    scope = scope_of(db)
    assert isinstance(scope, TenantScope), "rollups are written in a tenant's transaction"
    merge(
        db,
        db.get_bind().dialect.name,
        ((scope.municipality_id, *reading) for reading in readings),
    )


def merge(
    executor: Session | Connection,
    dialect: str,
    readings: Iterable[tuple[int, int | None, datetime, float | None]],
) -> None:
    """Merge (municipality id, datastream id, phenomenon time, numeric result) readings into
    the rollups: one upsert for all buckets they touch."""
    # Hours first, keyed by whole hours since the epoch (cheap per reading); days are merged
    # from the hours (per bucket, not per reading).
    hours: dict[tuple[int, int], _Bucket] = {}
    owners: dict[int, int] = {}
    for municipality_id, datastream_id, moment, value in readings:
        if value is None or datastream_id is None:  # MultiDatastreams have no rollups
            continue
        owners[datastream_id] = municipality_id
        key = (datastream_id, math.floor(moment.timestamp()) // 3600)
        bucket = hours.get(key)
        if bucket is None:
            bucket = hours[key] = _Bucket()
        bucket.add(value)
    if not hours:
        return
    buckets: dict[tuple[int, str, datetime], _Bucket] = {}
    for (datastream_id, hour), bucket in hours.items():
        start = datetime.fromtimestamp(hour * 3600, UTC)
        buckets[(datastream_id, "hour", start)] = bucket
        day = buckets.setdefault((datastream_id, "day", bucket_of(start, "day")), _Bucket())
        day.merge(bucket)
    rows = [
        {
            "datastream_id": datastream_id,
            "granularity": granularity,
            "bucket_start": start,
            "count": bucket.count,
            "total": bucket.total,
            "minimum": bucket.minimum,
            "maximum": bucket.maximum,
            # A bulk upsert bypasses the ORM's tenant stamping: the owner is stated here.
            "municipality_id": owners[datastream_id],
        }
        for (datastream_id, granularity, start), bucket in sorted(buckets.items())
    ]
    if dialect == "postgresql" and len(rows) > UNNEST_ABOVE:
        _merge_unnest(executor, rows)
        return
    table = table_of(models.Rollup)
    postgres = dialect == "postgresql"
    statement = postgresql.insert(table) if postgres else sqlite.insert(table)
    smallest, largest = (func.least, func.greatest) if postgres else (func.min, func.max)
    statement = statement.on_conflict_do_update(
        index_elements=["datastream_id", "granularity", "bucket_start"],
        set_={
            "count": table.c.count + statement.excluded.count,
            "total": table.c.total + statement.excluded.total,
            "minimum": smallest(table.c.minimum, statement.excluded.minimum),
            "maximum": largest(table.c.maximum, statement.excluded.maximum),
        },
    )
    executor.execute(statement, rows)


# Many buckets at once (many Datastreams in one batch): one statement over arrays instead of
# one upsert per bucket. 10,000 buckets: 235 ms as single upserts on PostgreSQL.
UNNEST_ABOVE = 50
COLUMNS = (
    "datastream_id",
    "granularity",
    "bucket_start",
    "count",
    "total",
    "minimum",
    "maximum",
    "municipality_id",
)


def _merge_unnest(executor: Session | Connection, rows: list[dict[str, Any]]) -> None:
    columns = ", ".join(COLUMNS)
    statement = text(
        f"INSERT INTO sta_rollup ({columns}) "  # noqa: S608 - constant column names
        "SELECT * FROM unnest(CAST(:datastream_id AS integer[]), CAST(:granularity AS text[]), "
        "CAST(:bucket_start AS timestamptz[]), CAST(:count AS integer[]), "
        "CAST(:total AS float8[]), CAST(:minimum AS float8[]), CAST(:maximum AS float8[]), "
        "CAST(:municipality_id AS integer[])) "
        "ON CONFLICT (datastream_id, granularity, bucket_start) DO UPDATE SET "
        "count = sta_rollup.count + excluded.count, total = sta_rollup.total + excluded.total, "
        "minimum = least(sta_rollup.minimum, excluded.minimum), "
        "maximum = greatest(sta_rollup.maximum, excluded.maximum)"
    )
    executor.execute(statement, {name: [row[name] for row in rows] for name in COLUMNS})


def recompute(db: Session, datastream_id: int | None, moments: Iterable[datetime]) -> None:
    """Rebuild the buckets around these times from the raw observations."""
    if datastream_id is None:
        return
    scope = scope_of(db)
    assert isinstance(scope, TenantScope)
    for granularity in GRANULARITIES:
        for start in {bucket_of(moment, granularity) for moment in moments}:
            end = bucket_end(start, granularity)
            o = models.Observation
            in_bucket = and_(
                o.datastream_id == datastream_id,
                o.phenomenon_time_start >= start,
                o.phenomenon_time_start < end,
                o.result_number.is_not(None),
            )
            count, total, minimum, maximum = db.execute(
                select(
                    func.count(o.result_number),
                    func.sum(o.result_number),
                    func.min(o.result_number),
                    func.max(o.result_number),
                ).where(in_bucket)
            ).one()
            db.execute(
                delete(models.Rollup).where(
                    models.Rollup.datastream_id == datastream_id,
                    models.Rollup.granularity == granularity,
                    models.Rollup.bucket_start == start,
                )
            )
            if count:
                db.add(
                    models.Rollup(
                        datastream_id=datastream_id,
                        granularity=granularity,
                        bucket_start=start,
                        count=count,
                        total=total,
                        minimum=minimum,
                        maximum=maximum,
                    )
                )
    db.flush()
