"""One-time voting codes for participatory budgets, how a process's voters identify, a
knapsack's minimum share of the budget, partial funding, and followers of proposals.

Expand only: the new columns have server defaults, so the previous release keeps creating
processes (with the citizen login, as before) while both run side by side."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "participation0002"
down_revision = "participation0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "participation_process",
        sa.Column("identification", sa.String(10), nullable=False, server_default="login"),
    )
    op.add_column(
        "participation_process",
        sa.Column("min_share_percent", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "participation_process",
        sa.Column("partial_funding", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "participation_voting_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_voting_code_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["participation_process.id"],
            name=op.f("fk_participation_voting_code_process_id_participation_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_voting_code")),
        sa.UniqueConstraint(
            "code_hash", "process_id", name=op.f("uq_participation_voting_code_code_hash")
        ),
        sa.UniqueConstraint(
            "serial", "process_id", name=op.f("uq_participation_voting_code_serial")
        ),
    )
    op.create_index(
        op.f("ix_participation_voting_code_municipality_id"),
        "participation_voting_code",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_voting_code_process_id"),
        "participation_voting_code",
        ["process_id"],
        unique=False,
    )
    op.create_table(
        "participation_follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("citizen_subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_follow_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["participation_proposal.id"],
            name=op.f("fk_participation_follow_proposal_id_participation_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_follow")),
        sa.UniqueConstraint(
            "proposal_id", "citizen_subject", name=op.f("uq_participation_follow_proposal_id")
        ),
    )
    for column in ("municipality_id", "proposal_id", "citizen_subject"):
        op.create_index(op.f(f"ix_participation_follow_{column}"), "participation_follow", [column])


def downgrade() -> None:
    op.drop_table("participation_follow")
    op.drop_table("participation_voting_code")
    with op.batch_alter_table("participation_process") as batch_op:
        batch_op.drop_column("partial_funding")
        batch_op.drop_column("min_share_percent")
        batch_op.drop_column("identification")
