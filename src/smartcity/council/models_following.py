"""Citizens who follow a paper or a committee by e-mail (following.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class Follow(TenantOwned, Base):
    """A signed-in citizen follows one paper or one organization (a committee): e-mails when
    something public happens to it (opt-in, to the citizen login's confirmed address; every
    mail carries a link that ends it without signing in: an HMAC of the row with the server
    secret, so nothing secret is stored)."""

    __tablename__ = "council_follow"
    __table_args__ = (
        UniqueConstraint("paper_id", "citizen_subject"),
        UniqueConstraint("organization_id", "citizen_subject"),
        CheckConstraint(
            "(paper_id IS NULL AND organization_id IS NOT NULL) "
            "OR (paper_id IS NOT NULL AND organization_id IS NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_paper.id", ondelete="CASCADE"), default=None, index=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_organization.id", ondelete="CASCADE"), default=None, index=True
    )
    citizen_subject: Mapped[str] = mapped_column(String(255), index=True)
    email: Mapped[str] = mapped_column(String(320))
    # The page's language when they followed: the mails' language.
    language: Mapped[str] = mapped_column(String(5), default="de")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
