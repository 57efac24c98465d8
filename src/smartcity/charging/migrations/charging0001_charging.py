"""EV charging points: operators, locations, EVSEs, connectors, ad-hoc tariffs and the
roaming partners' OCPI tokens."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "charging0001"
down_revision = None
branch_labels = ("charging",)
depends_on = "0023"


def upgrade() -> None:
    op.create_table(
        "charging_operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("website", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_charging_operator_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_operator")),
        sa.UniqueConstraint(
            "municipality_id",
            "country_code",
            "party_id",
            name=op.f("uq_charging_operator_municipality_id"),
        ),
    )
    op.create_index(
        op.f("ix_charging_operator_municipality_id"),
        "charging_operator",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "charging_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_charging_partner_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_partner")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_charging_partner_token_hash")),
    )
    op.create_index(
        op.f("ix_charging_partner_municipality_id"),
        "charging_partner",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "charging_location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("ocpi_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("city", sa.String(length=45), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("parking_type", sa.String(length=20), nullable=True),
        sa.Column("facilities", sa.JSON(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("green_energy", sa.Boolean(), nullable=False),
        sa.Column("supplier_name", sa.String(length=64), nullable=False),
        sa.Column("energy_product_name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_charging_location_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["charging_operator.id"],
            name=op.f("fk_charging_location_operator_id_charging_operator"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_location")),
        sa.UniqueConstraint(
            "municipality_id", "ocpi_id", name=op.f("uq_charging_location_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_charging_location_municipality_id"),
        "charging_location",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "charging_tariff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("ocpi_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("energy_price", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("time_price", sa.Numeric(precision=10, scale=4), nullable=True),
        sa.Column("flat_price", sa.Numeric(precision=10, scale=4), nullable=True),
        sa.Column("vat_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_charging_tariff_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["charging_operator.id"],
            name=op.f("fk_charging_tariff_operator_id_charging_operator"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_tariff")),
        sa.UniqueConstraint(
            "municipality_id", "ocpi_id", name=op.f("uq_charging_tariff_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_charging_tariff_municipality_id"),
        "charging_tariff",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "charging_evse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("evse_id", sa.String(length=48), nullable=False),
        sa.Column("physical_reference", sa.String(length=16), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("parking_restrictions", sa.JSON(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=True),
        sa.Column("thing_id", sa.Integer(), nullable=True),
        sa.Column("datastream_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["sta_datastream.id"],
            name=op.f("fk_charging_evse_datastream_id_sta_datastream"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["charging_location.id"],
            name=op.f("fk_charging_evse_location_id_charging_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_charging_evse_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["charging_tariff.id"],
            name=op.f("fk_charging_evse_tariff_id_charging_tariff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_charging_evse_thing_id_sta_thing"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_evse")),
        sa.UniqueConstraint(
            "municipality_id", "uid", name=op.f("uq_charging_evse_municipality_id")
        ),
        sa.UniqueConstraint("thing_id", name=op.f("uq_charging_evse_thing_id")),
    )
    op.create_index(
        op.f("ix_charging_evse_location_id"), "charging_evse", ["location_id"], unique=False
    )
    op.create_index(
        op.f("ix_charging_evse_municipality_id"), "charging_evse", ["municipality_id"], unique=False
    )
    op.create_table(
        "charging_connector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.String(length=36), nullable=False),
        sa.Column("standard", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("power_type", sa.String(length=20), nullable=False),
        sa.Column("max_voltage", sa.Integer(), nullable=False),
        sa.Column("max_amperage", sa.Integer(), nullable=False),
        sa.Column("max_electric_power", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evse_id"],
            ["charging_evse.id"],
            name=op.f("fk_charging_connector_evse_id_charging_evse"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_charging_connector_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_connector")),
        sa.UniqueConstraint("evse_id", "connector_id", name=op.f("uq_charging_connector_evse_id")),
    )
    op.create_index(
        op.f("ix_charging_connector_municipality_id"),
        "charging_connector",
        ["municipality_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "charging_connector",
        "charging_evse",
        "charging_location",
        "charging_tariff",
        "charging_partner",
        "charging_operator",
    ):
        op.drop_table(table)
