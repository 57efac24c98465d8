"""The controller and the fault detector as periodic jobs (once across instances)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.lighting import detection
from smartcity.lighting.models import LightingGroup
from smartcity.lighting.services import control_group


def _municipalities(platform: Platform) -> list[Municipality]:
    with platform.sessions() as db:
        return list(db.scalars(select(Municipality)))


def run_control(platform: Platform, now: datetime | None = None) -> int:
    """Commands sent."""
    now = now or utcnow()
    sent = 0
    for municipality in _municipalities(platform):
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            groups = db.scalars(
                select(LightingGroup).options(selectinload(LightingGroup.luminaires))
            )
            for group in groups:
                sent += len(control_group(db, platform.bus, municipality, group, now))
    return sent


def run_fault_detection(platform: Platform, now: datetime | None = None) -> detection.Changes:
    now = now or utcnow()
    portal = Portal.of(platform.settings)
    total = detection.Changes()
    for municipality in _municipalities(platform):
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            groups = db.scalars(
                select(LightingGroup).options(selectinload(LightingGroup.luminaires))
            )
            for group in groups:
                changes = detection.check_group(db, portal, municipality, group, now)
                total.opened += changes.opened
                total.closed += changes.closed
    return total


def _control(platform: Platform) -> None:
    run_control(platform)


def _faults(platform: Platform) -> None:
    run_fault_detection(platform)


CONTROL = PeriodicJob("lighting.control", 15, _control)
FAULTS = PeriodicJob("lighting.faults", 60, _faults)
