"""Water meters of the Stadtwerke and the readings citizens submit.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "water_meter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_number", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("digits", sa.Integer(), nullable=False),
        sa.Column("last_reading_liters", sa.BigInteger(), nullable=False),
        sa.Column("last_read_on", sa.Date(), nullable=False),
        sa.Column("daily_liters", sa.Float(), nullable=True),
        sa.Column("persons", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_water_meter_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_meter")),
        sa.UniqueConstraint(
            "municipality_id", "meter_number", name=op.f("uq_water_meter_municipality_id")
        ),
    )
    with op.batch_alter_table("water_meter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_water_meter_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "meter_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("reading_liters", sa.BigInteger(), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("previous_liters", sa.BigInteger(), nullable=False),
        sa.Column("previous_read_on", sa.Date(), nullable=False),
        sa.Column("consumption_liters", sa.BigInteger(), nullable=True),
        sa.Column("daily_liters", sa.Float(), nullable=True),
        sa.Column("rollover", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("tracking_code", sa.String(length=20), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["water_meter.id"],
            name=op.f("fk_meter_reading_meter_id_water_meter"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_meter_reading_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_reading")),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_meter_reading_tracking_code")),
    )
    with op.batch_alter_table("meter_reading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meter_reading_meter_id"), ["meter_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_meter_reading_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meter_reading_read_on"), ["read_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_meter_reading_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meter_reading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meter_reading_status"))
        batch_op.drop_index(batch_op.f("ix_meter_reading_read_on"))
        batch_op.drop_index(batch_op.f("ix_meter_reading_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_meter_reading_meter_id"))

    op.drop_table("meter_reading")
    with op.batch_alter_table("water_meter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_water_meter_municipality_id"))

    op.drop_table("water_meter")
