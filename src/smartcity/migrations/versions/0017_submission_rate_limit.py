"""Anonymous submissions per client address (rate limit).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_hit")),
    )
    with op.batch_alter_table("submission_hit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_hit_client_key"), ["client_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_submission_hit_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("submission_hit")
