"""What the channel adds to every portal page: the feeds as `<link rel="alternate">` (so
feed readers find them from `/{municipality}/`) and a banner per active warning.

Every portal page asks, so the answer is a per-process copy (core.snapshots), dropped by our
own commits of posts and channels and at most `SMARTCITY_SNAPSHOT_SECONDS` old elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.channel import services
from smartcity.channel.models import Channel, Post
from smartcity.core.db import utcnow
from smartcity.core.modules import AlternateLink, PortalBanner, PortalFrame
from smartcity.core.snapshots import WATCHED, kept
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.core.web.i18n import gettext_

WATCHED.update({Post, Channel})


@dataclass(frozen=True)
class _Warning:
    post_id: int
    title: str
    expires_at: datetime | None


@dataclass(frozen=True)
class _Copy:
    channels: tuple[tuple[str, str], ...]  # slug, name
    warnings: tuple[_Warning, ...]


def _loader(municipality: Municipality) -> Callable[[Session], _Copy]:
    scope = scope_for(municipality)

    def load(db: Session) -> _Copy:
        db.info[SCOPE_KEY] = scope
        found = db.execute(
            select(Channel.slug, Channel.name).order_by(Channel.main.desc(), Channel.name)
        )
        warnings = services.active_warnings(db)
        return _Copy(
            tuple((slug, name) for slug, name in found),
            tuple(_Warning(w.id, w.title, w.expires_at) for w in warnings),
        )

    return load


def portal_frame(request: Request, municipality: Municipality) -> PortalFrame:
    platform = request.app.state.platform
    base = f"/{municipality.slug}"
    with platform.sessions() as db:
        copy = kept(db, ("channel.frame", municipality.id), _loader(municipality))
    now = utcnow()
    alternates: list[AlternateLink] = []
    for slug, name in copy.channels:
        alternates.append(
            AlternateLink(f"{base}/kanal/{slug}/atom.xml", "application/atom+xml", f"{name} (Atom)")
        )
        alternates.append(
            AlternateLink(f"{base}/kanal/{slug}/rss.xml", "application/rss+xml", f"{name} (RSS)")
        )
        alternates.append(
            AlternateLink(
                f"{base}/kanal/{slug}/veranstaltungen.ics",
                "text/calendar",
                f"{name} – " + gettext_("Events"),
            )
        )
    banners = tuple(
        PortalBanner(
            gettext_("Warning") + ": " + warning.title,
            level="danger",
            url=f"{base}/aktuelles/{warning.post_id}",
            link_text=gettext_("Read the warning"),
        )
        for warning in copy.warnings
        if warning.expires_at is None or warning.expires_at > now
    )
    return PortalFrame(banners=banners, alternates=tuple(alternates))
