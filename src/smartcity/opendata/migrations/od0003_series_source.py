"""Dataset series declared by modules (their source) and withdrawn series (their status)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "od0003"
down_revision = "od0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite): existing series are the data officer's
    # and published.
    op.add_column(
        "opendata_series",
        sa.Column("source", sa.String(100), nullable=False, server_default="manual"),
    )
    op.add_column(
        "opendata_series",
        sa.Column("status", sa.String(20), nullable=False, server_default="published"),
    )
    op.create_index("ix_opendata_series_source", "opendata_series", ["source"])


def downgrade() -> None:
    op.drop_index("ix_opendata_series_source", table_name="opendata_series")
    with op.batch_alter_table("opendata_series", schema=None) as batch_op:
        batch_op.drop_column("status")
        batch_op.drop_column("source")
