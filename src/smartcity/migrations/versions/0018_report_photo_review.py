"""Photos of defect reports are public only after a clerk has looked at them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Photos filed before this version were never looked at: they wait for review too.
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("media_public", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_column("media_public")
