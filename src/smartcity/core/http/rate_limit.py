"""The rate limit of what anyone may send without logging in (applications, drafts, replies,
meter readings): per client address, counted in the database so that every app instance
enforces the same limit; the address is kept only as a keyed hash."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from sqlalchemy import func, select

from smartcity.core.db import transaction, utcnow
from smartcity.core.errors import TooManyRequests
from smartcity.core.http.deps import client_address, get_platform
from smartcity.core.identity.models import SubmissionHit
from smartcity.core.identity.tokens import keyed_digest

WINDOW = timedelta(hours=1)


def anonymous_submission(request: Request) -> None:
    """Count this request against its client address (in a transaction of its own, so that
    refused attempts count too); 429 beyond the hourly limit."""
    platform = get_platform(request)
    limit = platform.settings.anonymous_submissions_per_hour
    if not limit:
        return
    secret = platform.settings.require_secret_key()
    key = keyed_digest(secret, "submit:" + client_address(request))
    now = utcnow()
    with transaction(platform.sessions) as db:
        sent = db.scalar(
            select(func.count())
            .select_from(SubmissionHit)
            .where(SubmissionHit.client_key == key, SubmissionHit.at >= now - WINDOW)
        )
        if (sent or 0) >= limit:
            raise TooManyRequests(
                "Zu viele Einsendungen von dieser Verbindung. Bitte versuchen Sie es später "
                "erneut. (Too many submissions from this connection; please try again later.)",
                retry_after=int(WINDOW.total_seconds()),
            )
        db.add(SubmissionHit(client_key=key, at=now))
