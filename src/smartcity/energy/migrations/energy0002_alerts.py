"""Anomaly alerts: each anomaly of a meter the platform filed a case for (once), and when a
high base load at night was found normal again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "energy0002"
down_revision = "energy0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "energy_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("tracking_code", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["energy_building.id"],
            name=op.f("fk_energy_alert_building_id_energy_building"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["energy_meter.id"],
            name=op.f("fk_energy_alert_meter_id_energy_meter"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_energy_alert_case_id_case_file"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_energy_alert_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("meter_id", "kind", "at", name=op.f("uq_energy_alert_meter_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_energy_alert")),
    )
    for column in ("municipality_id", "building_id", "meter_id", "case_id", "closed_at"):
        op.create_index(op.f(f"ix_energy_alert_{column}"), "energy_alert", [column], unique=False)


def downgrade() -> None:
    op.drop_table("energy_alert")
