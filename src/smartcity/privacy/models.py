"""The data-protection officer's records: data-subject requests, legal holds (and Art. 18
restrictions), consents and personal-data breaches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class SubjectRequest(TenantOwned, Base):
    """A data-subject request (access, erasure, restriction, rectification) with its
    one-month deadline (Art. 12 (3) GDPR), the identity check and the outcome.

    A request from the portal by e-mail waits for the confirmation link (`confirm_token_hash`)
    before it counts; one from a signed-in citizen carries their account subject."""

    __tablename__ = "privacy_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # unconfirmed | open | done | refused
    status: Mapped[str] = mapped_column(String(12), index=True)
    source: Mapped[str] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    citizen_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    tracking_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Rectification: which identifier is wrong and what is right.
    correction: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    details: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    identity_check: Mapped[str | None] = mapped_column(Text, nullable=True)
    identity_checked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Rows per table and action, and what was kept with the law's reason (no personal data).
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class LegalHold(TenantOwned, Base):
    """A row that retention must not delete or anonymise until `until` (a case under
    objection or in court), or that is restricted at the person's request (Art. 18)."""

    __tablename__ = "privacy_legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(63), index=True)
    row_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("privacy_request.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Consent(TenantOwned, Base):
    """A consent given for one purpose (e-mail notifications, a newsletter, being streamed)
    and its withdrawal, which takes effect at once."""

    __tablename__ = "privacy_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(63), index=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True)
    citizen_subject: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    # The wording the person agreed to (its version), so the consent can be proven.
    wording: Mapped[str] = mapped_column(String(500))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Breach(TenantOwned, Base):
    """A personal-data breach (Art. 33): when it became known (the 72-hour clock), the
    assessment, and when the authority and the persons were told."""

    __tablename__ = "privacy_breach"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    became_known_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # unassessed | unlikely (no risk: recorded only) | risk | high (tell the persons too)
    risk: Mapped[str] = mapped_column(String(10), default="unassessed")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    subjects_affected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    measures: Mapped[str] = mapped_column(Text, default="")
    authority_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    subjects_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
