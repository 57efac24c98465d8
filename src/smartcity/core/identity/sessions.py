"""Server-side login sessions with idle and absolute timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.identity.models import UserAccount, WebSession
from smartcity.core.identity.tokens import digest, new_token

# Writing last_seen_at on every request would turn each read into a write.
TOUCH_INTERVAL = timedelta(seconds=30)


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: timedelta
    absolute_timeout: timedelta


def start_session(
    db: Session, user: UserAccount, policy: SessionPolicy, *, method: str = "password"
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
    )
    db.add(web_session)
    db.flush()
    return token, web_session


def resolve_session(
    db: Session, token: str, policy: SessionPolicy, *, now: datetime | None = None
) -> tuple[WebSession, UserAccount] | None:
    now = now or utcnow()
    found = db.execute(
        select(WebSession, UserAccount)
        .join(UserAccount, UserAccount.id == WebSession.user_id)
        .where(WebSession.token_hash == digest(token))
    ).first()
    if found is None:
        return None
    web_session, user = found
    expired = (
        now - web_session.last_seen_at > policy.idle_timeout
        or now - web_session.created_at > policy.absolute_timeout
    )
    if expired or not user.is_active:
        db.delete(web_session)
        return None
    if now - web_session.last_seen_at > TOUCH_INTERVAL:
        web_session.last_seen_at = now
    return web_session, user


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
