"""Periodic jobs run on every instance's scheduler but only once at a time across instances."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy import select, text, update

from smartcity.core.db import utcnow
from smartcity.core.identity.housekeeping import LOGIN_HOUSEKEEPING
from smartcity.core.identity.models import LoginFailure, WebSession
from smartcity.core.identity.sessions import start_session
from smartcity.core.jobs import PeriodicJob, lock_key, run_exclusively, scheduler
from smartcity.core.platform import Platform
from tests.conftest import World


def test_housekeeping_removes_expired_sessions_and_old_failures(world: World) -> None:
    platform = world.platform
    with world.system() as db:
        start_session(db, world.accounts["dd.admin"], platform.session_policy)
        start_session(db, world.accounts["dd.operator"], platform.session_policy)
        db.add(LoginFailure(username_key="a" * 64, client_key="b" * 64, failed_at=utcnow()))
        db.add(
            LoginFailure(
                username_key="c" * 64, client_key="d" * 64, failed_at=utcnow() - timedelta(days=1)
            )
        )
    with world.system() as db:
        db.execute(
            update(WebSession)
            .where(WebSession.user_id == world.accounts["dd.operator"].id)
            .values(last_seen_at=utcnow() - timedelta(days=1))
        )
    assert run_exclusively(platform, LOGIN_HOUSEKEEPING)
    with world.system() as db:
        owners = db.scalars(select(WebSession.user_id)).all()
        failures = db.scalars(select(LoginFailure.username_key)).all()
    assert owners == [world.accounts["dd.admin"].id]
    assert failures == ["a" * 64]


def test_a_job_held_by_another_instance_is_skipped(platform: Platform, backend: str) -> None:
    runs: list[int] = []
    job = PeriodicJob("test.counting", 60, lambda _p: runs.append(1))
    if backend == "sqlite":
        assert run_exclusively(platform, job)  # one instance by definition
        assert runs == [1]
        return
    with platform.engine.connect() as other_instance:
        other_instance.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key(job.name)})
        other_instance.commit()
        assert not run_exclusively(platform, job)
        assert runs == []
        other_instance.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(job.name)})
        other_instance.commit()
    assert run_exclusively(platform, job)
    assert runs == [1]


def test_scheduler_runs_due_jobs_and_survives_failures(platform: Platform) -> None:
    runs: list[str] = []

    def broken(_platform: Platform) -> None:
        raise RuntimeError("job bug")

    jobs = [
        PeriodicJob("test.often", 0.05, lambda _p: runs.append("often")),
        PeriodicJob("test.broken", 0.05, broken),
    ]

    async def run_for_a_while() -> None:
        task = asyncio.create_task(scheduler(platform, jobs, tick=0.01))
        await asyncio.sleep(0.5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(run_for_a_while())
    assert runs.count("often") >= 3


def test_a_job_that_prepares_runs_at_start_up_the_others_after_their_interval(
    platform: Platform,
) -> None:
    runs: list[str] = []
    jobs = [
        PeriodicJob("test.prepare", 3600, lambda _p: runs.append("prepare"), at_start=True),
        PeriodicJob("test.clean", 3600, lambda _p: runs.append("clean")),
    ]

    async def run_briefly() -> None:
        task = asyncio.create_task(scheduler(platform, jobs, tick=0.01))
        await asyncio.sleep(0.3)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(run_briefly())
    assert runs == ["prepare"]
