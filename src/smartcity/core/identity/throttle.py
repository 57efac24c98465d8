"""Login throttling against brute force and password spraying.

Failures are counted per user name and per client address (both pseudonymised with the
server secret) in the database, so every app instance enforces the same limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import TooManyRequests
from smartcity.core.identity.models import LoginFailure
from smartcity.core.identity.tokens import keyed_digest

# A client may fail for more user names than one user name may fail: offices share NAT.
CLIENT_FACTOR = 4


@dataclass(frozen=True)
class ThrottlePolicy:
    secret: str
    max_failures: int
    window: timedelta


def _keys(policy: ThrottlePolicy, username: str, client: str) -> tuple[str, str]:
    return (
        keyed_digest(policy.secret, "user:" + username.strip().lower()),
        keyed_digest(policy.secret, "client:" + client),
    )


def check_allowed(db: Session, policy: ThrottlePolicy, username: str, client: str) -> None:
    user_key, client_key = _keys(policy, username, client)
    since = utcnow() - policy.window
    user_failures = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username_key == user_key, LoginFailure.failed_at >= since)
    )
    client_failures = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.client_key == client_key, LoginFailure.failed_at >= since)
    )
    if (user_failures or 0) >= policy.max_failures or (
        client_failures or 0
    ) >= policy.max_failures * CLIENT_FACTOR:
        raise TooManyRequests(
            "Too many failed logins. Please wait before trying again.",
            retry_after=int(policy.window.total_seconds()),
        )


def record_failure(db: Session, policy: ThrottlePolicy, username: str, client: str) -> None:
    user_key, client_key = _keys(policy, username, client)
    db.add(LoginFailure(username_key=user_key, client_key=client_key, failed_at=utcnow()))
    db.execute(delete(LoginFailure).where(LoginFailure.failed_at < utcnow() - policy.window))


def clear_failures(db: Session, policy: ThrottlePolicy, username: str) -> None:
    user_key, _ = _keys(policy, username, "")
    db.execute(delete(LoginFailure).where(LoginFailure.username_key == user_key))
