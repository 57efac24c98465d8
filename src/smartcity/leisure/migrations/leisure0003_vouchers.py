"""Vouchers and gift cards (`leisure_voucher`), a slot's voucher-only places (`reserved`),
and the voucher of a cart and of an order with what it was worth."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "leisure0003"
down_revision = "leisure0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leisure_voucher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("balance_cents", sa.Integer(), nullable=False),
        sa.Column("initial_cents", sa.Integer(), nullable=False),
        sa.Column("unlocks_reserved", sa.Boolean(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["leisure_facility.id"],
            name=op.f("fk_leisure_voucher_facility_id_leisure_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_voucher_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["leisure_product.id"],
            name=op.f("fk_leisure_voucher_product_id_leisure_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_voucher")),
        sa.UniqueConstraint("code", name=op.f("uq_leisure_voucher_code")),
    )
    op.create_index(
        op.f("ix_leisure_voucher_facility_id"), "leisure_voucher", ["facility_id"], unique=False
    )
    op.create_index(
        op.f("ix_leisure_voucher_municipality_id"),
        "leisure_voucher",
        ["municipality_id"],
        unique=False,
    )
    op.add_column(
        "leisure_slot", sa.Column("reserved", sa.Integer(), nullable=False, server_default="0")
    )
    for table in ("leisure_hold", "leisure_order"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("voucher_id", sa.Integer(), nullable=True))
            batch.add_column(
                sa.Column("voucher_cents", sa.Integer(), nullable=False, server_default="0")
            )
            batch.create_foreign_key(
                f"fk_{table}_voucher_id_leisure_voucher",
                "leisure_voucher",
                ["voucher_id"],
                ["id"],
                ondelete="SET NULL",
            )


def downgrade() -> None:
    for table in ("leisure_order", "leisure_hold"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_voucher_id_leisure_voucher", type_="foreignkey")
            batch.drop_column("voucher_cents")
            batch.drop_column("voucher_id")
    with op.batch_alter_table("leisure_slot") as batch:
        batch.drop_column("reserved")
    op.drop_index(op.f("ix_leisure_voucher_municipality_id"), table_name="leisure_voucher")
    op.drop_index(op.f("ix_leisure_voucher_facility_id"), table_name="leisure_voucher")
    op.drop_table("leisure_voucher")
