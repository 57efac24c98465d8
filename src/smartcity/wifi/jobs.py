"""The module's periodic jobs, each once across instances (core.jobs): the configured node
list is fetched (conditionally) and applied; offline hotspots open and close their cases."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from smartcity.core.db import transaction, utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import scope_for
from smartcity.core.web.i18n import gettext_noop as _
from smartcity.wifi import fetch, nodelist, outages, services
from smartcity.wifi.models import WifiSource
from smartcity.wifi.settings import WifiSettings

log = logging.getLogger(__name__)


def _municipalities(platform: Platform, *, with_url: bool = False) -> list[Municipality]:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        query = select(Municipality).order_by(Municipality.id)
        if with_url:
            query = query.where(
                Municipality.id.in_(select(WifiSource.municipality_id).where(WifiSource.url != ""))
            )
        found = list(db.scalars(query))
        db.expunge_all()
    return found


def fetch_lists(platform: Platform, now: datetime | None = None) -> dict[str, str]:
    """Fetch and apply each configured node list; per municipality what happened. A list
    that cannot be fetched, read or applied is reported on the source and changes no
    hotspot; one municipality's failure does not keep the others from their lists."""
    done: dict[str, str] = {}
    for municipality in _municipalities(platform, with_url=True):
        at = now or utcnow()
        try:
            done[municipality.slug] = _fetch_one(platform, municipality, at)
        except Exception as exc:
            log.exception("wifi: the node list of %s could not be applied", municipality.slug)
            problem = nodelist.NodeListBroken(
                _("The node list could not be applied (%(error)s)."), error=type(exc).__name__
            )
            done[municipality.slug] = str(problem)
            try:
                with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
                    services.record_problem(db, problem, at)
            except Exception:
                log.exception("wifi: the problem of %s could not be recorded", municipality.slug)
    return done


def _fetch_one(platform: Platform, municipality: Municipality, now: datetime) -> str:
    scope = {SCOPE_KEY: scope_for(municipality)}
    with transaction(platform.sessions, **scope) as db:
        source = services.source_of(db)
        url, etag, modified = source.url, source.etag, source.last_modified
    try:
        fetched = fetch.download(url, WifiSettings(), etag=etag, last_modified=modified)
        listing = nodelist.parse(fetched.body) if fetched.body is not None else None
    except nodelist.NodeListBroken as problem:
        with transaction(platform.sessions, **scope) as db:
            services.record_problem(db, problem, now)
        return str(problem)
    with transaction(platform.sessions, **scope) as db:
        if listing is None:
            services.record_unchanged(db, now)
            return "not modified"
        services.apply(db, municipality, listing, actor=services.SYSTEM_ACTOR, now=now)
        source = services.source_of(db)
        source.etag, source.last_modified = fetched.etag, fetched.last_modified
    return "read"


def check_outages(platform: Platform, now: datetime | None = None) -> outages.Changes:
    now = now or utcnow()
    portal = Portal.of(platform.settings)
    total = outages.Changes()
    for municipality in _municipalities(platform):
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            changes = outages.check(db, portal, municipality, now)
            total.opened += changes.opened
            total.closed += changes.closed
    return total


def _fetch(platform: Platform) -> None:
    fetch_lists(platform)


def _outages(platform: Platform) -> None:
    check_outages(platform)


# Freifunk's collectors write their lists every minute; five minutes is plenty for a map.
FETCH = PeriodicJob("wifi.fetch", 300, _fetch, at_start=True)
OUTAGES = PeriodicJob("wifi.outages", 60, _outages)
