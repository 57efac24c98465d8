"""Password login and the user's own password change, with throttling; the caller commits
failures even when the request fails."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import Conflict
from smartcity.core.identity import throttle, users
from smartcity.core.identity.models import UserAccount, WebSession, name_matches
from smartcity.core.identity.passwords import PasswordHashing
from smartcity.core.identity.sessions import SessionPolicy, start_session


@dataclass(frozen=True)
class LoginOutcome:
    token: str | None
    web_session: WebSession | None
    user: UserAccount | None

    @property
    def ok(self) -> bool:
        return self.token is not None


FAILED = LoginOutcome(None, None, None)


def password_login(
    db: Session,
    *,
    username: str,
    password: str,
    client: str,
    sessions: SessionPolicy,
    limits: throttle.ThrottlePolicy,
    passwords: PasswordHashing,
) -> LoginOutcome:
    """Raises TooManyRequests when throttled; returns FAILED (after recording it) on a bad
    user name or password, without telling which of the two was wrong."""
    throttle.check_allowed(db, limits, username, client)
    user = db.scalar(select(UserAccount).where(name_matches(username)))
    valid = passwords.verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        throttle.record_failure(db, limits, username, client)
        if user is not None:
            audit.record(
                db,
                actor="anonymous",
                action="login.failed",
                resource_type="user",
                resource_id=user.id,
            )
        return FAILED
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    throttle.clear_failures(db, limits, username)
    token, web_session = start_session(db, user, sessions)
    audit.record(
        db, actor=f"user:{user.id}", action="login", resource_type="user", resource_id=user.id
    )
    return LoginOutcome(token, web_session, user)


def change_password(
    db: Session,
    user: UserAccount,
    *,
    current: str,
    new: str,
    client: str,
    sessions: SessionPolicy,
    limits: throttle.ThrottlePolicy,
    passwords: PasswordHashing,
) -> LoginOutcome:
    """The user's own change: the current password first (guesses count like failed logins,
    so a stolen session cannot brute-force it), then the policy. Every session of the user
    ends, on every device; the one returned replaces the session this change came from.
    Returns FAILED (after recording it) when the current password is wrong."""
    if user.password_hash is None:
        raise Conflict("This account logs in through the identity provider; it has no password.")
    throttle.check_allowed(db, limits, user.username, client)
    if not passwords.verify(user.password_hash, current):
        throttle.record_failure(db, limits, user.username, client)
        audit.record(
            db,
            actor=f"user:{user.id}",
            action="password.change_failed",
            resource_type="user",
            resource_id=user.id,
        )
        return FAILED
    users.set_password(db, user, new, actor=f"user:{user.id}", passwords=passwords)
    token, web_session = start_session(db, user, sessions)
    return LoginOutcome(token, web_session, user)
