"""The waiting list of a slot (`leisure_waiting_entry`) and how long a facility holds an
offered place (`offer_minutes`)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "leisure0004"
down_revision = "leisure0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "leisure_facility",
        sa.Column("offer_minutes", sa.Integer(), nullable=False, server_default="60"),
    )
    op.create_table(
        "leisure_waiting_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=43), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visit_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hold_id"],
            ["leisure_hold.id"],
            name=op.f("fk_leisure_waiting_entry_hold_id_leisure_hold"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_waiting_entry_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["leisure_product.id"],
            name=op.f("fk_leisure_waiting_entry_product_id_leisure_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["leisure_slot.id"],
            name=op.f("fk_leisure_waiting_entry_slot_id_leisure_slot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_waiting_entry")),
        sa.UniqueConstraint("code", name=op.f("uq_leisure_waiting_entry_code")),
    )
    op.create_index("ix_leisure_waiting_queue", "leisure_waiting_entry", ["slot_id", "state", "id"])
    op.create_index(
        op.f("ix_leisure_waiting_entry_municipality_id"),
        "leisure_waiting_entry",
        ["municipality_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_leisure_waiting_entry_municipality_id"), table_name="leisure_waiting_entry"
    )
    op.drop_index("ix_leisure_waiting_queue", table_name="leisure_waiting_entry")
    op.drop_table("leisure_waiting_entry")
    with op.batch_alter_table("leisure_facility") as batch:
        batch.drop_column("offer_minutes")
