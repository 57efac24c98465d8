"""Observations keep their municipality without a foreign key of their own.

The municipality of an Observation is copied from its (Multi)Datastream, which has the
foreign key; a municipality with Datastreams cannot be deleted. The per-row check of this
second key cost a quarter of the time of a bulk write (COPY of 5,000 rows: 118 ms with it,
about 90 ms without, measured on PostgreSQL 15 on the 2-core machine, docs/performance.md).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sta_observation", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_sta_observation_municipality_id_municipality", type_="foreignkey"
        )


def downgrade() -> None:
    with op.batch_alter_table("sta_observation", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_sta_observation_municipality_id_municipality",
            "municipality",
            ["municipality_id"],
            ["id"],
            ondelete="RESTRICT",
        )
