"""Citizen participation: processes and phases, proposals with supports, threaded comments
with supports, flags for the moderation, and the ballots of participatory budgets."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "participation0001"
down_revision = None
branch_labels = ("participation",)
depends_on = "0023"


def upgrade() -> None:
    op.create_table(
        "participation_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reporter_subject", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_flag_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_flag")),
    )
    op.create_index(
        op.f("ix_participation_flag_municipality_id"),
        "participation_flag",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_flag_reporter_subject"),
        "participation_flag",
        ["reporter_subject"],
        unique=False,
    )
    op.create_table(
        "participation_process",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("support_threshold", sa.Integer(), nullable=True),
        sa.Column("budget_cents", sa.BigInteger(), nullable=True),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("tie_break", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_process_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_process")),
        sa.UniqueConstraint(
            "municipality_id", "slug", name=op.f("uq_participation_process_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_participation_process_municipality_id"),
        "participation_process",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "participation_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("receipt", sa.String(length=20), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_ballot_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["participation_process.id"],
            name=op.f("fk_participation_ballot_process_id_participation_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_ballot")),
        sa.UniqueConstraint(
            "process_id", "voter_key", name=op.f("uq_participation_ballot_process_id")
        ),
        sa.UniqueConstraint("receipt", name=op.f("uq_participation_ballot_receipt")),
    )
    op.create_index(
        op.f("ix_participation_ballot_municipality_id"),
        "participation_ballot",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_ballot_process_id"),
        "participation_ballot",
        ["process_id"],
        unique=False,
    )
    op.create_table(
        "participation_phase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_phase_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["participation_process.id"],
            name=op.f("fk_participation_phase_process_id_participation_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_phase")),
        sa.UniqueConstraint("process_id", "kind", name=op.f("uq_participation_phase_process_id")),
    )
    op.create_index(
        op.f("ix_participation_phase_municipality_id"),
        "participation_phase",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_phase_process_id"),
        "participation_phase",
        ["process_id"],
        unique=False,
    )
    op.create_table(
        "participation_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("author_subject", sa.String(length=255), nullable=True),
        sa.Column("public_name", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("supports", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=200), nullable=False),
        sa.Column("feasibility", sa.String(length=20), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.Column("cost_cents", sa.BigInteger(), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("on_ballot", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_participation_proposal_case_id_case_file"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_proposal_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["participation_process.id"],
            name=op.f("fk_participation_proposal_process_id_participation_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_proposal")),
    )
    op.create_index(
        op.f("ix_participation_proposal_author_subject"),
        "participation_proposal",
        ["author_subject"],
        unique=False,
    )
    op.create_index(
        "ix_participation_proposal_listing",
        "participation_proposal",
        ["process_id", "hidden_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_proposal_municipality_id"),
        "participation_proposal",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "participation_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_subject", sa.String(length=255), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("public_name", sa.String(length=80), nullable=False),
        sa.Column("stance", sa.String(length=10), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("supports", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=200), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["user_account.id"],
            name=op.f("fk_participation_comment_author_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_comment_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["participation_comment.id"],
            name=op.f("fk_participation_comment_parent_id_participation_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["participation_proposal.id"],
            name=op.f("fk_participation_comment_proposal_id_participation_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_comment")),
    )
    op.create_index(
        op.f("ix_participation_comment_author_subject"),
        "participation_comment",
        ["author_subject"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_comment_municipality_id"),
        "participation_comment",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_comment_proposal_id"),
        "participation_comment",
        ["proposal_id"],
        unique=False,
    )
    op.create_table(
        "participation_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("citizen_subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_support_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["participation_proposal.id"],
            name=op.f("fk_participation_support_proposal_id_participation_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_support")),
        sa.UniqueConstraint(
            "proposal_id", "citizen_subject", name=op.f("uq_participation_support_proposal_id")
        ),
    )
    op.create_index(
        op.f("ix_participation_support_citizen_subject"),
        "participation_support",
        ["citizen_subject"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_support_municipality_id"),
        "participation_support",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "participation_comment_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("citizen_subject", sa.String(length=255), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["participation_comment.id"],
            name=op.f("fk_participation_comment_support_comment_id_participation_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_comment_support_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_comment_support")),
        sa.UniqueConstraint(
            "comment_id",
            "citizen_subject",
            name=op.f("uq_participation_comment_support_comment_id"),
        ),
    )
    op.create_index(
        op.f("ix_participation_comment_support_citizen_subject"),
        "participation_comment_support",
        ["citizen_subject"],
        unique=False,
    )
    op.create_index(
        op.f("ix_participation_comment_support_municipality_id"),
        "participation_comment_support",
        ["municipality_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_participation_comment_support_municipality_id"),
        table_name="participation_comment_support",
    )
    op.drop_index(
        op.f("ix_participation_comment_support_citizen_subject"),
        table_name="participation_comment_support",
    )
    op.drop_table("participation_comment_support")
    op.drop_index(
        op.f("ix_participation_support_municipality_id"), table_name="participation_support"
    )
    op.drop_index(
        op.f("ix_participation_support_citizen_subject"), table_name="participation_support"
    )
    op.drop_table("participation_support")
    op.drop_index(op.f("ix_participation_comment_proposal_id"), table_name="participation_comment")
    op.drop_index(
        op.f("ix_participation_comment_municipality_id"), table_name="participation_comment"
    )
    op.drop_index(
        op.f("ix_participation_comment_author_subject"), table_name="participation_comment"
    )
    op.drop_table("participation_comment")
    op.drop_index(
        op.f("ix_participation_proposal_municipality_id"), table_name="participation_proposal"
    )
    op.drop_index("ix_participation_proposal_listing", table_name="participation_proposal")
    op.drop_index(
        op.f("ix_participation_proposal_author_subject"), table_name="participation_proposal"
    )
    op.drop_table("participation_proposal")
    op.drop_index(op.f("ix_participation_phase_process_id"), table_name="participation_phase")
    op.drop_index(op.f("ix_participation_phase_municipality_id"), table_name="participation_phase")
    op.drop_table("participation_phase")
    op.drop_index(op.f("ix_participation_ballot_process_id"), table_name="participation_ballot")
    op.drop_index(
        op.f("ix_participation_ballot_municipality_id"), table_name="participation_ballot"
    )
    op.drop_table("participation_ballot")
    op.drop_index(
        op.f("ix_participation_process_municipality_id"), table_name="participation_process"
    )
    op.drop_table("participation_process")
    op.drop_index(op.f("ix_participation_flag_reporter_subject"), table_name="participation_flag")
    op.drop_index(op.f("ix_participation_flag_municipality_id"), table_name="participation_flag")
    op.drop_table("participation_flag")
