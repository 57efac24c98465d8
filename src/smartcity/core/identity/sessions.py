"""Server-side login sessions with idle and absolute timeouts.

A password login may need more steps (a second factor, a new password, setting up a second
factor); until they are taken its session has a `stage` other than "full". Such a session
authenticates nothing but its next step: `resolve_session` does not see it, only
`resolve_pending` for that step does, and only for a few minutes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.identity.models import (
    RoleAssignment,
    TotpCredential,
    UserAccount,
    WebAuthnCredential,
    WebSession,
)
from smartcity.core.identity.tokens import digest, new_token

# Writing last_seen_at on every request would turn each read into a write.
TOUCH_INTERVAL = timedelta(seconds=30)
# A login waiting for its next step (code, new password, set-up) lives this long.
PENDING_LIFETIME = timedelta(minutes=10)
FULL = "full"
STAGES = frozenset({FULL, "mfa", "password", "enrol"})


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: timedelta
    absolute_timeout: timedelta
    # Holders of these roles (in any municipality) log in with a password only together
    # with a second factor.
    mfa_roles: frozenset[str] = frozenset()


def start_session(
    db: Session,
    user: UserAccount,
    policy: SessionPolicy,
    *,
    method: str = "password",
    stage: str = FULL,
    device: str = "",
) -> tuple[str, WebSession]:
    """A fresh session (new id at every login, so a planted id is worthless)."""
    now = utcnow()
    purge_expired(db, policy, user_id=user.id, now=now)
    token = new_token()
    web_session = WebSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf_token=new_token(24),
        created_at=now,
        last_seen_at=now,
        auth_method=method,
        stage=stage,
        device=device[:100],
    )
    db.add(web_session)
    db.flush()
    return token, web_session


def _with_user(
    db: Session, token: str, policy: SessionPolicy | None = None
) -> tuple[WebSession, UserAccount, bool] | None:
    """The session the token names and its user, in one query; with a `policy` that names
    roles needing a second factor, also whether the user holds one of them without having a
    second factor (checked on every request, so folded into this query)."""
    query = (
        select(WebSession, UserAccount)
        .join(UserAccount, UserAccount.id == WebSession.user_id)
        .where(WebSession.token_hash == digest(token))
    )
    if policy is not None and policy.mfa_roles:
        query = query.add_columns(_lacks_second_factor(policy.mfa_roles))
    found = db.execute(query).first()
    if found is None:
        return None
    lacks_second_factor = len(found) > 2 and bool(tuple(found)[2])
    return found[0], found[1], lacks_second_factor


def _lacks_second_factor(mfa_roles: frozenset[str]) -> ColumnElement[bool]:
    """`needs_second_factor and not has_second_factor` as a column about the query's user."""
    needs = (
        select(RoleAssignment.id)
        .where(RoleAssignment.user_id == UserAccount.id, RoleAssignment.role.in_(sorted(mfa_roles)))
        .exists()
    )
    has_app = (
        select(TotpCredential.user_id)
        .where(TotpCredential.user_id == UserAccount.id, TotpCredential.confirmed_at.is_not(None))
        .exists()
    )
    has_key = (
        select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == UserAccount.id).exists()
    )
    return and_(needs, ~has_app, ~has_key)


def resolve_session(
    db: Session, token: str, policy: SessionPolicy, *, now: datetime | None = None
) -> tuple[WebSession, UserAccount] | None:
    now = now or utcnow()
    found = _with_user(db, token, policy)
    if found is None:
        return None
    web_session, user, lacks_second_factor = found
    expired = (
        now - web_session.last_seen_at > policy.idle_timeout
        or now - web_session.created_at > policy.absolute_timeout
    )
    if expired or not user.is_active:
        db.delete(web_session)
        return None
    if web_session.stage != FULL:
        return None
    if policy.mfa_roles and web_session.auth_method == "password" and lacks_second_factor:
        # A role that needs a second factor came after the login: set it up first.
        web_session.stage = "enrol"
        web_session.created_at = now
        return None
    if now - web_session.last_seen_at > TOUCH_INTERVAL:
        web_session.last_seen_at = now
    return web_session, user


def resolve_pending(
    db: Session, token: str, stage: str, *, now: datetime | None = None
) -> tuple[WebSession, UserAccount] | None:
    """A login waiting for `stage`, if it is still young enough."""
    now = now or utcnow()
    found = _with_user(db, token)
    if found is None or found[0].stage != stage:
        return None
    web_session, user, _ = found
    if now - web_session.created_at > PENDING_LIFETIME or not user.is_active:
        db.delete(web_session)
        return None
    return web_session, user


def pending_stage(db: Session, token: str) -> str | None:
    """The step a login waits for (None: no such login, or a full session)."""
    stage = db.scalar(select(WebSession.stage).where(WebSession.token_hash == digest(token)))
    return stage if stage is not None and stage != FULL else None


def needs_second_factor(db: Session, user_id: int, policy: SessionPolicy) -> bool:
    if not policy.mfa_roles:
        return False
    found = db.scalar(
        select(RoleAssignment.id)
        .where(RoleAssignment.user_id == user_id, RoleAssignment.role.in_(policy.mfa_roles))
        .limit(1)
    )
    return found is not None


def has_second_factor(db: Session, user_id: int) -> bool:
    """An authenticator app or a passkey."""
    found = db.scalar(
        select(TotpCredential.user_id).where(
            TotpCredential.user_id == user_id, TotpCredential.confirmed_at.is_not(None)
        )
    )
    if found is not None:
        return True
    key = db.scalar(
        select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user_id).limit(1)
    )
    return key is not None


def sessions_of(db: Session, user_id: int, policy: SessionPolicy) -> list[WebSession]:
    """The user's sessions that are still valid, newest first."""
    purge_expired(db, policy, user_id=user_id)
    return list(
        db.scalars(
            select(WebSession)
            .where(WebSession.user_id == user_id, WebSession.stage == FULL)
            .order_by(WebSession.last_seen_at.desc())
        )
    )


def end_other_sessions(db: Session, user_id: int, keep_token: str) -> int:
    """Log out everywhere else; returns how many sessions ended."""
    result = db.execute(
        delete(WebSession).where(
            WebSession.user_id == user_id, WebSession.token_hash != digest(keep_token)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+).*Safari/")),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_of(user_agent: str) -> str:
    """A short name such as `Firefox 133 (Linux)` from a User-Agent; the rest of it (a
    fingerprint, more or less) is not kept. Other clients are named by their first word."""
    user_agent = user_agent[:500]
    browser = ""
    for name, pattern in _BROWSERS:
        match = pattern.search(user_agent)
        if match:
            browser = f"{name} {match.group(1)}"
            break
    system = next((label for marker, label in _SYSTEMS if marker in user_agent), "")
    if browser:
        return f"{browser} ({system})" if system else browser
    first = user_agent.split(" ", 1)[0].split("/", 1)[0]
    return re.sub(r"[^A-Za-z0-9._-]", "", first)[:40]


def end_session(db: Session, token: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


def end_all_sessions(db: Session, user_id: int) -> None:
    db.execute(delete(WebSession).where(WebSession.user_id == user_id))


def purge_expired(
    db: Session, policy: SessionPolicy, *, user_id: int | None = None, now: datetime | None = None
) -> None:
    now = now or utcnow()
    statement = delete(WebSession).where(
        or_(
            WebSession.last_seen_at < now - policy.idle_timeout,
            WebSession.created_at < now - policy.absolute_timeout,
        )
    )
    if user_id is not None:
        statement = statement.where(WebSession.user_id == user_id)
    db.execute(statement)
