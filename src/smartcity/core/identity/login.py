"""Password login and the user's own password change, with throttling; the caller commits
failures even when the request fails.

A password login is complete only after every step it owes, in this order: the second
factor (when the user has one), a new password (when an administrator set the current
one), setting up a second factor (when a role needs one and there is none). Each step
replaces the session with a new one (new token) for the next step or, at the end, a full
session; see sessions.py for what a session in a step may do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict
from smartcity.core.identity import mfa, passkeys, throttle, users
from smartcity.core.identity.models import UserAccount, WebSession, name_matches
from smartcity.core.identity.passwords import PasswordHashing
from smartcity.core.identity.sessions import (
    FULL,
    SessionPolicy,
    end_session,
    has_second_factor,
    needs_second_factor,
    start_session,
)


@dataclass(frozen=True)
class LoginOutcome:
    token: str | None
    web_session: WebSession | None
    user: UserAccount | None
    # The password was right, but it was an initial one and has expired.
    expired: bool = False

    @property
    def ok(self) -> bool:
        return self.token is not None

    @property
    def stage(self) -> str:
        """The step this login still owes ("full": none)."""
        return self.web_session.stage if self.web_session is not None else FULL


FAILED = LoginOutcome(None, None, None)
EXPIRED = LoginOutcome(None, None, None, expired=True)


def next_stage(
    db: Session, user: UserAccount, policy: SessionPolicy, *, second_factor_done: bool
) -> str:
    if not second_factor_done and has_second_factor(db, user.id):
        return "mfa"
    if user.password_change_required:
        return "password"
    if needs_second_factor(db, user.id, policy) and not has_second_factor(db, user.id):
        return "enrol"
    return FULL


def _continue(
    db: Session,
    user: UserAccount,
    policy: SessionPolicy,
    *,
    second_factor_done: bool,
    device: str,
    replaces: str | None = None,
    record_login: bool = True,
) -> LoginOutcome:
    """The session for the login's next step (or the full one), replacing `replaces`."""
    if replaces is not None:
        end_session(db, replaces)
    stage = next_stage(db, user, policy, second_factor_done=second_factor_done)
    token, web_session = start_session(db, user, policy, stage=stage, device=device)
    if stage == FULL and record_login:
        audit.record(
            db, actor=f"user:{user.id}", action="login", resource_type="user", resource_id=user.id
        )
    return LoginOutcome(token, web_session, user)


def password_login(
    db: Session,
    *,
    username: str,
    password: str,
    client: str,
    sessions: SessionPolicy,
    limits: throttle.ThrottlePolicy,
    passwords: PasswordHashing,
    device: str = "",
) -> LoginOutcome:
    """Raises TooManyRequests when throttled; returns FAILED (after recording it) on a bad
    user name or password, without telling which of the two was wrong, and EXPIRED for a
    right but expired initial password. A returned session may still owe steps (`stage`)."""
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
    if (
        user.password_change_required
        and user.password_expires_at is not None
        and user.password_expires_at < utcnow()
    ):
        audit.record(
            db,
            actor="anonymous",
            action="login.initial_password_expired",
            resource_type="user",
            resource_id=user.id,
        )
        return EXPIRED
    return _continue(db, user, sessions, second_factor_done=False, device=device)


def second_factor(
    db: Session,
    user: UserAccount,
    code: str,
    *,
    pending_token: str,
    client: str,
    server_secret: str,
    sessions: SessionPolicy,
    limits: throttle.ThrottlePolicy,
    device: str = "",
) -> LoginOutcome:
    """The login's second step: a code from the app or a recovery code. Throttled like the
    password (per account and client address); returns FAILED after recording a wrong code."""
    return _checked_factor(
        db,
        user,
        lambda: mfa.verify(db, user, code, server_secret) is not None,
        pending_token=pending_token,
        client=client,
        sessions=sessions,
        limits=limits,
        device=device,
    )


def passkey_factor(
    db: Session,
    user: UserAccount,
    web_session: WebSession,
    credential: str | dict[str, Any],
    *,
    party: passkeys.RelyingParty,
    pending_token: str,
    client: str,
    sessions: SessionPolicy,
    limits: throttle.ThrottlePolicy,
    device: str = "",
) -> LoginOutcome:
    """The login's second step with a passkey: its signature of the challenge the waiting
    login was given. Throttled and recorded like a code."""
    return _checked_factor(
        db,
        user,
        lambda: passkeys.verify(db, user, web_session, party, credential),
        pending_token=pending_token,
        client=client,
        sessions=sessions,
        limits=limits,
        device=device,
    )


def _checked_factor(
    db: Session,
    user: UserAccount,
    check: Callable[[], bool],
    *,
    pending_token: str,
    client: str,
    sessions: SessionPolicy,
    limits: throttle.ThrottlePolicy,
    device: str,
) -> LoginOutcome:
    throttle_name = f"#mfa:{user.id}"  # no user name contains '#'
    throttle.check_allowed(db, limits, throttle_name, client)
    if not check():
        throttle.record_failure(db, limits, throttle_name, client)
        audit.record(
            db,
            actor="anonymous",
            action="login.mfa_failed",
            resource_type="user",
            resource_id=user.id,
        )
        return FAILED
    throttle.clear_failures(db, limits, throttle_name)
    return _continue(
        db, user, sessions, second_factor_done=True, device=device, replaces=pending_token
    )


def enrolled(
    db: Session,
    user: UserAccount,
    *,
    pending_token: str,
    sessions: SessionPolicy,
    device: str = "",
) -> LoginOutcome:
    """A login that had to set up its second factor has done so: a full session now."""
    return _continue(
        db, user, sessions, second_factor_done=True, device=device, replaces=pending_token
    )


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
    device: str = "",
) -> LoginOutcome:
    """The user's own change: the current password first (guesses count like failed logins,
    so a stolen session cannot brute-force it), then the policy. Every session of the user
    ends, on every device; the one returned replaces the session this change came from
    (during a login that had to change an initial password: the session for its next
    step). Returns FAILED (after recording it) when the current password is wrong."""
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
    # The change is reached only from a full session or after the login's second factor.
    return _continue(db, user, sessions, second_factor_done=True, device=device, record_login=False)
