"""Leisure tickets: facilities, zones, slot rules and exceptions, slots, products, orders,
tickets and the scan log."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "leisure0001"
down_revision = None
branch_labels = ("leisure",)
depends_on = "0023"


def upgrade() -> None:
    op.create_table(
        "leisure_facility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("opening_hours", sa.String(length=300), nullable=False),
        sa.Column("cancel_hours", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_facility_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_facility")),
        sa.UniqueConstraint(
            "municipality_id", "slug", name=op.f("uq_leisure_facility_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_leisure_facility_municipality_id"),
        "leisure_facility",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "leisure_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("vat_basis_points", sa.Integer(), nullable=False),
        sa.Column("proof_required", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["leisure_facility.id"],
            name=op.f("fk_leisure_product_facility_id_leisure_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_product_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_product")),
    )
    op.create_index(
        op.f("ix_leisure_product_facility_id"), "leisure_product", ["facility_id"], unique=False
    )
    op.create_index(
        op.f("ix_leisure_product_municipality_id"),
        "leisure_product",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "leisure_slot_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["leisure_facility.id"],
            name=op.f("fk_leisure_slot_exception_facility_id_leisure_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_slot_exception_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_slot_exception")),
        sa.UniqueConstraint(
            "facility_id", "day", name=op.f("uq_leisure_slot_exception_facility_id")
        ),
    )
    op.create_index(
        op.f("ix_leisure_slot_exception_municipality_id"),
        "leisure_slot_exception",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "leisure_zone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["leisure_facility.id"],
            name=op.f("fk_leisure_zone_facility_id_leisure_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_zone_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_zone")),
    )
    op.create_index(
        op.f("ix_leisure_zone_facility_id"), "leisure_zone", ["facility_id"], unique=False
    )
    op.create_index(
        op.f("ix_leisure_zone_municipality_id"), "leisure_zone", ["municipality_id"], unique=False
    )
    op.create_table(
        "leisure_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["leisure_facility.id"],
            name=op.f("fk_leisure_slot_facility_id_leisure_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_slot_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["leisure_zone.id"],
            name=op.f("fk_leisure_slot_zone_id_leisure_zone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_slot")),
        sa.UniqueConstraint("zone_id", "starts_at", name=op.f("uq_leisure_slot_zone_id")),
    )
    op.create_index(
        "ix_leisure_slot_listing", "leisure_slot", ["facility_id", "starts_at"], unique=False
    )
    op.create_index(
        op.f("ix_leisure_slot_municipality_id"), "leisure_slot", ["municipality_id"], unique=False
    )
    op.create_table(
        "leisure_slot_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=7), nullable=False),
        sa.Column("first_start", sa.String(length=5), nullable=False),
        sa.Column("last_start", sa.String(length=5), nullable=False),
        sa.Column("every_minutes", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["leisure_facility.id"],
            name=op.f("fk_leisure_slot_rule_facility_id_leisure_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_slot_rule_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["leisure_zone.id"],
            name=op.f("fk_leisure_slot_rule_zone_id_leisure_zone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_slot_rule")),
    )
    op.create_index(
        op.f("ix_leisure_slot_rule_facility_id"), "leisure_slot_rule", ["facility_id"], unique=False
    )
    op.create_index(
        op.f("ix_leisure_slot_rule_municipality_id"),
        "leisure_slot_rule",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "leisure_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=43), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("citizen_subject", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("payment_provider", sa.String(length=20), nullable=False),
        sa.Column("payment_state", sa.String(length=12), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visit_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["leisure_facility.id"],
            name=op.f("fk_leisure_order_facility_id_leisure_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_order_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["leisure_slot.id"],
            name=op.f("fk_leisure_order_slot_id_leisure_slot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_order")),
        sa.UniqueConstraint("code", name=op.f("uq_leisure_order_code")),
    )
    op.create_index(
        op.f("ix_leisure_order_municipality_id"), "leisure_order", ["municipality_id"], unique=False
    )
    op.create_table(
        "leisure_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_ticket_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["leisure_order.id"],
            name=op.f("fk_leisure_ticket_order_id_leisure_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["leisure_product.id"],
            name=op.f("fk_leisure_ticket_product_id_leisure_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["leisure_slot.id"],
            name=op.f("fk_leisure_ticket_slot_id_leisure_slot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["leisure_zone.id"],
            name=op.f("fk_leisure_ticket_zone_id_leisure_zone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_ticket")),
        sa.UniqueConstraint("code", name=op.f("uq_leisure_ticket_code")),
    )
    op.create_index(
        op.f("ix_leisure_ticket_municipality_id"),
        "leisure_ticket",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_leisure_ticket_order_id"), "leisure_ticket", ["order_id"], unique=False
    )
    op.create_table(
        "leisure_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=5), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=True),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_scan_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["leisure_ticket.id"],
            name=op.f("fk_leisure_scan_ticket_id_leisure_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_scan")),
        sa.UniqueConstraint(
            "municipality_id", "nonce", name=op.f("uq_leisure_scan_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_leisure_scan_municipality_id"), "leisure_scan", ["municipality_id"], unique=False
    )
    op.create_index(op.f("ix_leisure_scan_ticket_id"), "leisure_scan", ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_leisure_scan_ticket_id"), table_name="leisure_scan")
    op.drop_index(op.f("ix_leisure_scan_municipality_id"), table_name="leisure_scan")
    op.drop_table("leisure_scan")
    op.drop_index(op.f("ix_leisure_ticket_order_id"), table_name="leisure_ticket")
    op.drop_index(op.f("ix_leisure_ticket_municipality_id"), table_name="leisure_ticket")
    op.drop_table("leisure_ticket")
    op.drop_index(op.f("ix_leisure_order_municipality_id"), table_name="leisure_order")
    op.drop_table("leisure_order")
    op.drop_index(op.f("ix_leisure_slot_rule_municipality_id"), table_name="leisure_slot_rule")
    op.drop_index(op.f("ix_leisure_slot_rule_facility_id"), table_name="leisure_slot_rule")
    op.drop_table("leisure_slot_rule")
    op.drop_index(op.f("ix_leisure_slot_municipality_id"), table_name="leisure_slot")
    op.drop_index("ix_leisure_slot_listing", table_name="leisure_slot")
    op.drop_table("leisure_slot")
    op.drop_index(op.f("ix_leisure_zone_municipality_id"), table_name="leisure_zone")
    op.drop_index(op.f("ix_leisure_zone_facility_id"), table_name="leisure_zone")
    op.drop_table("leisure_zone")
    op.drop_index(
        op.f("ix_leisure_slot_exception_municipality_id"), table_name="leisure_slot_exception"
    )
    op.drop_table("leisure_slot_exception")
    op.drop_index(op.f("ix_leisure_product_municipality_id"), table_name="leisure_product")
    op.drop_index(op.f("ix_leisure_product_facility_id"), table_name="leisure_product")
    op.drop_table("leisure_product")
    op.drop_index(op.f("ix_leisure_facility_municipality_id"), table_name="leisure_facility")
    op.drop_table("leisure_facility")
