"""Rate limits of submissions: what anyone may send without logging in (applications, drafts,
replies, meter readings) per client address, and Open311 reports per API key. Counted in the
database so that every app instance enforces the same limit; the address or key is kept only
as a keyed hash."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smartcity.core.db import transaction, utcnow
from smartcity.core.errors import TooManyRequests
from smartcity.core.http.deps import client_address, get_platform
from smartcity.core.identity.models import SubmissionHit
from smartcity.core.identity.tokens import keyed_digest
from smartcity.core.platform import Platform

WINDOW = timedelta(hours=1)


async def anonymous_submission(request: Request) -> None:
    """Count this request against its client address; 429 beyond the hourly limit."""
    platform = get_platform(request)
    if not platform.settings.anonymous_submissions_per_hour:
        return  # no limit: no thread-pool hop for nothing
    await run_in_threadpool(
        count_submission,
        platform,
        "submit:" + client_address(request),
        platform.settings.anonymous_submissions_per_hour,
        "Zu viele Einsendungen von dieser Verbindung. Bitte versuchen Sie es später "
        "erneut. (Too many submissions from this connection; please try again later.)",
    )


def count_submission(platform: Platform, who: str, limit: int, refusal: str) -> None:
    """Count one submission of `who` in a transaction of its own, so that refused attempts
    count too; TooManyRequests beyond `limit` an hour (0: no limit)."""
    if limit:
        with transaction(platform.sessions) as db:
            count_in(db, platform, who, limit, refusal)


def count_in(db: Session, platform: Platform, who: str, limit: int, refusal: str) -> None:
    """The same in the request's own transaction: what it refuses later is not counted."""
    if not limit:
        return
    key = keyed_digest(platform.settings.require_secret_key(), who)
    now = utcnow()
    sent = db.scalar(
        select(func.count())
        .select_from(SubmissionHit)
        .where(SubmissionHit.client_key == key, SubmissionHit.at >= now - WINDOW)
    )
    if (sent or 0) >= limit:
        raise TooManyRequests(refusal, retry_after=int(WINDOW.total_seconds()))
    db.add(SubmissionHit(client_key=key, at=now))
