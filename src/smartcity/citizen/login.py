"""Citizen login through the citizens' identity provider (OIDC): a session that says who the
citizen is. With it, services that do not allow anonymous applications accept them, and the
citizen sees their applications. It grants nothing else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.identity.models import CitizenSession
from smartcity.core.identity.sessions import TOUCH_INTERVAL, SessionPolicy
from smartcity.core.identity.tokens import digest, new_token

COOKIE = "__Host-smartcity_citizen"


def subject_of(claims: dict[str, Any]) -> str:
    """Issuer and subject together: the same subject at another provider is someone else."""
    return f"{claims['iss']}|{claims['sub']}"


def _birthdate(value: object) -> date | None:
    """The OIDC `birthdate` claim (YYYY-MM-DD); anything else is taken as not given."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _digits(value: object, length: int) -> str | None:
    """A key of exactly `length` digits (the AGS, a German postal code), else not given."""
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    return text if len(text) == length and text.isascii() and text.isdecimal() else None


def start(db: Session, claims: dict[str, Any], now: datetime | None = None) -> str:
    now = now or utcnow()
    token = new_token()
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    email = claims.get("email") if claims.get("email_verified") is True else None
    address = claims.get("address")
    db.add(
        CitizenSession(
            token_hash=digest(token),
            subject=subject_of(claims),
            name=str(name)[:200] or None,
            email=str(email)[:320] if email else None,
            birthdate=_birthdate(claims.get("birthdate")),
            residence_ags=_digits(claims.get("ags"), 8),
            postal_code=_digits(
                address.get("postal_code") if isinstance(address, dict) else None, 5
            ),
            created_at=now,
            last_seen_at=now,
        )
    )
    return token


def resolve(
    db: Session, token: str, policy: SessionPolicy, now: datetime | None = None
) -> CitizenSession | None:
    now = now or utcnow()
    session = db.scalar(select(CitizenSession).where(CitizenSession.token_hash == digest(token)))
    if session is None:
        return None
    if (
        now - session.last_seen_at > policy.idle_timeout
        or now - session.created_at > policy.absolute_timeout
    ):
        db.delete(session)
        return None
    if now - session.last_seen_at > TOUCH_INTERVAL:
        session.last_seen_at = now
    return session


def end(db: Session, token: str) -> None:
    db.execute(delete(CitizenSession).where(CitizenSession.token_hash == digest(token)))
