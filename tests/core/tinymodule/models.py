from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base
from smartcity.core.tenancy.models import TenantOwned


class TinyNote(TenantOwned, Base):
    __tablename__ = "tiny_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
