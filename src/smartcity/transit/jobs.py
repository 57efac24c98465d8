"""The module's periodic jobs, each once across instances (core.jobs): waiting feeds are
validated and imported, the configured timetable URL is checked for a new version, and the
realtime sources are polled."""

from __future__ import annotations

import logging

from smartcity.core.db import utcnow
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform
from smartcity.transit import feeds, realtime
from smartcity.transit.settings import TransitSettings

log = logging.getLogger(__name__)


def poll_realtime(platform: Platform) -> None:
    """Fetch each municipality's trip updates and alerts and keep them; a source that fails
    or sends something else than GTFS-Realtime leaves the held state as it was."""
    settings = TransitSettings()
    for municipality_id, source in feeds.municipalities_with_sources(platform):
        for kind, url in (
            (realtime.TRIP_UPDATES, source.trip_updates_url),
            (realtime.ALERTS, source.alerts_url),
        ):
            if url:
                poll_one(platform, municipality_id, kind, url, settings)


def poll_one(
    platform: Platform, municipality_id: int, kind: str, url: str, settings: TransitSettings
) -> str:
    """Poll one realtime source; what went wrong ("" when nothing)."""
    received = utcnow()
    try:
        message = realtime.parse(feeds.fetch_bytes(url, settings))
    except (feeds.RemoteError, realtime.RealtimeBroken) as exc:
        with feeds.tenant_transaction(platform, municipality_id) as db:
            realtime.record_problem(db, kind, str(exc), received)
        return str(exc)
    with feeds.tenant_transaction(platform, municipality_id) as db:
        if kind == realtime.TRIP_UPDATES:
            active = feeds.active_feed(db)
            realtime.store_trip_updates(
                db,
                message,
                feed_id=active.id if active else None,
                municipality_id=municipality_id,
                received_at=received,
            )
        else:
            realtime.store_alerts(
                db, message, municipality_id=municipality_id, received_at=received
            )
    return ""


def _import(platform: Platform) -> None:
    feeds.process_pending(platform)


def _timetable(platform: Platform) -> None:
    feeds.check_timetable_sources(platform)


# Uploaded feeds wait here when the upload's own background run did not take them.
IMPORT = PeriodicJob("transit.import", 30, _import, at_start=True)
# A new timetable version is published a few times a month at most.
TIMETABLE = PeriodicJob("transit.timetable", 3600, _timetable, at_start=True)
# Delays change by the minute; GTFS-Realtime producers renew every 15–30 seconds.
REALTIME = PeriodicJob("transit.realtime", 30, poll_realtime, at_start=True)
