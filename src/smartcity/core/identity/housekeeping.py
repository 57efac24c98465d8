"""Removing what login leaves behind: expired sessions (and logins left at a step), old
throttling records (logins and anonymous submissions), stale OIDC state, expired
password-reset links."""

from __future__ import annotations

from sqlalchemy import delete

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
from smartcity.core.identity.sessions import FULL, PENDING_LIFETIME, purge_expired
from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform


def purge_login_leftovers(platform: Platform) -> None:
    now = utcnow()
    window = platform.throttle_policy.window
    with transaction(platform.sessions) as db:
        purge_expired(db, platform.session_policy, now=now)
        db.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - window))
        db.execute(delete(OidcLoginState).where(OidcLoginState.created_at < now - STATE_LIFETIME))
        db.execute(delete(SubmissionHit).where(SubmissionHit.at < now - SUBMISSION_WINDOW))
        db.execute(delete(PasswordReset).where(PasswordReset.expires_at < now))
        db.execute(
            delete(WebSession).where(
                WebSession.stage != FULL, WebSession.created_at < now - PENDING_LIFETIME
            )
        )


LOGIN_HOUSEKEEPING = PeriodicJob("identity.housekeeping", 600, purge_login_leftovers)
