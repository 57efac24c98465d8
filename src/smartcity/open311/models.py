from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.cases.models import Case
from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class ReportCategory(TenantOwned, Base):
    """An Open311 service (a kind of defect), with the department that fixes it and the extra
    questions (attributes) a report answers."""

    __tablename__ = "report_category"
    __table_args__ = (UniqueConstraint("municipality_id", "service_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_code: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[str] = mapped_column(String(100), default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    department: Mapped[str] = mapped_column(String(100))
    # Open311 attribute definitions (code, datatype, required, description, order, values).
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceRequest(TenantOwned, Base):
    """A report. What Open311 shows publicly lives here; who reported it (e-mail, name,
    phone, device) lives in the submission behind its case, where case retention anonymises
    it."""

    __tablename__ = "service_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("report_category.id", ondelete="RESTRICT"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="SET NULL"), nullable=True, index=True
    )
    token: Mapped[str] = mapped_column(String(40), unique=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # A photo we store (served at …/open311/v2/media/<id>) or the reporter's own URL.
    media_public_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Both kinds are shown publicly only once a clerk has looked at them: a photo may show
    # faces or number plates, a link may lead anywhere.
    media_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reopened: Mapped[int] = mapped_column(Integer, default=0)

    category: Mapped[ReportCategory] = relationship()
    case: Mapped[Case | None] = relationship()
