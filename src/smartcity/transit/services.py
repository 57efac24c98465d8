"""What staff do: upload a timetable, set the sources; and what they see of them."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.lookup import found_or_404
from smartcity.core.web.i18n import gettext_
from smartcity.transit import feeds
from smartcity.transit.models import Feed, RealtimeFeed, TransitSource
from smartcity.transit.schemas import SourcesIn
from smartcity.transit.settings import TransitSettings


def upload(
    db: Session,
    *,
    data_dir: Path,
    municipality_id: int,
    filename: str,
    content: IO[bytes],
    actor: str,
    user_id: int | None,
) -> Feed:
    """Keep an uploaded GTFS zip and queue it for validation and import."""
    path = feeds.store_file(data_dir, municipality_id, content, TransitSettings().max_feed_bytes)
    return feeds.add_feed(
        db, path=path, filename=filename, origin="upload", actor=actor, uploaded_by=user_id
    )


def feed(db: Session, feed_id: int) -> Feed:
    return found_or_404(db.get(Feed, feed_id), gettext_("There is no such timetable version."))


def set_sources(db: Session, wanted: SourcesIn, actor: str) -> TransitSource:
    source = feeds.source_of(db)
    urls = {
        "gtfs_url": feeds.valid_source_url(wanted.gtfs_url, "gtfs_url"),
        "trip_updates_url": feeds.valid_source_url(wanted.trip_updates_url, "trip_updates_url"),
        "alerts_url": feeds.valid_source_url(wanted.alerts_url, "alerts_url"),
    }
    changes: dict[str, object] = {}
    if urls["gtfs_url"] != source.gtfs_url:
        # Another server's Last-Modified means nothing for the new one.
        source.gtfs_last_modified = ""
    for name, value in urls.items():
        if getattr(source, name) != value:
            changes[name] = value
            setattr(source, name, value)
    if source.stale_after_seconds != wanted.stale_after_seconds:
        changes["stale_after_seconds"] = wanted.stale_after_seconds
        source.stale_after_seconds = wanted.stale_after_seconds
    if changes:
        audit.record(
            db,
            actor=actor,
            action="transit.sources",
            resource_type="transit_source",
            resource_id=source.id,
            changes=changes,
        )
    return source


def realtime_states(db: Session) -> list[RealtimeFeed]:
    return list(db.scalars(select(RealtimeFeed).order_by(RealtimeFeed.kind)))
