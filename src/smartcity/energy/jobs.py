"""The module's periodic job, once across instances (core.jobs): the buildings' anomalies
become cases in the energy manager's inbox, and night base loads that are gone close theirs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import scope_for
from smartcity.energy import alerts
from smartcity.energy.models import Building


def _municipalities(platform: Platform) -> list[Municipality]:
    """Those with buildings: the others get no service adopted by this job."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        found = list(
            db.scalars(
                select(Municipality)
                .where(Municipality.id.in_(select(Building.municipality_id)))
                .order_by(Municipality.id)
            )
        )
        db.expunge_all()
    return found


def check_anomalies(platform: Platform, now: datetime | None = None) -> alerts.Changes:
    now = now or utcnow()
    portal = Portal.of(platform.settings)
    total = alerts.Changes()
    for municipality in _municipalities(platform):
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            changes = alerts.check(db, portal, municipality, now)
        total.opened += changes.opened
        total.closed += changes.closed
        total.cases += changes.cases
    return total


def _anomalies(platform: Platform) -> None:
    check_anomalies(platform)


# Meters are read hourly at the finest (a night base load needs two weeks of them): an hourly
# look is soon enough for an energy manager.
ANOMALIES = PeriodicJob("energy.anomalies", 3600, _anomalies)
