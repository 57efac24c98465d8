from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class ServiceTemplate(Base):
    """A service defined once for the whole region ("Einer für alle"): its texts, its form,
    its workflow and retention. Municipalities adopt it with their local settings."""

    __tablename__ = "service_template"
    __table_args__ = (UniqueConstraint("region_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    key: Mapped[str] = mapped_column(String(63))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    leika_key: Mapped[str | None] = mapped_column(String(14), nullable=True)
    default_department: Mapped[str] = mapped_column(String(100))
    default_fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    default_processing_days: Mapped[int] = mapped_column(Integer, default=30)
    allows_anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    workflow: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    retention_days: Mapped[int] = mapped_column(Integer, default=0)
    retention_action: Mapped[str] = mapped_column(String(10), default="anonymise")
    decision_template: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # What a citizen should have ready, by language ({"de": ["…", …], "en": […]}).
    documents: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)
    legal_basis: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # None: citizens start it with the generic form; a path under the municipality's portal
    # ("maengel/melden"): its own page starts it; "": citizens do not start it (the platform
    # files it, e.g. lamp faults).
    start_page: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FormVersion(Base):
    """A version of a service's form: JSON Schema 2020-12 plus presentation hints. Once
    published it never changes; submissions keep the version they were made with."""

    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("service_template.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    ui: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ServiceAdoption(TenantOwned, Base):
    """A municipality offers a region's service, with its own department, fee and contact.
    Nothing of the template is copied: changes to the template reach every adopter."""

    __tablename__ = "service_adoption"
    __table_args__ = (UniqueConstraint("municipality_id", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("service_template.id", ondelete="RESTRICT"), index=True
    )
    department: Mapped[str | None] = mapped_column(String(100), nullable=True)
    fee_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    processing_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    office_address: Mapped[str | None] = mapped_column(Text, nullable=True)
    office_hours: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    adopted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Draft(TenantOwned, Base):
    """An application being filled in. The browser holds an access token; a saved draft also
    has a one-time resume token (mailed as a link) that hands out a fresh access token."""

    __tablename__ = "application_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(
        ForeignKey("service_adoption.id", ondelete="CASCADE"), index=True
    )
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id", ondelete="RESTRICT"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    step: Mapped[int] = mapped_column(Integer, default=0)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    resume_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    citizen_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Submission(TenantOwned, Base):
    """A submitted application: the data as submitted, its hash, and the signed receipt."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(
        ForeignKey("service_adoption.id", ondelete="RESTRICT"), index=True
    )
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id", ondelete="RESTRICT"))
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    data_sha256: Mapped[str] = mapped_column(String(64))
    contact_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    citizen_subject: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    language: Mapped[str] = mapped_column(String(2), default="de")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    receipt: Mapped[str] = mapped_column(Text)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# Finding one person's submissions for a data-subject request matches e-mail addresses
# regardless of case; the index is created by the privacy module's migration (privacy0002).
Index("ix_submission_contact_email_lower", func.lower(Submission.contact_email))
