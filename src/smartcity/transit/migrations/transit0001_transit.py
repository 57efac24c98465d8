"""Public transport: timetable versions (GTFS feeds) and their rows, the sources, and the
realtime state (trip updates, service alerts)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "transit0001"
down_revision = None
branch_labels = ("transit",)
depends_on = "0023"


def upgrade() -> None:
    op.create_table(
        "transit_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_path", sa.String(length=500), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("notices", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_feed_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["user_account.id"],
            name=op.f("fk_transit_feed_uploaded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_feed")),
    )
    op.create_index(
        op.f("ix_transit_feed_municipality_id"), "transit_feed", ["municipality_id"], unique=False
    )
    op.create_index(
        "ix_transit_feed_state", "transit_feed", ["municipality_id", "status"], unique=False
    )
    op.create_table(
        "transit_realtime",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("produced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problem", sa.String(length=500), nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("unknown_trips", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_realtime_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_realtime")),
        sa.UniqueConstraint(
            "municipality_id", "kind", name=op.f("uq_transit_realtime_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_transit_realtime_municipality_id"),
        "transit_realtime",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "transit_rt_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("cause", sa.String(length=30), nullable=False),
        sa.Column("effect", sa.String(length=30), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.Column("informed", sa.JSON(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_rt_alert_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_rt_alert")),
    )
    op.create_index(
        op.f("ix_transit_rt_alert_municipality_id"),
        "transit_rt_alert",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "transit_rt_trip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.String(length=255), nullable=False),
        sa.Column("start_date", sa.String(length=8), nullable=False),
        sa.Column("relationship", sa.String(length=12), nullable=False),
        sa.Column("delay", sa.Integer(), nullable=True),
        sa.Column("stops", sa.JSON(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_rt_trip_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_rt_trip")),
    )
    op.create_index(
        "ix_transit_rt_trip_key", "transit_rt_trip", ["municipality_id", "trip_id"], unique=False
    )
    op.create_index(
        op.f("ix_transit_rt_trip_municipality_id"),
        "transit_rt_trip",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "transit_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gtfs_url", sa.String(length=500), nullable=False),
        sa.Column("gtfs_last_modified", sa.String(length=64), nullable=False),
        sa.Column("gtfs_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gtfs_result", sa.String(length=500), nullable=False),
        sa.Column("trip_updates_url", sa.String(length=500), nullable=False),
        sa.Column("alerts_url", sa.String(length=500), nullable=False),
        sa.Column("stale_after_seconds", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_source_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_source")),
        sa.UniqueConstraint("municipality_id", name=op.f("uq_transit_source_municipality_id")),
    )
    op.create_index(
        op.f("ix_transit_source_municipality_id"),
        "transit_source",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "transit_agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_agency_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_agency_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_agency")),
    )
    op.create_index("ix_transit_agency_feed", "transit_agency", ["feed_id"], unique=False)
    op.create_index(
        op.f("ix_transit_agency_municipality_id"),
        "transit_agency",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "transit_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=255), nullable=False),
        sa.Column("weekdays", sa.SmallInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_calendar_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_calendar_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_calendar")),
    )
    op.create_index(
        "ix_transit_calendar_key", "transit_calendar", ["feed_id", "service_id"], unique=False
    )
    op.create_index(
        op.f("ix_transit_calendar_municipality_id"),
        "transit_calendar",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "transit_calendar_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=255), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("exception_type", sa.SmallInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_calendar_date_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_calendar_date_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_calendar_date")),
    )
    op.create_index(
        "ix_transit_calendar_date_key", "transit_calendar_date", ["feed_id", "date"], unique=False
    )
    op.create_index(
        op.f("ix_transit_calendar_date_municipality_id"),
        "transit_calendar_date",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "transit_frequency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.String(length=255), nullable=False),
        sa.Column("start_secs", sa.Integer(), nullable=False),
        sa.Column("end_secs", sa.Integer(), nullable=False),
        sa.Column("headway_secs", sa.Integer(), nullable=False),
        sa.Column("exact_times", sa.SmallInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_frequency_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_frequency_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_frequency")),
    )
    op.create_index(
        op.f("ix_transit_frequency_municipality_id"),
        "transit_frequency",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        "ix_transit_frequency_trip", "transit_frequency", ["feed_id", "trip_id"], unique=False
    )
    op.create_table(
        "transit_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.String(length=255), nullable=False),
        sa.Column("agency_id", sa.String(length=255), nullable=False),
        sa.Column("short_name", sa.String(length=64), nullable=False),
        sa.Column("long_name", sa.String(length=255), nullable=False),
        sa.Column("route_type", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=6), nullable=False),
        sa.Column("text_color", sa.String(length=6), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_route_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_route_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_route")),
    )
    op.create_index("ix_transit_route_key", "transit_route", ["feed_id", "route_id"], unique=True)
    op.create_index(
        op.f("ix_transit_route_municipality_id"), "transit_route", ["municipality_id"], unique=False
    )
    op.create_table(
        "transit_shape",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shape_id", sa.String(length=255), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_shape_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_shape_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_shape")),
    )
    op.create_index(
        "ix_transit_shape_key", "transit_shape", ["feed_id", "shape_id", "sequence"], unique=False
    )
    op.create_index(
        op.f("ix_transit_shape_municipality_id"), "transit_shape", ["municipality_id"], unique=False
    )
    op.create_table(
        "transit_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("location_type", sa.SmallInteger(), nullable=False),
        sa.Column("parent_station", sa.String(length=255), nullable=False),
        sa.Column("platform_code", sa.String(length=64), nullable=False),
        sa.Column("wheelchair_boarding", sa.SmallInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_stop_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_stop_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_stop")),
    )
    op.create_index("ix_transit_stop_key", "transit_stop", ["feed_id", "stop_id"], unique=True)
    op.create_index(
        op.f("ix_transit_stop_municipality_id"), "transit_stop", ["municipality_id"], unique=False
    )
    op.create_index(
        "ix_transit_stop_parent", "transit_stop", ["feed_id", "parent_station"], unique=False
    )
    op.create_table(
        "transit_stop_time",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.String(length=255), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.String(length=255), nullable=False),
        sa.Column("arrival_secs", sa.Integer(), nullable=True),
        sa.Column("departure_secs", sa.Integer(), nullable=True),
        sa.Column("headsign", sa.String(length=255), nullable=False),
        sa.Column("pickup_type", sa.SmallInteger(), nullable=False),
        sa.Column("drop_off_type", sa.SmallInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_stop_time_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_stop_time_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_stop_time")),
    )
    op.create_index(
        "ix_transit_stop_time_departures",
        "transit_stop_time",
        ["feed_id", "stop_id", "departure_secs"],
        unique=False,
    )
    op.create_index(
        op.f("ix_transit_stop_time_municipality_id"),
        "transit_stop_time",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        "ix_transit_stop_time_trip",
        "transit_stop_time",
        ["feed_id", "trip_id", "stop_sequence"],
        unique=False,
    )
    op.create_table(
        "transit_trip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.String(length=255), nullable=False),
        sa.Column("route_id", sa.String(length=255), nullable=False),
        sa.Column("service_id", sa.String(length=255), nullable=False),
        sa.Column("headsign", sa.String(length=255), nullable=False),
        sa.Column("direction_id", sa.SmallInteger(), nullable=True),
        sa.Column("wheelchair_accessible", sa.SmallInteger(), nullable=False),
        sa.Column("shape_id", sa.String(length=255), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["transit_feed.id"],
            name=op.f("fk_transit_trip_feed_id_transit_feed"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transit_trip_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transit_trip")),
    )
    op.create_index("ix_transit_trip_key", "transit_trip", ["feed_id", "trip_id"], unique=True)
    op.create_index(
        op.f("ix_transit_trip_municipality_id"), "transit_trip", ["municipality_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_transit_trip_municipality_id"), table_name="transit_trip")
    op.drop_index("ix_transit_trip_key", table_name="transit_trip")
    op.drop_table("transit_trip")
    op.drop_index("ix_transit_stop_time_trip", table_name="transit_stop_time")
    op.drop_index(op.f("ix_transit_stop_time_municipality_id"), table_name="transit_stop_time")
    op.drop_index("ix_transit_stop_time_departures", table_name="transit_stop_time")
    op.drop_table("transit_stop_time")
    op.drop_index("ix_transit_stop_parent", table_name="transit_stop")
    op.drop_index(op.f("ix_transit_stop_municipality_id"), table_name="transit_stop")
    op.drop_index("ix_transit_stop_key", table_name="transit_stop")
    op.drop_table("transit_stop")
    op.drop_index(op.f("ix_transit_shape_municipality_id"), table_name="transit_shape")
    op.drop_index("ix_transit_shape_key", table_name="transit_shape")
    op.drop_table("transit_shape")
    op.drop_index(op.f("ix_transit_route_municipality_id"), table_name="transit_route")
    op.drop_index("ix_transit_route_key", table_name="transit_route")
    op.drop_table("transit_route")
    op.drop_index("ix_transit_frequency_trip", table_name="transit_frequency")
    op.drop_index(op.f("ix_transit_frequency_municipality_id"), table_name="transit_frequency")
    op.drop_table("transit_frequency")
    op.drop_index(
        op.f("ix_transit_calendar_date_municipality_id"), table_name="transit_calendar_date"
    )
    op.drop_index("ix_transit_calendar_date_key", table_name="transit_calendar_date")
    op.drop_table("transit_calendar_date")
    op.drop_index(op.f("ix_transit_calendar_municipality_id"), table_name="transit_calendar")
    op.drop_index("ix_transit_calendar_key", table_name="transit_calendar")
    op.drop_table("transit_calendar")
    op.drop_index(op.f("ix_transit_agency_municipality_id"), table_name="transit_agency")
    op.drop_index("ix_transit_agency_feed", table_name="transit_agency")
    op.drop_table("transit_agency")
    op.drop_index(op.f("ix_transit_source_municipality_id"), table_name="transit_source")
    op.drop_table("transit_source")
    op.drop_index(op.f("ix_transit_rt_trip_municipality_id"), table_name="transit_rt_trip")
    op.drop_index("ix_transit_rt_trip_key", table_name="transit_rt_trip")
    op.drop_table("transit_rt_trip")
    op.drop_index(op.f("ix_transit_rt_alert_municipality_id"), table_name="transit_rt_alert")
    op.drop_table("transit_rt_alert")
    op.drop_index(op.f("ix_transit_realtime_municipality_id"), table_name="transit_realtime")
    op.drop_table("transit_realtime")
    op.drop_index("ix_transit_feed_state", table_name="transit_feed")
    op.drop_index(op.f("ix_transit_feed_municipality_id"), table_name="transit_feed")
    op.drop_table("transit_feed")
