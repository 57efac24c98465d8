"""Hourly and daily rollups of SensorThings Datastreams.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "sta_rollup",
        sa.Column("datastream_id", sa.Integer(), nullable=False),
        sa.Column("granularity", sa.String(length=8), nullable=False),
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["sta_datastream.id"],
            name=op.f("fk_sta_rollup_datastream_id_sta_datastream"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_rollup_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "datastream_id", "granularity", "bucket_start", name=op.f("pk_sta_rollup")
        ),
    )
    with op.batch_alter_table("sta_rollup", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_rollup_municipality_id"), ["municipality_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("sta_rollup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_rollup_municipality_id"))

    op.drop_table("sta_rollup")
