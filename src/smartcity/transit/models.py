"""Timetable versions (GTFS feeds) with their rows, the configured sources, and the current
realtime state (GTFS-Realtime trip updates and service alerts).

Every GTFS row carries the feed version it belongs to: a new feed is written next to the
active one and switched to in one update of `transit_feed.status`, so departures never see a
half-imported timetable. GTFS ids stay strings as the feed gives them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned

# A feed's life: waiting → importing → active → superseded; or rejected (validator errors,
# not a GTFS zip) or failed (the import broke off). Only one feed per municipality is active.
FEED_STATES = ("pending", "importing", "active", "superseded", "rejected", "failed")

GTFS_ID = 255


class TransitSource(TenantOwned, Base):
    """Where the municipality's timetable and realtime data come from (one row each)."""

    __tablename__ = "transit_source"
    __table_args__ = (UniqueConstraint("municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gtfs_url: Mapped[str] = mapped_column(String(500), default="")
    # The Last-Modified the server sent with the feed we have (for If-Modified-Since).
    gtfs_last_modified: Mapped[str] = mapped_column(String(64), default="")
    gtfs_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    gtfs_result: Mapped[str] = mapped_column(String(500), default="")
    trip_updates_url: Mapped[str] = mapped_column(String(500), default="")
    alerts_url: Mapped[str] = mapped_column(String(500), default="")
    # Realtime older than this is not used: departures fall back to the timetable.
    stale_after_seconds: Mapped[int] = mapped_column(Integer, default=300)


class Feed(TenantOwned, Base):
    """One version of the timetable, with what the validator said about it."""

    __tablename__ = "transit_feed"
    __table_args__ = (Index("ix_transit_feed_state", "municipality_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    # "upload" or "url".
    origin: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255))
    # The stored zip under the data directory (removed once the feed is imported or refused).
    stored_path: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    # The validator's notices grouped by rule code: [{code, severity, count, examples}].
    notices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Why a feed was refused or failed, for the operator.
    message: Mapped[str] = mapped_column(Text, default="")
    # Rows imported per file ("stops.txt": 120, …).
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    uploaded_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )


class _FeedRow(TenantOwned):
    # Each table's own indexes start with the feed (a version is read and dropped whole).
    feed_id: Mapped[int] = mapped_column(ForeignKey("transit_feed.id", ondelete="CASCADE"))


class Agency(_FeedRow, Base):
    __tablename__ = "transit_agency"
    __table_args__ = (Index("ix_transit_agency_feed", "feed_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(GTFS_ID), default="")
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(500), default="")
    timezone: Mapped[str] = mapped_column(String(64))


class Stop(_FeedRow, Base):
    """A stop or platform (location_type 0), a station (1) or an entrance (2) …"""

    __tablename__ = "transit_stop"
    __table_args__ = (
        Index("ix_transit_stop_key", "feed_id", "stop_id", unique=True),
        Index("ix_transit_stop_parent", "feed_id", "parent_station"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[str] = mapped_column(String(GTFS_ID))
    code: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    location_type: Mapped[int] = mapped_column(SmallInteger, default=0)
    parent_station: Mapped[str] = mapped_column(String(GTFS_ID), default="")
    platform_code: Mapped[str] = mapped_column(String(64), default="")
    # 0 unknown (or inherit from the station), 1 possible, 2 not possible.
    wheelchair_boarding: Mapped[int] = mapped_column(SmallInteger, default=0)


class Route(_FeedRow, Base):
    __tablename__ = "transit_route"
    __table_args__ = (Index("ix_transit_route_key", "feed_id", "route_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[str] = mapped_column(String(GTFS_ID))
    agency_id: Mapped[str] = mapped_column(String(GTFS_ID), default="")
    short_name: Mapped[str] = mapped_column(String(64), default="")
    long_name: Mapped[str] = mapped_column(String(255), default="")
    route_type: Mapped[int] = mapped_column(Integer, default=3)
    color: Mapped[str] = mapped_column(String(6), default="")
    text_color: Mapped[str] = mapped_column(String(6), default="")


class Trip(_FeedRow, Base):
    __tablename__ = "transit_trip"
    __table_args__ = (Index("ix_transit_trip_key", "feed_id", "trip_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[str] = mapped_column(String(GTFS_ID))
    route_id: Mapped[str] = mapped_column(String(GTFS_ID))
    service_id: Mapped[str] = mapped_column(String(GTFS_ID))
    headsign: Mapped[str] = mapped_column(String(255), default="")
    direction_id: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # 0 unknown, 1 accessible, 2 not accessible.
    wheelchair_accessible: Mapped[int] = mapped_column(SmallInteger, default=0)
    shape_id: Mapped[str] = mapped_column(String(GTFS_ID), default="")


class StopTime(_FeedRow, Base):
    """Times in seconds after "noon minus 12 h" of the service day: past 86,400 for trips
    that run past midnight. NULL where the feed leaves a time out (not a timepoint)."""

    __tablename__ = "transit_stop_time"
    __table_args__ = (
        Index("ix_transit_stop_time_departures", "feed_id", "stop_id", "departure_secs"),
        Index("ix_transit_stop_time_trip", "feed_id", "trip_id", "stop_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[str] = mapped_column(String(GTFS_ID))
    stop_sequence: Mapped[int] = mapped_column(Integer)
    stop_id: Mapped[str] = mapped_column(String(GTFS_ID))
    arrival_secs: Mapped[int | None] = mapped_column(Integer, default=None)
    departure_secs: Mapped[int | None] = mapped_column(Integer, default=None)
    headsign: Mapped[str] = mapped_column(String(255), default="")
    pickup_type: Mapped[int] = mapped_column(SmallInteger, default=0)
    drop_off_type: Mapped[int] = mapped_column(SmallInteger, default=0)


class Calendar(_FeedRow, Base):
    __tablename__ = "transit_calendar"
    __table_args__ = (Index("ix_transit_calendar_key", "feed_id", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(String(GTFS_ID))
    # Monday = bit 0 … Sunday = bit 6.
    weekdays: Mapped[int] = mapped_column(SmallInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class CalendarDate(_FeedRow, Base):
    __tablename__ = "transit_calendar_date"
    __table_args__ = (Index("ix_transit_calendar_date_key", "feed_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(String(GTFS_ID))
    date: Mapped[date] = mapped_column(Date)
    # 1: service added on that date, 2: removed.
    exception_type: Mapped[int] = mapped_column(SmallInteger)


class Frequency(_FeedRow, Base):
    """A trip that runs every `headway_secs` between two times; its stop times are a pattern
    relative to its first departure."""

    __tablename__ = "transit_frequency"
    __table_args__ = (Index("ix_transit_frequency_trip", "feed_id", "trip_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[str] = mapped_column(String(GTFS_ID))
    start_secs: Mapped[int] = mapped_column(Integer)
    end_secs: Mapped[int] = mapped_column(Integer)
    headway_secs: Mapped[int] = mapped_column(Integer)
    exact_times: Mapped[int] = mapped_column(SmallInteger, default=0)


class Shape(_FeedRow, Base):
    __tablename__ = "transit_shape"
    __table_args__ = (Index("ix_transit_shape_key", "feed_id", "shape_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shape_id: Mapped[str] = mapped_column(String(GTFS_ID))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    sequence: Mapped[int] = mapped_column(Integer)


# ---- realtime ----------------------------------------------------------------------------


class RealtimeFeed(TenantOwned, Base):
    """The last poll of a realtime source ("trip_updates" or "alerts")."""

    __tablename__ = "transit_realtime"
    __table_args__ = (UniqueConstraint("municipality_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    # When the data we hold was produced (the feed header's timestamp, else when we got it).
    produced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # What the last poll found ("" when it went well), and how many entities it skipped.
    problem: Mapped[str] = mapped_column(String(500), default="")
    entities: Mapped[int] = mapped_column(Integer, default=0)
    unknown_trips: Mapped[int] = mapped_column(Integer, default=0)
    # Extra trips the last poll could not show: ADDED/NEW with an unknown route or stops or
    # no times, and copies of timetabled trips (DUPLICATED, not shown yet).
    ignored_added: Mapped[int] = mapped_column(Integer, default=0)
    # Extra trips (ADDED/NEW) the last poll kept: boards only look for them when there are any.
    extra_trips: Mapped[int] = mapped_column(Integer, default=0)


class TripUpdate(TenantOwned, Base):
    __tablename__ = "transit_rt_trip"
    __table_args__ = (
        Index("ix_transit_rt_trip_key", "municipality_id", "trip_id"),
        # The extra trips (relationship ADDED/NEW) a board looks for.
        Index("ix_transit_rt_trip_relationship", "municipality_id", "relationship"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[str] = mapped_column(String(GTFS_ID))
    # YYYYMMDD as GTFS-Realtime gives it, "" when the update does not say.
    start_date: Mapped[str] = mapped_column(String(8), default="")
    # HH:MM:SS (past 24:00 as GTFS counts) of the run a frequency-based trip's update is
    # about, "" when the update does not say.
    start_time: Mapped[str] = mapped_column(String(8), default="")
    # SCHEDULED, CANCELED, DELETED, ADDED, NEW, … (DUPLICATED updates are not kept)
    relationship: Mapped[str] = mapped_column(String(12), default="SCHEDULED")
    # For an extra trip (ADDED/NEW, not in the timetable): its route and where it goes.
    route_id: Mapped[str] = mapped_column(String(GTFS_ID), default="")
    headsign: Mapped[str] = mapped_column(String(255), default="")
    delay: Mapped[int | None] = mapped_column(Integer, default=None)
    # The stop time updates, ordered by stop_sequence: [{"seq", "stop_id", "arrival_delay",
    # "departure_delay", "arrival_time", "departure_time", "relationship"}, …]; times are
    # POSIX seconds, delays seconds, each None where the feed gives none. One row per trip
    # keeps a poll of a city's feed to a few thousand rows.
    stops: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Alert(TenantOwned, Base):
    __tablename__ = "transit_rt_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(GTFS_ID))
    cause: Mapped[str] = mapped_column(String(30), default="UNKNOWN_CAUSE")
    effect: Mapped[str] = mapped_column(String(30), default="UNKNOWN_EFFECT")
    # {"de": "…", "en": "…", "": "…"}: translations by language ("" when the feed names none).
    header: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # [[start, end], …] in POSIX seconds (0: open); empty: always active.
    periods: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    # Informed entities: [{"agency_id", "route_id", "stop_id", "trip_id"}, …].
    informed: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
