"""Energy of municipal buildings: buildings, meters, meter exchanges and reference values."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "energy0001"
down_revision = None
branch_labels = ("energy",)
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
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _index(table: str, column: str = "municipality_id") -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "energy_building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("use_type", sa.String(length=40), nullable=False),
        sa.Column("floor_area_m2", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("thing_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_energy_building_thing_id_sta_thing"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "municipality_id", "name", name=op.f("uq_energy_building_municipality_id")
        ),
        sa.UniqueConstraint("thing_id", name=op.f("uq_energy_building_thing_id")),
        *_tenant("energy_building"),
    )
    _index("energy_building")
    op.create_table(
        "energy_meter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("digits", sa.Integer(), nullable=True),
        sa.Column("kwh_per_m3", sa.Float(), nullable=True),
        sa.Column("datastream_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["energy_building.id"],
            name=op.f("fk_energy_meter_building_id_energy_building"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["sta_datastream.id"],
            name=op.f("fk_energy_meter_datastream_id_sta_datastream"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "municipality_id", "number", name=op.f("uq_energy_meter_municipality_id")
        ),
        sa.UniqueConstraint("datastream_id", name=op.f("uq_energy_meter_datastream_id")),
        *_tenant("energy_meter"),
    )
    _index("energy_meter")
    _index("energy_meter", "building_id")
    op.create_table(
        "energy_meter_exchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("exchanged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_final", sa.Float(), nullable=False),
        sa.Column("new_start", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["energy_meter.id"],
            name=op.f("fk_energy_meter_exchange_meter_id_energy_meter"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "meter_id", "exchanged_at", name=op.f("uq_energy_meter_exchange_meter_id")
        ),
        *_tenant("energy_meter_exchange"),
    )
    _index("energy_meter_exchange")
    _index("energy_meter_exchange", "meter_id")
    op.create_table(
        "energy_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_type", sa.String(length=40), nullable=False),
        sa.Column("heat_kwh_m2", sa.Float(), nullable=False),
        sa.Column("electricity_kwh_m2", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "municipality_id", "use_type", name=op.f("uq_energy_reference_municipality_id")
        ),
        *_tenant("energy_reference"),
    )
    _index("energy_reference")


def downgrade() -> None:
    for table in ("energy_reference", "energy_meter_exchange", "energy_meter", "energy_building"):
        op.drop_table(table)
