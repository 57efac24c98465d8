"""The tiny module's table, on a branch of its own."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tiny0001"
down_revision = None
branch_labels = ("tiny",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "tiny_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column(
            "municipality_id",
            sa.Integer(),
            sa.ForeignKey("municipality.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
    )


def downgrade() -> None:
    op.drop_table("tiny_note")
