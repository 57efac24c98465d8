from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class StoredFile(TenantOwned, Base):
    """An uploaded file. `owner_kind`/`owner_id` say what it belongs to (a draft, a
    submission, a case, a meter reading); the bytes are at `<data dir>/uploads/<municipality
    id>/<storage_name>`, a name we generated, never the uploader's."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    owner_kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(Integer, index=True)
    field: Mapped[str | None] = mapped_column(String(100), nullable=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha512: Mapped[str] = mapped_column(String(128))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    scanned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
