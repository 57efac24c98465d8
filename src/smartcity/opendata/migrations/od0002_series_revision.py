"""Dataset series (dcat:DatasetSeries) and the catalogue's revision counter."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "od0002"
down_revision = "od0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opendata_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "municipality_id",
            sa.Integer(),
            sa.ForeignKey("municipality.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("municipality_id", "uuid"),
    )
    op.create_table(
        "opendata_revision",
        sa.Column(
            "municipality_id",
            sa.Integer(),
            sa.ForeignKey("municipality.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("opendata_dataset", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_opendata_dataset_series_id", ["series_id"])
        batch_op.create_foreign_key(
            "fk_opendata_dataset_series_id_opendata_series",
            "opendata_series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("opendata_dataset", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_opendata_dataset_series_id_opendata_series", type_="foreignkey"
        )
        batch_op.drop_index("ix_opendata_dataset_series_id")
        batch_op.drop_column("series_id")
    op.drop_table("opendata_revision")
    op.drop_table("opendata_series")
