"""Documents and images of processes and proposals, blocked accounts and the word list that
holds posts for review, and paper ballots entered under four eyes.

Expand only: the new columns are nullable or have server defaults, so the previous release
keeps working beside this one (it does not know held posts, which stay held)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "participation0004"
down_revision = "participation0003"
branch_labels = None
depends_on = None


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["municipality_id"],
        ["municipality.id"],
        name=op.f(f"fk_{table}_municipality_id_municipality"),
        ondelete="RESTRICT",
    )


def _index(table: str, *columns: str, unique: bool = False) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=unique)


def upgrade() -> None:
    op.add_column(
        "participation_proposal",
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "participation_comment",
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "participation_ballot",
        sa.Column("paper", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    table = "participation_attachment"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_file.id"],
            name=op.f("fk_participation_attachment_file_id_stored_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["participation_process.id"],
            name=op.f("fk_participation_attachment_process_id_participation_process"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["participation_proposal.id"],
            name=op.f("fk_participation_attachment_proposal_id_participation_proposal"),
            ondelete="CASCADE",
        ),
        _tenant_fk(table),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_attachment")),
        sa.UniqueConstraint("file_id", name=op.f("uq_participation_attachment_file_id")),
    )
    _index(table, "municipality_id", "process_id", "proposal_id")
    table = "participation_block"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_subject", sa.String(length=255), nullable=False),
        sa.Column("public_name", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("blocked_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        _tenant_fk(table),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_block")),
        sa.UniqueConstraint(
            "citizen_subject",
            "municipality_id",
            name=op.f("uq_participation_block_citizen_subject"),
        ),
    )
    _index(table, "municipality_id")
    table = "participation_held_word"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        _tenant_fk(table),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_held_word")),
        sa.UniqueConstraint(
            "word", "municipality_id", name=op.f("uq_participation_held_word_word")
        ),
    )
    _index(table, "municipality_id")
    table = "participation_paper_ballot"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["participation_process.id"],
            name=op.f("fk_participation_paper_ballot_process_id_participation_process"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["participation_district.id"],
            name=op.f("fk_participation_paper_ballot_district_id_participation_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"],
            ["user_account.id"],
            name=op.f("fk_participation_paper_ballot_entered_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_participation_paper_ballot_decided_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["participation_ballot.id"],
            name=op.f("fk_participation_paper_ballot_ballot_id_participation_ballot"),
            ondelete="SET NULL",
        ),
        _tenant_fk(table),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_paper_ballot")),
    )
    _index(table, "municipality_id", "process_id")


def downgrade() -> None:
    op.drop_table("participation_paper_ballot")
    op.drop_table("participation_held_word")
    op.drop_table("participation_block")
    op.drop_table("participation_attachment")
    with op.batch_alter_table("participation_ballot") as batch_op:
        batch_op.drop_column("paper")
    with op.batch_alter_table("participation_comment") as batch_op:
        batch_op.drop_column("held_at")
    with op.batch_alter_table("participation_proposal") as batch_op:
        batch_op.drop_column("held_at")
