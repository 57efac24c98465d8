"""Smart benches and the municipality's air-quality state.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bench",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_bench_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_bench_thing_id_sta_thing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bench")),
        sa.UniqueConstraint("thing_id", name=op.f("uq_bench_thing_id")),
    )
    with op.batch_alter_table("bench", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bench_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "air_quality_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("eaqi_rank", sa.Integer(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert_email", sa.String(length=254), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_air_quality_state_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_air_quality_state")),
        sa.UniqueConstraint("municipality_id", name=op.f("uq_air_quality_state_municipality_id")),
    )
    with op.batch_alter_table("air_quality_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_air_quality_state_municipality_id"), ["municipality_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("air_quality_state")
    op.drop_table("bench")
