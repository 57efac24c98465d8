"""SensorThings MultiDatastreams; an Observation belongs to a Datastream or a MultiDatastream.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "sta_multi_datastream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("observation_type", sa.String(length=200), nullable=False),
        sa.Column("multi_observation_data_types", sa.JSON(), nullable=False),
        sa.Column("unit_of_measurements", sa.JSON(), nullable=False),
        sa.Column("observed_area", sa.JSON(), nullable=True),
        sa.Column("phenomenon_time_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phenomenon_time_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_time_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_time_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_multi_datastream_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sensor_id"],
            ["sta_sensor.id"],
            name=op.f("fk_sta_multi_datastream_sensor_id_sta_sensor"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_sta_multi_datastream_thing_id_sta_thing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_multi_datastream")),
    )
    with op.batch_alter_table("sta_multi_datastream", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_multi_datastream_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sta_multi_datastream_sensor_id"), ["sensor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sta_multi_datastream_thing_id"), ["thing_id"], unique=False
        )

    op.create_table(
        "sta_multi_datastream_observed_property",
        sa.Column("multi_datastream_id", sa.Integer(), nullable=False),
        sa.Column("observed_property_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["multi_datastream_id"],
            ["sta_multi_datastream.id"],
            name=op.f(
                "fk_sta_multi_datastream_observed_property_multi_datastream_id_sta_multi_datastream"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["observed_property_id"],
            ["sta_observed_property.id"],
            name=op.f(
                "fk_sta_multi_datastream_observed_property_observed_property_id_sta_observed_property"
            ),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "multi_datastream_id",
            "observed_property_id",
            name=op.f("pk_sta_multi_datastream_observed_property"),
        ),
    )
    with op.batch_alter_table("sta_observation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("multi_datastream_id", sa.Integer(), nullable=True))
        batch_op.alter_column("datastream_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_sta_observation_multi_datastream_id"),
            ["multi_datastream_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sta_observation_multi_datastream_id_sta_multi_datastream"),
            "sta_multi_datastream",
            ["multi_datastream_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            "one_datastream", "(datastream_id IS NULL) <> (multi_datastream_id IS NULL)"
        )


def downgrade() -> None:

    op.execute("DELETE FROM sta_observation WHERE datastream_id IS NULL")
    with op.batch_alter_table("sta_observation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_sta_observation_one_datastream"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_sta_observation_multi_datastream_id_sta_multi_datastream"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_sta_observation_multi_datastream_id"))
        batch_op.alter_column("datastream_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("multi_datastream_id")

    op.drop_table("sta_multi_datastream_observed_property")
    with op.batch_alter_table("sta_multi_datastream", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_multi_datastream_thing_id"))
        batch_op.drop_index(batch_op.f("ix_sta_multi_datastream_sensor_id"))
        batch_op.drop_index(batch_op.f("ix_sta_multi_datastream_municipality_id"))

    op.drop_table("sta_multi_datastream")
