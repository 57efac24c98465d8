"""The module's periodic jobs: retention for every module (daily) and the reminders of
request deadlines. Both need the installed modules' declarations, which the app hands over
when it is built (`attach`); a process without the app (a bare worker) runs neither."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from sqlalchemy import select

from smartcity.core import holds as core_holds
from smartcity.core.db import transaction
from smartcity.core.jobs import PeriodicJob
from smartcity.core.modules import Registry
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import scope_for
from smartcity.privacy import holds, requests, retention
from smartcity.privacy.declarations import declared

log = logging.getLogger(__name__)
_installed: list[Registry] = []


class _Runtime:
    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def readiness(self) -> dict[str, tuple[bool, str]]:
        return {}


def attach(app: FastAPI, platform: Platform) -> _Runtime:
    """Remember the app's modules for the jobs (the app's registry, not a module list of our
    own: a test app with a module of its own is retained like the real one)."""
    _installed[:] = [app.state.modules]
    core_holds.provide(holds.held_among(declared(app.state.modules)))
    return _Runtime()


def _retention(platform: Platform) -> None:
    if not _installed:
        log.warning("retention skipped: no app has registered the modules")
        return
    declarations = declared(_installed[0])
    jobs = retention.own_jobs(platform, _installed[0])
    announced = retention.plan(platform.sessions, declarations, jobs=jobs)
    retention.apply(platform.sessions, platform.settings.data_dir, declarations, announced, jobs)


def _reminders(platform: Platform) -> None:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        municipalities = list(db.scalars(select(Municipality)))
        db.expunge_all()
    for municipality in municipalities:
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            requests.remind(db, municipality)


RETENTION = PeriodicJob("privacy.retention", 24 * 3600, _retention)
REMINDERS = PeriodicJob("privacy.reminders", 6 * 3600, _reminders)
