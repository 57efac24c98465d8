from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Float, ForeignKey, String
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
