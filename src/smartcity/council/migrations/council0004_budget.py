"""The budget deliberation: budget plans, their lines with the planned amounts per year, and the
factions' amendments (each filed as a paper) with their changes per year."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "council0004"
down_revision = "council0003"
branch_labels = None
depends_on = None


def _tenant(table: str) -> list[Any]:
    return [
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=f"fk_{table}_municipality_id_municipality",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def _parent(column: str, table: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


TABLES = (
    "council_budget",
    "council_budget_line",
    "council_budget_amount",
    "council_budget_amendment",
    "council_budget_change",
)


def upgrade() -> None:
    op.create_table(
        "council_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("adopted", sa.Boolean(), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("council_budget"),
    )
    op.create_table(
        "council_budget_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("product_group", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        _parent("budget_id", "council_budget_line", "council_budget", "CASCADE"),
        sa.UniqueConstraint("budget_id", "number", name="uq_council_budget_line_budget_id"),
        *_tenant("council_budget_line"),
    )
    op.create_table(
        "council_budget_amount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        _parent("line_id", "council_budget_amount", "council_budget_line", "CASCADE"),
        sa.UniqueConstraint("line_id", "year", name="uq_council_budget_amount_line_id"),
        *_tenant("council_budget_amount"),
    )
    op.create_table(
        "council_budget_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("faction_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("adopted", sa.Boolean(), nullable=True),
        _parent("line_id", "council_budget_amendment", "council_budget_line", "RESTRICT"),
        _parent("paper_id", "council_budget_amendment", "council_paper", "RESTRICT"),
        _parent("faction_id", "council_budget_amendment", "council_organization", "RESTRICT"),
        sa.UniqueConstraint("paper_id", name="uq_council_budget_amendment_paper_id"),
        *_tenant("council_budget_amendment"),
    )
    op.create_table(
        "council_budget_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("amendment_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        _parent(
            "amendment_id",
            "council_budget_change",
            "council_budget_amendment",
            "CASCADE",
        ),
        sa.UniqueConstraint("amendment_id", "year", name="uq_council_budget_change_amendment_id"),
        *_tenant("council_budget_change"),
    )
    for table in TABLES:
        op.create_index(f"ix_{table}_municipality_id", table, ["municipality_id"])
    op.create_index("ix_council_budget_line_budget_id", "council_budget_line", ["budget_id"])
    op.create_index("ix_council_budget_amount_line_id", "council_budget_amount", ["line_id"])
    op.create_index("ix_council_budget_amendment_line_id", "council_budget_amendment", ["line_id"])
    op.create_index(
        "ix_council_budget_change_amendment_id",
        "council_budget_change",
        ["amendment_id"],
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
