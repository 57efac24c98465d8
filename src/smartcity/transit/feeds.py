"""Timetable versions: storing an uploaded or downloaded GTFS zip, validating and importing
it, and the switch to the new version (the previous one stays active until then); the
configured sources and the downloads with If-Modified-Since."""

from __future__ import annotations

import ipaddress
import logging
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import transaction, utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import scope_for
from smartcity.core.uploads.services import PayloadTooLarge
from smartcity.core.web.i18n import gettext_
from smartcity.transit import gtfs
from smartcity.transit.models import Agency, Feed, TransitSource
from smartcity.transit.settings import TransitSettings

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:transit"


class RemoteError(Exception):
    """A configured source could not be reached or answered nonsense."""


# ---- reading -----------------------------------------------------------------------------


def active_feed(db: Session) -> Feed | None:
    return db.scalar(select(Feed).where(Feed.status == "active"))


def agency_timezone(db: Session, feed_id: int) -> str | None:
    return db.scalar(
        select(Agency.timezone).where(Agency.feed_id == feed_id).order_by(Agency.id).limit(1)
    )


def source_of(db: Session) -> TransitSource:
    found = db.scalar(select(TransitSource))
    if found is None:
        found = TransitSource()
        db.add(found)
        db.flush()
    return found


def stale_after(db: Session) -> int:
    seconds = db.scalar(select(TransitSource.stale_after_seconds))
    return seconds if seconds is not None else 300


def all_feeds(db: Session, limit: int = 20) -> list[Feed]:
    return list(db.scalars(select(Feed).order_by(Feed.id.desc()).limit(limit)))


# ---- storing -----------------------------------------------------------------------------


def _directory(data_dir: Path, municipality_id: int) -> Path:
    directory = data_dir / "transit" / str(municipality_id)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def store_file(data_dir: Path, municipality_id: int, source: IO[bytes], limit: int) -> Path:
    """Copy an upload to a file of ours, refusing more than `limit` bytes."""
    target = _directory(data_dir, municipality_id) / f"{uuid.uuid4().hex}.zip"
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            if written > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise PayloadTooLarge(
                    gettext_("The GTFS file is larger than allowed."), size=written, limit=limit
                )
            out.write(chunk)
    return target


def add_feed(
    db: Session,
    *,
    path: Path,
    filename: str,
    origin: str,
    actor: str,
    uploaded_by: int | None = None,
) -> Feed:
    """Queue a stored zip for validation and import."""
    feed = Feed(
        origin=origin,
        filename=filename[:255] or "gtfs.zip",
        stored_path=str(path),
        size_bytes=path.stat().st_size,
        uploaded_by=uploaded_by,
    )
    db.add(feed)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="transit.feed_added",
        resource_type="transit_feed",
        resource_id=feed.id,
        changes={"origin": origin, "filename": feed.filename, "size": feed.size_bytes},
    )
    return feed


# ---- validating, importing, switching ----------------------------------------------------


def process_pending(platform: Platform) -> None:
    """Validate and import every waiting feed of every municipality (oldest first)."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        waiting = list(
            db.execute(
                select(Feed.id, Feed.municipality_id)
                .where(Feed.status == "pending")
                .order_by(Feed.id)
            )
        )
    for feed_id, municipality_id in waiting:
        process(platform, feed_id, municipality_id)


@contextmanager
def tenant_transaction(platform: Platform, municipality_id: int) -> Iterator[Session]:
    """A transaction in the municipality's tenant scope (jobs run without a request)."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        municipality = db.get(Municipality, municipality_id)
        assert municipality is not None
        scope = scope_for(municipality)
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        yield db


def process(platform: Platform, feed_id: int, municipality_id: int) -> str:
    """Validate, import and activate one waiting feed; its final status. A feed another
    worker has taken is left alone."""
    with tenant_transaction(platform, municipality_id) as db:
        claimed = db.execute(
            update(Feed)
            .where(Feed.id == feed_id, Feed.status == "pending")
            .values(status="importing")
            .returning(Feed.id)
        ).first()
        path = Path(db.scalar(select(Feed.stored_path).where(Feed.id == feed_id)) or "")
    if not claimed:
        return "taken"
    settings = TransitSettings()
    try:
        report = gtfs.validate(path, utcnow().date())
    except gtfs.FeedBroken as exc:
        return _finish(platform, feed_id, municipality_id, "rejected", message=str(exc), path=path)
    if not report.valid:
        return _finish(
            platform,
            feed_id,
            municipality_id,
            "rejected",
            report=report,
            message="the validator found errors",
            path=path,
        )
    try:
        counts = gtfs.import_rows(
            platform.engine,
            path,
            feed_id=feed_id,
            municipality_id=municipality_id,
            batch=settings.batch_rows,
        )
        # Before the switch: the first boards of the new version already use the right index.
        gtfs.refresh_statistics(platform.engine)
    except Exception as exc:
        log.exception("GTFS import failed", extra={"feed": feed_id})
        gtfs.drop_rows(platform.engine, feed_id, municipality_id)
        message = str(exc) if isinstance(exc, gtfs.FeedBroken) else type(exc).__name__
        return _finish(
            platform, feed_id, municipality_id, "failed", report=report, message=message, path=path
        )
    previous = _activate(platform, feed_id, municipality_id, report, counts)
    path.unlink(missing_ok=True)
    for old in previous:
        gtfs.drop_rows(platform.engine, old, municipality_id)
    return "active"


def _finish(
    platform: Platform,
    feed_id: int,
    municipality_id: int,
    status: str,
    *,
    message: str,
    path: Path,
    report: gtfs.Report | None = None,
) -> str:
    with tenant_transaction(platform, municipality_id) as db:
        feed = db.get(Feed, feed_id)
        assert feed is not None
        feed.status = status
        feed.message = message[:2000]
        feed.finished_at = utcnow()
        if report is not None:
            feed.error_count, feed.warning_count = report.errors, report.warnings
            feed.notices = report.notices
        audit.record(
            db,
            actor=SYSTEM_ACTOR,
            action=f"transit.feed_{status}",
            resource_type="transit_feed",
            resource_id=feed_id,
            changes={"errors": feed.error_count, "warnings": feed.warning_count},
        )
    path.unlink(missing_ok=True)
    return status


def _activate(
    platform: Platform,
    feed_id: int,
    municipality_id: int,
    report: gtfs.Report,
    counts: dict[str, int],
) -> list[int]:
    """Make the feed the active one in one transaction; the versions it replaces."""
    with tenant_transaction(platform, municipality_id) as db:
        previous = list(db.scalars(select(Feed.id).where(Feed.status == "active")))
        db.execute(update(Feed).where(Feed.status == "active").values(status="superseded"))
        feed = db.get(Feed, feed_id)
        assert feed is not None
        now = utcnow()
        feed.status = "active"
        feed.activated_at = feed.finished_at = now
        feed.error_count, feed.warning_count = report.errors, report.warnings
        feed.notices = report.notices
        feed.counts = counts
        audit.record(
            db,
            actor=SYSTEM_ACTOR,
            action="transit.feed_active",
            resource_type="transit_feed",
            resource_id=feed_id,
            changes={"warnings": report.warnings, "replaces": previous},
        )
    return previous


# ---- downloads ---------------------------------------------------------------------------


def check_url(url: str, settings: TransitSettings) -> None:
    """Refuse what is not http(s) or (unless allowed) not a public address (SSRF)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise RemoteError("not an http(s) URL")
    if settings.allow_private_addresses:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443)
    except OSError as exc:
        raise RemoteError(f"cannot resolve {parts.hostname}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if settings.demo_mode and addresses and all(a.is_loopback for a in addresses):
        # The demo's simulated realtime feed runs on this machine (docs/transit.md, "Demo").
        return
    for address in addresses:
        if not address.is_global:
            raise RemoteError(f"{parts.hostname} is not a public address")


def valid_source_url(url: str, field: str) -> str:
    """A URL staff enter for a source: empty or http(s)."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise InvalidInput(
            "Please enter an address that starts with https://.", errors={field: "invalid"}
        )
    return url


def download(
    url: str, target: Path, settings: TransitSettings, if_modified_since: str = ""
) -> tuple[bool, str]:
    """Fetch `url` into `target`: (False, "") when the server says it has nothing newer,
    else (True, its Last-Modified)."""
    check_url(url, settings)
    headers = {"If-Modified-Since": if_modified_since} if if_modified_since else {}
    written = 0
    try:
        with (
            httpx.Client(timeout=settings.fetch_timeout_seconds) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return False, if_modified_since
            if response.status_code != 200:
                raise RemoteError(f"the server answered {response.status_code}")
            with target.open("wb") as out:
                for chunk in response.iter_bytes():
                    written += len(chunk)
                    if written > settings.max_feed_bytes:
                        raise RemoteError("the file is larger than allowed")
                    out.write(chunk)
            return True, response.headers.get("last-modified", "")[:64]
    except httpx.HTTPError as exc:
        target.unlink(missing_ok=True)
        raise RemoteError(f"{type(exc).__name__}") from exc
    except RemoteError:
        target.unlink(missing_ok=True)
        raise


def fetch_bytes(url: str, settings: TransitSettings, limit: int = 64 * 1024 * 1024) -> bytes:
    check_url(url, settings)
    try:
        with (
            httpx.Client(timeout=settings.fetch_timeout_seconds) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise RemoteError(f"the server answered {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise RemoteError("the answer is larger than allowed")
            return bytes(body)
    except httpx.HTTPError as exc:
        raise RemoteError(f"{type(exc).__name__}") from exc


def municipalities_with_sources(platform: Platform) -> list[tuple[int, TransitSource]]:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        sources = list(db.scalars(select(TransitSource)))
        db.expunge_all()
    return [(s.municipality_id, s) for s in sources]


def check_timetable_sources(platform: Platform) -> None:
    """Download each configured GTFS URL if it changed (If-Modified-Since) and import it."""
    settings = TransitSettings()
    for municipality_id, source in municipalities_with_sources(platform):
        if not source.gtfs_url:
            continue
        target = _directory(platform.settings.data_dir, municipality_id) / (
            f"{uuid.uuid4().hex}.zip"
        )
        now = utcnow()
        try:
            changed, modified = download(
                source.gtfs_url, target, settings, source.gtfs_last_modified
            )
            result = "new version downloaded" if changed else "not modified"
        except RemoteError as exc:
            changed, modified, result = False, source.gtfs_last_modified, str(exc)
        with tenant_transaction(platform, municipality_id) as db:
            stored = source_of(db)
            stored.gtfs_checked_at = now
            stored.gtfs_result = result[:500]
            if changed:
                stored.gtfs_last_modified = modified
                feed = add_feed(
                    db,
                    path=target,
                    filename=urlsplit(source.gtfs_url).path.rsplit("/", 1)[-1],
                    origin="url",
                    actor=SYSTEM_ACTOR,
                )
                feed_id = feed.id
        if changed:
            process(platform, feed_id, municipality_id)
