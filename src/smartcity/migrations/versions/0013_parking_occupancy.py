"""Car-park occupancy from SensorThings: a counter Datastream per car park, or sensed spaces.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("car_park", schema=None) as batch_op:
        batch_op.add_column(sa.Column("datastream_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_car_park_datastream_id_sta_datastream"),
            "sta_datastream",
            ["datastream_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "parking_space",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("car_park_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("datastream_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["car_park_id"],
            ["car_park.id"],
            name=op.f("fk_parking_space_car_park_id_car_park"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["sta_datastream.id"],
            name=op.f("fk_parking_space_datastream_id_sta_datastream"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_parking_space_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_space")),
        sa.UniqueConstraint("car_park_id", "label", name=op.f("uq_parking_space_car_park_id")),
    )
    with op.batch_alter_table("parking_space", schema=None) as batch_op:
        for column in ("car_park_id", "datastream_id", "municipality_id"):
            batch_op.create_index(batch_op.f(f"ix_parking_space_{column}"), [column], unique=False)


def downgrade() -> None:
    op.drop_table("parking_space")
    with op.batch_alter_table("car_park", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_car_park_datastream_id_sta_datastream"), type_="foreignkey"
        )
        batch_op.drop_column("closed")
        batch_op.drop_column("datastream_id")
