"""The open-data catalogue: settings, datasets and their files, on the module's own branch."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "od0001"
down_revision = None
branch_labels = ("opendata",)
depends_on = "0021"


def _tenant() -> sa.Column[int]:
    return sa.Column(
        "municipality_id",
        sa.Integer(),
        sa.ForeignKey("municipality.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    )


def upgrade() -> None:
    op.create_table(
        "opendata_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("contributor_id", sa.String(200), nullable=False),
        sa.Column("licence", sa.String(200), nullable=False),
        sa.Column("min_persons", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("municipality_id"),
    )
    op.create_table(
        "opendata_dataset",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("source", sa.String(100), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(40), nullable=False),
        sa.Column("hvd_category", sa.String(40), nullable=True),
        sa.Column("api_title", sa.String(300), nullable=True),
        sa.Column("api_description", sa.Text(), nullable=True),
        sa.Column("api_path", sa.String(300), nullable=True),
        sa.Column("api_description_path", sa.String(300), nullable=True),
        sa.Column("api_conforms_to", sa.String(300), nullable=True),
        sa.Column("temporal_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("temporal_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued", sa.DateTime(timezone=True), nullable=True),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("municipality_id", "uuid"),
    )
    op.create_table(
        "opendata_distribution",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column(
            "dataset_id",
            sa.Integer(),
            sa.ForeignKey("opendata_dataset.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("byte_size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("url", sa.String(1000), nullable=True),
        sa.Column("via_api", sa.Boolean(), nullable=False),
        sa.Column("issued", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("opendata_distribution")
    op.drop_table("opendata_dataset")
    op.drop_table("opendata_settings")
