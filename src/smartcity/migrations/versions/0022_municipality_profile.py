"""A municipality's branding and portal profile (issue 21): display name, colour and logo
version on the municipality (read with every page), and a profile row with the logo, the
contact and the texts of the legal pages.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("municipality", sa.Column("display_name", sa.String(200), nullable=True))
    op.add_column("municipality", sa.Column("brand_colour", sa.String(7), nullable=True))
    op.add_column(
        "municipality",
        sa.Column("logo_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "municipality_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_address", sa.Text(), nullable=True),
        sa.Column("imprint", sa.Text(), nullable=True),
        sa.Column("privacy", sa.Text(), nullable=True),
        sa.Column("accessibility", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_municipality_profile_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipality_profile")),
        sa.UniqueConstraint(
            "municipality_id", name=op.f("uq_municipality_profile_municipality_id")
        ),
    )
    with op.batch_alter_table("municipality_profile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_municipality_profile_municipality_id"), ["municipality_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("municipality_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipality_profile_municipality_id"))
    op.drop_table("municipality_profile")
    with op.batch_alter_table("municipality") as batch:
        batch.drop_column("logo_version")
        batch.drop_column("brand_colour")
        batch.drop_column("display_name")
