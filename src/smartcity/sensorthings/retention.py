"""Retention of time series: raw Observations are kept for a number of days, the hourly and
daily rollups (which answer aggregation) for longer.

The defaults come from `SMARTCITY_RETENTION_RAW_DAYS` and `SMARTCITY_RETENTION_ROLLUP_DAYS`
(0: keep forever); a Datastream may set its own in its properties, e.g.
`"properties": {"retention": {"rawDays": 90, "rollupDays": 3650}}`, which its data steward
changes with a PATCH; MultiDatastreams likewise. Deleting old raw data leaves the rollups as
they are: a year later the daily averages are still there.

On PostgreSQL, a past month's partition that holds nothing to keep is dropped as a whole
(`sensorthings.partitions`); what remains (a Datastream with a shorter retention than its
neighbours, the part of a month not yet due) is deleted in chunks, so a first run on a large
table never holds one long transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, select

from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.sensorthings import models, partitions

log = logging.getLogger(__name__)

CHUNK = 10_000
REMOVED = Counter("smartcity_retention_rows_removed_total", "Rows removed by retention", ["table"])


@dataclass(frozen=True)
class Retention:
    raw_days: int
    rollup_days: int


def retention_of(properties: Any, default: Retention) -> Retention:
    """A Datastream's retention: its own where it sets one (whole days ≥ 1), else the
    default."""
    own = properties.get("retention") if isinstance(properties, dict) else None
    if not isinstance(own, dict):
        return default

    def days(name: str, fallback: int) -> int:
        value = own.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        return fallback

    return Retention(days("rawDays", default.raw_days), days("rollupDays", default.rollup_days))


def apply_retention(platform: Platform, now: datetime | None = None) -> dict[str, int]:
    """Remove what is past its retention; returns the number of rows per table (and of the
    monthly partitions dropped as a whole, which are not counted in rows)."""
    settings = platform.settings
    default = Retention(settings.retention_raw_days, settings.retention_rollup_days)
    now = now or utcnow()
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        datastreams = db.execute(select(models.Datastream.id, models.Datastream.properties)).all()
        multi = db.execute(
            select(models.MultiDatastream.id, models.MultiDatastream.properties)
        ).all()
    streams = [
        (column, ident, retention_of(properties, default))
        for column, rows in (("datastream_id", datastreams), ("multi_datastream_id", multi))
        for ident, properties in rows
    ]
    cutoffs = [
        (column, ident, now - timedelta(days=kept.raw_days) if kept.raw_days else None)
        for column, ident, kept in streams
    ]
    dropped = partitions.drop_expired(platform, now, cutoffs)
    removed = {"sta_observation": 0, "sta_rollup": 0}
    o = models.Observation
    for column, ident, cutoff in cutoffs:
        if cutoff is not None:
            removed["sta_observation"] += _remove_observations(
                platform, getattr(o, column) == ident, o.phenomenon_time_start < cutoff
            )
    for column, ident, kept in streams:
        if column == "datastream_id" and kept.rollup_days:
            removed["sta_rollup"] += _remove_rollups(
                platform, ident, now - timedelta(days=kept.rollup_days)
            )
    for table, count in removed.items():
        REMOVED.labels(table).inc(count)
    removed["sta_observation_partitions"] = len(dropped)
    if any(removed.values()):
        log.info("retention applied", extra=removed)
    return removed


def _remove_observations(platform: Platform, *conditions: Any) -> int:
    """Delete in chunks. The conditions are repeated outside the chunk's subquery so that
    PostgreSQL looks only at the partitions that can hold such rows."""
    o = models.Observation
    total = 0
    while True:
        with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
            chunk = select(o.id).where(*conditions).limit(CHUNK).scalar_subquery()
            result: Any = db.execute(delete(o).where(*conditions, o.id.in_(chunk)))
            count = int(result.rowcount)
        total += count
        if count < CHUNK:
            return total


def _remove_rollups(platform: Platform, datastream_id: int, cutoff: datetime) -> int:
    r = models.Rollup
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        result: Any = db.execute(
            delete(r).where(r.datastream_id == datastream_id, r.bucket_start < cutoff)
        )
        return int(result.rowcount)


def _run(platform: Platform) -> None:
    apply_retention(platform)


RETENTION = PeriodicJob("sensorthings.retention", 3600, _run)
