"""Removing what login leaves behind: expired sessions (and logins left at a step), old
throttling records (logins and anonymous submissions), stale OIDC state, expired
password-reset links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from smartcity.core.db import transaction, utcnow
from smartcity.core.http.rate_limit import WINDOW as SUBMISSION_WINDOW
from smartcity.core.identity.models import (
    LoginFailure,
    OidcLoginState,
    PasswordReset,
    SubmissionHit,
    WebSession,
)
from smartcity.core.identity.oidc import STATE_LIFETIME
from smartcity.core.identity.sessions import FULL, PENDING_LIFETIME
from smartcity.core.jobs import PeriodicJob
from smartcity.core.modules import Removal, Removed, RetentionJob
from smartcity.core.platform import Platform


def purge_login_leftovers(platform: Platform) -> None:
    with transaction(platform.sessions) as db:
        remove_leftovers(platform, db, utcnow())


def _due(platform: Platform, now: datetime) -> list[tuple[str, str, Any, Any]]:
    """(table, retention class, model, condition) of what is left behind at `now`; the
    classes are those the core module declares for the tables with personal data."""
    policy = platform.session_policy
    window = platform.throttle_policy.window
    return [
        (
            "web_session",
            SESSION_LABEL,
            WebSession,
            or_(
                WebSession.last_seen_at < now - policy.idle_timeout,
                WebSession.created_at < now - policy.absolute_timeout,
                and_(WebSession.stage != FULL, WebSession.created_at < now - PENDING_LIFETIME),
            ),
        ),
        ("login_failure", THROTTLE_LABEL, LoginFailure, LoginFailure.failed_at < now - window),
        (
            "submission_hit",
            SUBMISSION_LABEL,
            SubmissionHit,
            SubmissionHit.at < now - SUBMISSION_WINDOW,
        ),
        ("", "", OidcLoginState, OidcLoginState.created_at < now - STATE_LIFETIME),
        ("", "", PasswordReset, PasswordReset.expires_at < now),
    ]


def count_leftovers(platform: Platform, db: Session, now: datetime) -> list[Removal]:
    """The dry run: the rows with personal data `remove_leftovers` would delete at `now`."""
    found = []
    for table, label, model, condition in _due(platform, now):
        if not table:
            continue  # no personal data: stale OIDC state, expired reset links
        rows = db.scalar(select(func.count()).select_from(model).where(condition)) or 0
        if rows:
            found.append(Removal(table, label, "delete", rows))
    return found


def remove_leftovers(platform: Platform, db: Session, now: datetime) -> Removed:
    removed = []
    for table, label, model, condition in _due(platform, now):
        result = db.execute(delete(model).where(condition))
        rows = int(getattr(result, "rowcount", 0) or 0)
        if table and rows:
            removed.append(Removal(table, label, "delete", rows))
    return Removed(removed)


SESSION_LABEL = "login session: idle and absolute timeout"
THROTTLE_LABEL = "login throttling: 24 h"
SUBMISSION_LABEL = "submission throttling: 1 h"

LOGIN_HOUSEKEEPING = PeriodicJob("identity.housekeeping", 600, purge_login_leftovers)
LOGIN_RETENTION = RetentionJob(
    "identity.housekeeping", count_leftovers, remove_leftovers, instance_wide=True
)
