"""Citizens following a paper or a committee by e-mail (`council_follow`)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "council0005"
down_revision = "council0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("citizen_subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(paper_id IS NULL AND organization_id IS NOT NULL) "
            "OR (paper_id IS NOT NULL AND organization_id IS NULL)",
            name="ck_council_follow_one_target",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name="fk_council_follow_municipality_id_municipality",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["council_paper.id"],
            name="fk_council_follow_paper_id_council_paper",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["council_organization.id"],
            name="fk_council_follow_organization_id_council_organization",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_council_follow"),
        sa.UniqueConstraint("paper_id", "citizen_subject", name="uq_council_follow_paper_id"),
        sa.UniqueConstraint(
            "organization_id", "citizen_subject", name="uq_council_follow_organization_id"
        ),
    )
    for column in ("municipality_id", "paper_id", "organization_id", "citizen_subject"):
        op.create_index(f"ix_council_follow_{column}", "council_follow", [column])


def downgrade() -> None:
    op.drop_table("council_follow")
