"""Consents (Art. 7) and the breach register (Art. 33)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.errors import NotFound
from smartcity.privacy.models import Breach, Consent

# Art. 33 (1) GDPR: the authority is told within 72 hours of becoming aware of a breach.
NOTIFY_WITHIN = timedelta(hours=72)


def give(
    db: Session, purpose: str, email: str, wording: str, now: datetime | None = None
) -> Consent:
    """Record a consent; one that is active already for the purpose is kept as it is."""
    current = _active(db, purpose, email)
    if current is not None:
        return current
    consent = Consent(
        purpose=purpose, email=email.strip(), wording=wording, given_at=now or utcnow()
    )
    db.add(consent)
    db.flush()
    record(
        db,
        actor="anonymous",
        action="privacy.consent.give",
        resource_type="consent",
        resource_id=consent.id,
        changes={"purpose": purpose},
    )
    return consent


def withdraw(db: Session, purpose: str, email: str, now: datetime | None = None) -> bool:
    """Withdraw at once (Art. 7 (3)); whether there was a consent to withdraw."""
    current = _active(db, purpose, email)
    if current is None:
        return False
    current.withdrawn_at = now or utcnow()
    record(
        db,
        actor="anonymous",
        action="privacy.consent.withdraw",
        resource_type="consent",
        resource_id=current.id,
        changes={"purpose": purpose},
    )
    return True


def consented(db: Session, purpose: str, email: str) -> bool:
    """Whether processing for `purpose` may go on now (modules ask before they act)."""
    return _active(db, purpose, email) is not None


def _active(db: Session, purpose: str, email: str) -> Consent | None:
    return db.scalar(
        select(Consent).where(
            Consent.purpose == purpose,
            func.lower(Consent.email) == email.strip().lower(),
            Consent.withdrawn_at.is_(None),
        )
    )


def consents(db: Session, email: str) -> list[Consent]:
    return list(
        db.scalars(
            select(Consent)
            .where(func.lower(Consent.email) == email.strip().lower())
            .order_by(Consent.given_at)
        )
    )


def record_breach(db: Session, breach: Breach, actor: str) -> Breach:
    breach.recorded_by = actor
    db.add(breach)
    db.flush()
    record(
        db,
        actor=actor,
        action="privacy.breach.record",
        resource_type="breach",
        resource_id=breach.id,
        changes={"risk": breach.risk},
    )
    return breach


def breaches(db: Session) -> list[Breach]:
    return list(db.scalars(select(Breach).order_by(Breach.became_known_at.desc())))


def breach(db: Session, breach_id: int) -> Breach:
    found = db.get(Breach, breach_id)
    if found is None:
        raise NotFound("There is no such breach.")
    return found


def notified(
    db: Session,
    found: Breach,
    *,
    authority_at: datetime | None,
    subjects_at: datetime | None,
    actor: str,
) -> None:
    if authority_at is not None:
        found.authority_notified_at = authority_at
    if subjects_at is not None:
        found.subjects_notified_at = subjects_at
    record(
        db,
        actor=actor,
        action="privacy.breach.notified",
        resource_type="breach",
        resource_id=found.id,
    )


def notify_by(found: Breach) -> datetime:
    return found.became_known_at + NOTIFY_WITHIN


def hours_left(found: Breach, now: datetime) -> float | None:
    """Hours until the authority must have been told; None once it was, or where the breach
    was assessed as unlikely to be a risk (recorded only, Art. 33 (1), (5))."""
    if found.authority_notified_at is not None or found.risk == "unlikely":
        return None
    return round((notify_by(found) - now).total_seconds() / 3600, 1)


def late(found: Breach, now: datetime) -> bool:
    if found.risk == "unlikely":
        return False
    told = found.authority_notified_at or now
    return told > notify_by(found)
