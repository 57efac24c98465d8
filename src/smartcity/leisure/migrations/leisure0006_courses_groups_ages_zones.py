"""Courses (products of the kind `course` with their dates in `leisure_course_date`), groups
with a minimum and maximum size, age limits of a ticket, and the zones of a multi-use ticket
(`leisure_product.zone_ids`, `leisure_ticket.zone_ids`)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "leisure0006"
down_revision = "leisure0005"
branch_labels = None
depends_on = None

PRODUCT_COLUMNS = ("min_places", "max_places", "age_min", "age_max", "date_price_cents")


def upgrade() -> None:
    for name in PRODUCT_COLUMNS:
        op.add_column("leisure_product", sa.Column(name, sa.Integer(), nullable=True))
    op.add_column(
        "leisure_product",
        sa.Column("zone_ids", sa.String(length=200), nullable=False, server_default=""),
    )
    op.create_table(
        "leisure_course_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_leisure_course_date_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["leisure_product.id"],
            name=op.f("fk_leisure_course_date_product_id_leisure_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leisure_course_date")),
    )
    op.create_index(
        op.f("ix_leisure_course_date_product_id"), "leisure_course_date", ["product_id"]
    )
    op.create_index(
        op.f("ix_leisure_course_date_municipality_id"), "leisure_course_date", ["municipality_id"]
    )
    with op.batch_alter_table("leisure_ticket") as batch:
        batch.add_column(
            sa.Column("zone_ids", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("course_date_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_leisure_ticket_course_date_id_leisure_course_date"),
            "leisure_course_date",
            ["course_date_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("leisure_ticket") as batch:
        batch.drop_constraint(
            batch.f("fk_leisure_ticket_course_date_id_leisure_course_date"), type_="foreignkey"
        )
        batch.drop_column("course_date_id")
        batch.drop_column("zone_ids")
    op.drop_index(op.f("ix_leisure_course_date_municipality_id"), table_name="leisure_course_date")
    op.drop_index(op.f("ix_leisure_course_date_product_id"), table_name="leisure_course_date")
    op.drop_table("leisure_course_date")
    with op.batch_alter_table("leisure_product") as batch:
        batch.drop_column("zone_ids")
        for name in reversed(PRODUCT_COLUMNS):
            batch.drop_column(name)
