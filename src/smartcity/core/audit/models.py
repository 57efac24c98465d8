from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime
from smartcity.core.tenancy.models import TenantOwned

INSTANCE_CHAIN = 0


class AuditEntry(TenantOwned, Base):
    """One audited action. `municipality_id` is NULL for instance-level actions (chain 0)."""

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("chain_id", "seq"),)

    tenant_optional = True

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True, nullable=True
    )
    chain_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    resource_type: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str] = mapped_column(String(100))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest entry of each chain, so that removing the tail of a chain is detected too."""

    __tablename__ = "audit_chain_head"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
