"""Drop the tenant-column indexes of observations and rollups (they misled SQLite's planner).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("sta_observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_observation_municipality_id"))

    with op.batch_alter_table("sta_rollup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_rollup_municipality_id"))


def downgrade() -> None:

    with op.batch_alter_table("sta_rollup", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_rollup_municipality_id"), ["municipality_id"], unique=False
        )

    with op.batch_alter_table("sta_observation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_observation_municipality_id"), ["municipality_id"], unique=False
        )
