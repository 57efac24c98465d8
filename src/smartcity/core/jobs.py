"""Periodic jobs that run once across all app instances.

Every instance runs the scheduler; before a job runs, the instance takes a PostgreSQL
session-level advisory lock named after the job (`pg_try_advisory_lock`). Whoever does not get
it skips that round, so a job never runs twice at the same time, whatever the number of
instances. On SQLite there is only one instance; the lock is a no-op there.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter
from sqlalchemy import text

from smartcity.core.platform import Platform

log = logging.getLogger(__name__)

RUNS = Counter("smartcity_job_runs_total", "Periodic job runs", ["job", "outcome"])


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_seconds: float
    run: Callable[[Platform], None]
    # Also run right after start-up (for jobs that prepare what the app needs, not clean-ups).
    at_start: bool = False


def lock_key(name: str) -> int:
    """A stable signed 64-bit key per job name (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def run_exclusively(platform: Platform, job: PeriodicJob) -> bool:
    """Run the job unless another instance is running it right now. True when it ran."""
    if platform.engine.dialect.name != "postgresql":
        _run(platform, job)
        return True
    with platform.engine.connect() as connection:
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(job.name)}
        ).scalar()
        connection.commit()
        if not got:
            RUNS.labels(job.name, "skipped").inc()
            return False
        try:
            _run(platform, job)
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(job.name)})
            connection.commit()
    return True


def _run(platform: Platform, job: PeriodicJob) -> None:
    started = time.perf_counter()
    try:
        job.run(platform)
    except Exception:
        RUNS.labels(job.name, "failed").inc()
        log.exception("periodic job failed", extra={"job": job.name})
        return
    RUNS.labels(job.name, "ok").inc()
    log.info(
        "periodic job done",
        extra={"job": job.name, "duration_ms": round((time.perf_counter() - started) * 1000)},
    )


async def scheduler(platform: Platform, jobs: list[PeriodicJob], *, tick: float = 1.0) -> None:
    """Run each job every `interval_seconds` (first run one interval after start-up, or at
    once for jobs that ask to run at start)."""
    now = time.monotonic()
    due = {job.name: now if job.at_start else now + job.interval_seconds for job in jobs}
    while True:
        now = time.monotonic()
        for job in jobs:
            if now >= due[job.name]:
                due[job.name] = now + job.interval_seconds
                try:
                    await asyncio.to_thread(run_exclusively, platform, job)
                except Exception as exc:
                    # Taking the lock failed (the database is away): skip this round; the
                    # scheduler itself must outlive an outage.
                    RUNS.labels(job.name, "failed").inc()
                    log.warning(
                        "periodic job not started",
                        extra={"job": job.name, "error": type(exc).__name__},
                    )
        await asyncio.sleep(tick)
