"""Street lighting: groups with their programs, luminaires, faults.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _tenant(table: str) -> list[sa.schema.SchemaItem]:
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
        "lighting_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("program", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("lighting_group"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lighting_group")),
        sa.UniqueConstraint(
            "municipality_id", "name", name=op.f("uq_lighting_group_municipality_id")
        ),
    )
    streams = ("power", "energy", "dim", "hours", "motion")
    op.create_table(
        "luminaire",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("rated_power_w", sa.Float(), nullable=False),
        sa.Column("single_lamp", sa.Boolean(), nullable=False),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        *[sa.Column(f"{s}_datastream_id", sa.Integer(), nullable=False) for s in streams],
        sa.Column("tasking_capability_id", sa.Integer(), nullable=False),
        sa.Column("commanded_level", sa.Integer(), nullable=True),
        sa.Column("commanded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("luminaire"),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["lighting_group.id"],
            name=op.f("fk_luminaire_group_id_lighting_group"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_luminaire_thing_id_sta_thing"),
            ondelete="CASCADE",
        ),
        *[
            sa.ForeignKeyConstraint(
                [f"{s}_datastream_id"],
                ["sta_datastream.id"],
                name=op.f(f"fk_luminaire_{s}_datastream_id_sta_datastream"),
            )
            for s in streams
        ],
        sa.ForeignKeyConstraint(
            ["tasking_capability_id"],
            ["sta_tasking_capability.id"],
            name=op.f("fk_luminaire_tasking_capability_id_sta_tasking_capability"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_luminaire")),
        sa.UniqueConstraint("thing_id", name=op.f("uq_luminaire_thing_id")),
    )
    op.create_table(
        "lamp_fault",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("luminaire_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("tracking_code", sa.String(length=20), nullable=True),
        *_tenant("lamp_fault"),
        sa.ForeignKeyConstraint(
            ["luminaire_id"],
            ["luminaire.id"],
            name=op.f("fk_lamp_fault_luminaire_id_luminaire"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_lamp_fault_case_id_case_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lamp_fault")),
    )
    for table, columns in (
        ("lighting_group", ("municipality_id",)),
        ("luminaire", ("municipality_id", "group_id")),
        ("lamp_fault", ("municipality_id", "luminaire_id", "closed_at")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    op.drop_table("lamp_fault")
    op.drop_table("luminaire")
    op.drop_table("lighting_group")
