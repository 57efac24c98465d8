from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned

# A dataset's way from the data officer's desk to the catalogue; only PUBLISHED ones are in it.
DRAFT, REVIEW, PUBLISHED, WITHDRAWN = "draft", "review", "published", "withdrawn"
STATUSES = (DRAFT, REVIEW, PUBLISHED, WITHDRAWN)
# `OpenDataset.source` of a dataset the data officer registered by hand.
MANUAL = "manual"


class OpenDataSettings(TenantOwned, Base):
    """What the municipality's catalogue says about its publisher, and the guard's minimum."""

    __tablename__ = "opendata_settings"
    __table_args__ = (UniqueConstraint("municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # A concept of the dcat-ap.de contributor list (dcatde:contributorID), e.g. the Land's portal.
    contributor_id: Mapped[str] = mapped_column(String(200), default="")
    licence: Mapped[str] = mapped_column(String(200))
    # The smallest number of persons a published cell may count (k-anonymity of aggregates).
    min_persons: Mapped[int] = mapped_column(Integer, default=5)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OpenDataset(TenantOwned, Base):
    """A dataset of the catalogue: released from a module's declaration (`source` is
    "<module>.<key>") or registered by hand (`source` is "manual"). `uuid` makes its URI and
    never changes; `modified` moves only when a distribution's bytes change."""

    __tablename__ = "opendata_dataset"
    __table_args__ = (UniqueConstraint("municipality_id", "uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    frequency: Mapped[str] = mapped_column(String(40))
    hvd_category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The live interface (dcat:DataService) a module declared, below the municipality's URL.
    api_title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    api_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    api_path: Mapped[str | None] = mapped_column(String(300), nullable=True)
    api_description_path: Mapped[str | None] = mapped_column(String(300), nullable=True)
    api_conforms_to: Mapped[str | None] = mapped_column(String(300), nullable=True)
    temporal_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    temporal_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    issued: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    modified: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The staff member who registered it by hand (None for a module's dataset).
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The series the dataset is a member of (dcat:inSeries), e.g. one year of a budget.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("opendata_series.id", ondelete="SET NULL"), nullable=True, index=True
    )

    series: Mapped[OpenDatasetSeries | None] = relationship()
    distributions: Mapped[list[OpenDistribution]] = relationship(
        back_populates="dataset",
        cascade="all, delete-orphan",
        order_by="OpenDistribution.id",
    )


class OpenDistribution(TenantOwned, Base):
    """One file or access point of a dataset. Generated files and uploads keep their bytes
    here (`content`), so that size and checksum in the catalogue are those of the download; an
    external file has only its `url`."""

    __tablename__ = "opendata_distribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("opendata_dataset.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    # An EU file-type code ("CSV") and its IANA media type.
    format: Mapped[str] = mapped_column(String(40))
    media_type: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    byte_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # True: the distribution is the dataset's live interface (its accessService).
    via_api: Mapped[bool] = mapped_column(Boolean, default=False)
    issued: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dataset: Mapped[OpenDataset] = relationship(back_populates="distributions")


class OpenDatasetSeries(TenantOwned, Base):
    """A dcat:DatasetSeries: datasets published one after another of the same kind (a
    yearly budget, monthly measurements). Its members name it (`OpenDataset.series_id`); it
    is in the catalogue while at least one member is published, and its dates and period are
    those of its published members."""

    __tablename__ = "opendata_series"
    __table_args__ = (UniqueConstraint("municipality_id", "uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    frequency: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "manual" for a series the data officer keeps, "<module>.<key>" for one a module declares
    # (its members' sources are "<module>.<key>/<period>").
    source: Mapped[str] = mapped_column(String(100), default=MANUAL, index=True)
    # PUBLISHED, or WITHDRAWN: then out of the catalogue (410 Gone), its members without it.
    status: Mapped[str] = mapped_column(String(20), default=PUBLISHED)


class OpenDataRevision(Base):
    """A counter per municipality that moves with every change of its catalogue (datasets,
    files, series, settings), in the transaction of the change: the catalogue pages one
    instance keeps (`opendata.cache`) are valid while the counter read from the database is
    the one they were made at, whichever instance made the change."""

    __tablename__ = "opendata_revision"

    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)
