"""Hotspots (each a SensorThings Thing with online, clients and last-seen Datastreams), their
outages (each with a case in the IT department's inbox) and the municipality's node-list
source.

A node list names each router by its `node_id`, which Freifunk firmware derives from the
router's MAC address. We keep only a keyed hash of it (`node_key`, keyed with the source's
own random salt), enough to recognise the router in the next list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class Hotspot(TenantOwned, Base):
    __tablename__ = "wifi_hotspot"
    __table_args__ = (UniqueConstraint("municipality_id", "node_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    node_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    thing_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_thing.id", ondelete="SET NULL"), default=None, unique=True
    )
    online_datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="SET NULL"), default=None
    )
    clients_datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="SET NULL"), default=None
    )
    last_seen_datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Outage(TenantOwned, Base):
    """A hotspot offline longer than the municipality allows; open until it is online again.
    Each opens one case (the IT department's inbox) and closes it when the hotspot returns."""

    __tablename__ = "wifi_outage"

    id: Mapped[int] = mapped_column(primary_key=True)
    hotspot_id: Mapped[int] = mapped_column(
        ForeignKey("wifi_hotspot.id", ondelete="CASCADE"), index=True
    )
    offline_since: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="SET NULL"), default=None
    )
    tracking_code: Mapped[str | None] = mapped_column(String(20), default=None)


class WifiSource(TenantOwned, Base):
    """One per municipality: where the node list comes from, what the last fetch found, and
    after how long an offline hotspot becomes a case."""

    __tablename__ = "wifi_source"
    __table_args__ = (UniqueConstraint("municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), default="")
    # Only routers whose name starts with this are the city's hotspots ("" = all of the list).
    name_prefix: Mapped[str] = mapped_column(String(50), default="")
    offline_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # Key of the node_key hash; random per municipality, never shown.
    node_salt: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str] = mapped_column(String(200), default="")
    last_modified: Mapped[str] = mapped_column(String(64), default="")
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The last fetch or upload: whether it was read, and what we tell the operator (an
    # English message id and its values; pages translate it).
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    result: Mapped[str] = mapped_column(String(300), default="")
    result_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
