from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Float, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow


class Region(Base):
    """A group of municipalities sharing one instance (a *Smart Region*)."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Municipality(Base):
    """A tenant. Its slug is the first path segment of every tenant URL."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    ags: Mapped[str] = mapped_column(String(8), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    center_lat: Mapped[float] = mapped_column(Float)
    center_lon: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Branding every page frame shows, kept on this row because it comes with the copy each
    # request reads anyway (core/snapshots); the rest of the profile is `MunicipalityProfile`.
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    brand_colour: Mapped[str | None] = mapped_column(String(7), default=None)
    # 0: no logo; counts up with each new logo, so its address changes and caches may keep it.
    logo_version: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name


class TenantOwned:
    """Mixin for every row that belongs to one municipality.

    Sessions carry a scope (see `scope.py`); reads of these classes are filtered to the
    scope's municipality automatically and writes into another municipality are refused.
    """

    # Instance-level rows of an otherwise tenant-owned table (the audit log) may have none.
    tenant_optional: ClassVar[bool] = False

    @declared_attr
    def municipality_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("municipality.id", ondelete="RESTRICT"), index=True)


class MunicipalityProfile(TenantOwned, Base):
    """What the municipality says about itself on its portal: logo, contact, and the texts of
    the legal pages (imprint, privacy policy, accessibility statement). Empty texts fall back
    to the defaults of `core.tenancy.profile`. One row per municipality, read only by the
    pages that show it."""

    __tablename__ = "municipality_profile"
    __table_args__ = (UniqueConstraint("municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    logo_type: Mapped[str | None] = mapped_column(String(40), default=None)
    contact_email: Mapped[str | None] = mapped_column(String(254), default=None)
    contact_phone: Mapped[str | None] = mapped_column(String(40), default=None)
    contact_address: Mapped[str | None] = mapped_column(Text, default=None)
    imprint: Mapped[str | None] = mapped_column(Text, default=None)
    privacy: Mapped[str | None] = mapped_column(Text, default=None)
    accessibility: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
