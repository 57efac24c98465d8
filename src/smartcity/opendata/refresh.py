"""Keeping released datasets current: a periodic run over every municipality, once across
instances (core.jobs), with the dataset declarations of the installed modules.

The run is a module runtime rather than a `Module.jobs` entry because it needs the registry
of installed modules, which the app holds and a job is not given."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import select

from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob, scheduler
from smartcity.core.modules import DatasetDeclaration, Registry
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.opendata import services

log = logging.getLogger(__name__)
# Hourly data is the finest any module releases; a quarter of an hour keeps it current. The
# first run comes one interval after start-up (switching a dataset on makes its files at once).
INTERVAL_SECONDS = 900.0


def refresh_everywhere(
    platform: Platform, declarations: Mapping[str, DatasetDeclaration], now: datetime | None = None
) -> int:
    """Refresh every municipality's released datasets, each in its own transaction."""
    now = now or utcnow()
    with platform.sessions() as db:
        municipalities = list(db.scalars(select(Municipality)))
    changed = 0
    for municipality in municipalities:
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            changed += services.refresh_all(db, municipality, declarations, now)
    return changed


class Refresher:
    def __init__(self, platform: Platform, registry: Registry) -> None:
        self.platform = platform
        declarations = registry.datasets()
        self.job = PeriodicJob(
            "opendata.refresh",
            INTERVAL_SECONDS,
            lambda p: log.info(
                "open data refreshed", extra={"changed": refresh_everywhere(p, declarations)}
            ),
        )
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(scheduler(self.platform, [self.job]))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    def readiness(self) -> dict[str, tuple[bool, str]]:
        return {}


def runtime(app: FastAPI, platform: Platform) -> Refresher:
    return Refresher(platform, app.state.modules)
