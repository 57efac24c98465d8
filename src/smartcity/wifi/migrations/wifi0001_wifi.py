"""Public WiFi: hotspots (Things with online, clients and last-seen Datastreams), their
outages with the cases they opened, and each municipality's node-list source."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "wifi0001"
down_revision = None
branch_labels = ("wifi",)
depends_on = "0023"


def _tenant(table: str) -> list[Any]:
    return [
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f(f"fk_{table}_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "wifi_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("name_prefix", sa.String(length=50), nullable=False),
        sa.Column("offline_minutes", sa.Integer(), nullable=False),
        sa.Column("node_salt", sa.String(length=64), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=False),
        sa.Column("last_modified", sa.String(length=64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(length=300), nullable=False),
        sa.Column("result_values", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant("wifi_source"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wifi_source")),
        sa.UniqueConstraint("municipality_id", name=op.f("uq_wifi_source_municipality_id")),
    )
    op.create_index(
        op.f("ix_wifi_source_municipality_id"), "wifi_source", ["municipality_id"], unique=False
    )
    op.create_table(
        "wifi_hotspot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("thing_id", sa.Integer(), nullable=True),
        sa.Column("online_datastream_id", sa.Integer(), nullable=True),
        sa.Column("clients_datastream_id", sa.Integer(), nullable=True),
        sa.Column("last_seen_datastream_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("wifi_hotspot"),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_wifi_hotspot_thing_id_sta_thing"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["online_datastream_id"],
            ["sta_datastream.id"],
            name=op.f("fk_wifi_hotspot_online_datastream_id_sta_datastream"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["clients_datastream_id"],
            ["sta_datastream.id"],
            name=op.f("fk_wifi_hotspot_clients_datastream_id_sta_datastream"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_seen_datastream_id"],
            ["sta_datastream.id"],
            name=op.f("fk_wifi_hotspot_last_seen_datastream_id_sta_datastream"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wifi_hotspot")),
        sa.UniqueConstraint(
            "municipality_id", "node_key", name=op.f("uq_wifi_hotspot_municipality_id")
        ),
        sa.UniqueConstraint("thing_id", name=op.f("uq_wifi_hotspot_thing_id")),
    )
    op.create_index(
        op.f("ix_wifi_hotspot_municipality_id"), "wifi_hotspot", ["municipality_id"], unique=False
    )
    op.create_table(
        "wifi_outage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hotspot_id", sa.Integer(), nullable=False),
        sa.Column("offline_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("tracking_code", sa.String(length=20), nullable=True),
        *_tenant("wifi_outage"),
        sa.ForeignKeyConstraint(
            ["hotspot_id"],
            ["wifi_hotspot.id"],
            name=op.f("fk_wifi_outage_hotspot_id_wifi_hotspot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_wifi_outage_case_id_case_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wifi_outage")),
    )
    for column in ("hotspot_id", "closed_at", "municipality_id"):
        op.create_index(op.f(f"ix_wifi_outage_{column}"), "wifi_outage", [column], unique=False)


def downgrade() -> None:
    for table in ("wifi_outage", "wifi_hotspot", "wifi_source"):
        op.drop_table(table)
