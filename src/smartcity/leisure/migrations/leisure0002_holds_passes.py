"""Carts that hold places (`leisure_hold`, the slot's `held` counter, a facility's hold time)
and multi-use tickets (punch cards and period tickets: products with entries or days, tickets
valid for a period with their entries counted, orders and tickets without a slot)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "leisure0002"
down_revision = "leisure0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "leisure_facility",
        sa.Column("hold_minutes", sa.Integer(), nullable=False, server_default="10"),
    )
    op.add_column(
        "leisure_slot", sa.Column("held", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("leisure_product", sa.Column("entries", sa.Integer(), nullable=True))
    op.add_column("leisure_product", sa.Column("valid_days", sa.Integer(), nullable=True))
    op.add_column(
        "leisure_product",
        sa.Column("one_per_day", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    with op.batch_alter_table("leisure_order") as batch:
        batch.alter_column("slot_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("leisure_ticket") as batch:
        batch.alter_column("slot_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("entries_total", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("entries_used", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("one_per_day", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "leisure_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=43), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("items", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["leisure_facility.id"],
            name=op.f("fk_leisure_hold_facility_id_leisure_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_hold_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["leisure_order.id"],
            name=op.f("fk_leisure_hold_order_id_leisure_order"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["leisure_slot.id"],
            name=op.f("fk_leisure_hold_slot_id_leisure_slot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_hold")),
        sa.UniqueConstraint("code", name=op.f("uq_leisure_hold_code")),
    )
    op.create_index("ix_leisure_hold_expiry", "leisure_hold", ["state", "expires_at"])
    op.create_index(
        op.f("ix_leisure_hold_municipality_id"), "leisure_hold", ["municipality_id"], unique=False
    )
    op.create_index(op.f("ix_leisure_hold_slot_id"), "leisure_hold", ["slot_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_leisure_hold_slot_id"), table_name="leisure_hold")
    op.drop_index(op.f("ix_leisure_hold_municipality_id"), table_name="leisure_hold")
    op.drop_index("ix_leisure_hold_expiry", table_name="leisure_hold")
    op.drop_table("leisure_hold")
    # Multi-use tickets have no slot: they cannot survive the way back.
    op.execute(
        "DELETE FROM leisure_scan WHERE ticket_id IN "
        "(SELECT id FROM leisure_ticket WHERE slot_id IS NULL)"
    )
    op.execute("DELETE FROM leisure_ticket WHERE slot_id IS NULL")
    op.execute("DELETE FROM leisure_order WHERE slot_id IS NULL")
    with op.batch_alter_table("leisure_ticket") as batch:
        batch.drop_column("one_per_day")
        batch.drop_column("entries_used")
        batch.drop_column("entries_total")
        batch.drop_column("valid_until")
        batch.drop_column("valid_from")
        batch.alter_column("slot_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("leisure_order") as batch:
        batch.alter_column("slot_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("leisure_product") as batch:
        batch.drop_column("one_per_day")
        batch.drop_column("valid_days")
        batch.drop_column("entries")
    with op.batch_alter_table("leisure_slot") as batch:
        batch.drop_column("held")
    with op.batch_alter_table("leisure_facility") as batch:
        batch.drop_column("hold_minutes")
