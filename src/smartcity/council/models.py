"""The council's records, shaped after the OParl 1.1 objects (https://oparl.org/spezifikation/).

Each municipality is an OParl Body; its rows here are the Body's objects. Every row keeps
`created_at` and `modified_at` (OParl's `created` and `modified`) and is never deleted: a
deleted object stays as a tombstone (`deleted`), as OParl requires. Agenda items, papers and
files carry `public`; a non-public one is shown to councillors and the council office only,
never on the portal or in OParl. `was_public` remembers that an object was published once, so
that OParl answers it as deleted after it was withdrawn (a client that synchronised it learns
that it is gone) and not at all if it never was public.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned

# OParl's meetingState has no vocabulary; these are the states the council office sets.
MEETING_STATES = ("terminiert", "eingeladen", "durchgeführt")
# Organization types (OParl organizationType: free text, these are common in German RIS).
ORGANIZATION_TYPES = ("Gremium", "Fraktion", "Partei", "Verwaltungsbereich", "externes Gremium")
# Roles of a file in its parent object (the OParl property that holds it).
FILE_ROLES = (
    "invitation",
    "resultsProtocol",
    "verbatimProtocol",
    "auxiliaryFile",
    "mainFile",
    "resolutionFile",
)


# The columns of `ix_council_file_listing` (migration council0006), in this order: the Body,
# the list's order, then everything OParl's visibility rule and its filters read.
LISTING_COLUMNS = (
    "municipality_id",
    "id",
    "public",
    "deleted",
    "was_public",
    "stored_file_id",
    "paper_id",
    "agenda_item_id",
    "meeting_id",
    "created_at",
    "modified_at",
)


class Tracked:
    """OParl's common fields: created, modified, deleted."""

    if TYPE_CHECKING:
        __tablename__: str

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted: Mapped[bool] = mapped_column(default=False)


class LegislativeTerm(Tracked, TenantOwned, Base):
    __tablename__ = "council_legislative_term"

    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)


class CouncilLocation(Tracked, TenantOwned, Base):
    """A place: the town hall's council chamber, a faction's office."""

    __tablename__ = "council_location"

    description: Mapped[str] = mapped_column(String(300))
    street_address: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    locality: Mapped[str] = mapped_column(String(100), default="")
    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)


class Organization(Tracked, TenantOwned, Base):
    """The council, a committee, an advisory board, a faction, a department."""

    __tablename__ = "council_organization"

    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50), default="")
    organization_type: Mapped[str] = mapped_column(String(40), default="Gremium")
    # "Stadtrat", "Ausschuss", "Beirat", "Fraktion" …
    classification: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    sub_organization_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_organization.id", ondelete="SET NULL"), default=None
    )
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_location.id", ondelete="SET NULL"), default=None
    )
    website: Mapped[str] = mapped_column(String(300), default="")


class Person(Tracked, TenantOwned, Base):
    """A councillor, a co-opted citizen (sachkundige Einwohnerin), a mayor: a public office
    holder, published with what the office makes public (name, title, memberships)."""

    __tablename__ = "council_person"

    name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(100), default="")
    given_name: Mapped[str] = mapped_column(String(100), default="")
    form_of_address: Mapped[str] = mapped_column(String(50), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    affix: Mapped[str] = mapped_column(String(100), default="")
    gender: Mapped[str] = mapped_column(String(20), default="")
    life: Mapped[str] = mapped_column(Text, default="")
    life_source: Mapped[str] = mapped_column(String(300), default="")


class Membership(Tracked, TenantOwned, Base):
    __tablename__ = "council_membership"

    person_id: Mapped[int] = mapped_column(ForeignKey("council_person.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("council_organization.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(100), default="")
    voting_right: Mapped[bool] = mapped_column(default=True)
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    # The faction a member sits for in a committee.
    on_behalf_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_organization.id", ondelete="SET NULL"), default=None
    )


class Meeting(Tracked, TenantOwned, Base):
    __tablename__ = "council_meeting"
    __table_args__ = (Index("ix_council_meeting_start", "municipality_id", "start"),)

    name: Mapped[str] = mapped_column(String(300))
    meeting_state: Mapped[str] = mapped_column(String(40), default="terminiert")
    cancelled: Mapped[bool] = mapped_column(default=False)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_location.id", ondelete="SET NULL"), default=None
    )


class MeetingOrganization(TenantOwned, Base):
    """Which organizations meet (usually one; joint meetings of two committees happen)."""

    __tablename__ = "council_meeting_organization"
    __table_args__ = (UniqueConstraint("meeting_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("council_organization.id", ondelete="CASCADE"), index=True
    )


class AgendaItem(Tracked, TenantOwned, Base):
    __tablename__ = "council_agenda_item"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(20), default="")
    order: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(500))
    public: Mapped[bool] = mapped_column(default=True)
    was_public: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str] = mapped_column(String(100), default="")
    resolution_text: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Paper(Tracked, TenantOwned, Base):
    """A Drucksache: a proposal of the administration (Beschlussvorlage), a motion of a
    faction (Antrag), an inquiry (Anfrage), a report (Mitteilung)."""

    __tablename__ = "council_paper"

    name: Mapped[str] = mapped_column(String(500))
    reference: Mapped[str] = mapped_column(String(50), default="")
    date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    paper_type: Mapped[str] = mapped_column(String(100), default="")
    public: Mapped[bool] = mapped_column(default=True)
    was_public: Mapped[bool] = mapped_column(default=False)
    under_direction_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_organization.id", ondelete="SET NULL"), default=None
    )
    originator_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_organization.id", ondelete="SET NULL"), default=None
    )
    originator_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_person.id", ondelete="SET NULL"), default=None
    )


class Consultation(Tracked, TenantOwned, Base):
    """A paper's deliberation by an organization, at an agenda item once it is scheduled."""

    __tablename__ = "council_consultation"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("council_paper.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_agenda_item.id", ondelete="SET NULL"), default=None, index=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_organization.id", ondelete="SET NULL"), default=None
    )
    # Whether the organization decides (beschließend) or only advises (vorberatend).
    authoritative: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str] = mapped_column(String(100), default="")


class CouncilFile(Tracked, TenantOwned, Base):
    """A document of a meeting, an agenda item or a paper. The bytes are a checked upload
    (core.uploads); `stored_file_id` is emptied when the file is deleted or withdrawn, and the
    content removed with it."""

    __tablename__ = "council_file"
    __table_args__ = (
        # What OParl's file list filters and orders by, without the row: a page and its total
        # are read from this index instead of the table, whose rows carry the extracted texts
        # (a full scan of them was most of a file list page's time; docs/performance.md).
        Index("ix_council_file_listing", *LISTING_COLUMNS),
        # Most files belong to a paper: without the empty rows these indexes stay small, and
        # SQLite's statistics (which count all empty values as one) do not make a page's
        # lookup of its meetings' and agenda items' files look like a scan of every file.
        *(
            Index(
                f"ix_council_file_{column}",
                column,
                sqlite_where=text(f"{column} IS NOT NULL"),
                postgresql_where=text(f"{column} IS NOT NULL"),
            )
            for column in ("meeting_id", "agenda_item_id")
        ),
    )

    name: Mapped[str] = mapped_column(String(300))
    file_name: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha512: Mapped[str] = mapped_column(String(128), default="")
    date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    # A licence URL (OParl fileLicense); empty: the body's licence.
    license: Mapped[str] = mapped_column(String(300), default="")
    # The text extracted from a PDF, for search and OParl's `text`.
    text: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    was_public: Mapped[bool] = mapped_column(default=False)
    stored_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_file.id", ondelete="SET NULL"), default=None
    )
    # Exactly one parent, and the property of the parent that holds the file.
    role: Mapped[str] = mapped_column(String(20))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_meeting.id", ondelete="CASCADE"), default=None
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_agenda_item.id", ondelete="CASCADE"), default=None
    )
    paper_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_paper.id", ondelete="CASCADE"), default=None, index=True
    )
