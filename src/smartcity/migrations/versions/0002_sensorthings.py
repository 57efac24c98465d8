"""SensorThings API data model (sensing core).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "sta_location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("location", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_location_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_location")),
    )
    with op.batch_alter_table("sta_location", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_location_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "sta_observed_property",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("definition", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_observed_property_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_observed_property")),
    )
    with op.batch_alter_table("sta_observed_property", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_observed_property_municipality_id"),
            ["municipality_id"],
            unique=False,
        )

    op.create_table(
        "sta_sensor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_sensor_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_sensor")),
    )
    with op.batch_alter_table("sta_sensor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_sensor_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "sta_thing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_thing_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_thing")),
    )
    with op.batch_alter_table("sta_thing", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_thing_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "sta_datastream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("observation_type", sa.String(length=200), nullable=False),
        sa.Column("unit_of_measurement", sa.JSON(), nullable=False),
        sa.Column("observed_area", sa.JSON(), nullable=True),
        sa.Column("phenomenon_time_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phenomenon_time_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_time_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_time_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("observed_property_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_datastream_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["observed_property_id"],
            ["sta_observed_property.id"],
            name=op.f("fk_sta_datastream_observed_property_id_sta_observed_property"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sensor_id"],
            ["sta_sensor.id"],
            name=op.f("fk_sta_datastream_sensor_id_sta_sensor"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_sta_datastream_thing_id_sta_thing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_datastream")),
    )
    with op.batch_alter_table("sta_datastream", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_datastream_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sta_datastream_observed_property_id"),
            ["observed_property_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sta_datastream_sensor_id"), ["sensor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sta_datastream_thing_id"), ["thing_id"], unique=False)

    op.create_table(
        "sta_feature_of_interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("feature", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("source_location_id", sa.Integer(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_feature_of_interest_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_location_id"],
            ["sta_location.id"],
            name=op.f("fk_sta_feature_of_interest_source_location_id_sta_location"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_feature_of_interest")),
    )
    with op.batch_alter_table("sta_feature_of_interest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_feature_of_interest_municipality_id"),
            ["municipality_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sta_feature_of_interest_source_location_id"),
            ["source_location_id"],
            unique=False,
        )

    op.create_table(
        "sta_historical_location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_historical_location_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_sta_historical_location_thing_id_sta_thing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_historical_location")),
    )
    with op.batch_alter_table("sta_historical_location", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_historical_location_municipality_id"),
            ["municipality_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sta_historical_location_thing_id"), ["thing_id"], unique=False
        )

    op.create_table(
        "sta_thing_location",
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["sta_location.id"],
            name=op.f("fk_sta_thing_location_location_id_sta_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_sta_thing_location_thing_id_sta_thing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("thing_id", "location_id", name=op.f("pk_sta_thing_location")),
    )
    op.create_table(
        "sta_historical_location_location",
        sa.Column("historical_location_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["historical_location_id"],
            ["sta_historical_location.id"],
            name=op.f(
                "fk_sta_historical_location_location_historical_location_id_sta_historical_location"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["sta_location.id"],
            name=op.f("fk_sta_historical_location_location_location_id_sta_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "historical_location_id",
            "location_id",
            name=op.f("pk_sta_historical_location_location"),
        ),
    )
    op.create_table(
        "sta_observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phenomenon_time_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phenomenon_time_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_json", sa.JSON(), nullable=True),
        sa.Column("result_number", sa.Float(), nullable=True),
        sa.Column("result_string", sa.Text(), nullable=True),
        sa.Column("result_boolean", sa.Boolean(), nullable=True),
        sa.Column("result_quality", sa.JSON(), nullable=True),
        sa.Column("valid_time_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_time_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=True),
        sa.Column("datastream_id", sa.Integer(), nullable=False),
        sa.Column("feature_of_interest_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["sta_datastream.id"],
            name=op.f("fk_sta_observation_datastream_id_sta_datastream"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feature_of_interest_id"],
            ["sta_feature_of_interest.id"],
            name=op.f("fk_sta_observation_feature_of_interest_id_sta_feature_of_interest"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_observation_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_observation")),
    )
    with op.batch_alter_table("sta_observation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sta_observation_datastream_time",
            ["datastream_id", "phenomenon_time_start"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sta_observation_feature_of_interest_id"),
            ["feature_of_interest_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sta_observation_municipality_id"), ["municipality_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("sta_observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_observation_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_sta_observation_feature_of_interest_id"))
        batch_op.drop_index("ix_sta_observation_datastream_time")

    op.drop_table("sta_observation")
    op.drop_table("sta_historical_location_location")
    op.drop_table("sta_thing_location")
    with op.batch_alter_table("sta_historical_location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_historical_location_thing_id"))
        batch_op.drop_index(batch_op.f("ix_sta_historical_location_municipality_id"))

    op.drop_table("sta_historical_location")
    with op.batch_alter_table("sta_feature_of_interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_feature_of_interest_source_location_id"))
        batch_op.drop_index(batch_op.f("ix_sta_feature_of_interest_municipality_id"))

    op.drop_table("sta_feature_of_interest")
    with op.batch_alter_table("sta_datastream", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_datastream_thing_id"))
        batch_op.drop_index(batch_op.f("ix_sta_datastream_sensor_id"))
        batch_op.drop_index(batch_op.f("ix_sta_datastream_observed_property_id"))
        batch_op.drop_index(batch_op.f("ix_sta_datastream_municipality_id"))

    op.drop_table("sta_datastream")
    with op.batch_alter_table("sta_thing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_thing_municipality_id"))

    op.drop_table("sta_thing")
    with op.batch_alter_table("sta_sensor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_sensor_municipality_id"))

    op.drop_table("sta_sensor")
    with op.batch_alter_table("sta_observed_property", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_observed_property_municipality_id"))

    op.drop_table("sta_observed_property")
    with op.batch_alter_table("sta_location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_location_municipality_id"))

    op.drop_table("sta_location")
