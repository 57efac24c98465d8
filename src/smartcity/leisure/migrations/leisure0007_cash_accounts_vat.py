"""Who took a cash-desk payment and who paid it back (`leisure_order.paid_by`,
`refunded_by`), and the VAT rate each ticket was sold at (`leisure_ticket.vat_basis_points`,
filled for existing tickets with their product's rate at the time of this migration)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "leisure0007"
down_revision = "leisure0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leisure_order", sa.Column("paid_by", sa.String(length=40), nullable=True))
    op.add_column("leisure_order", sa.Column("refunded_by", sa.String(length=40), nullable=True))
    op.add_column("leisure_ticket", sa.Column("vat_basis_points", sa.Integer(), nullable=True))
    # The best knowledge of the rate an existing ticket was sold at is its product's rate now.
    op.execute(
        "UPDATE leisure_ticket SET vat_basis_points = (SELECT leisure_product.vat_basis_points "
        "FROM leisure_product WHERE leisure_product.id = leisure_ticket.product_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("leisure_ticket") as batch:
        batch.drop_column("vat_basis_points")
    with op.batch_alter_table("leisure_order") as batch:
        batch.drop_column("refunded_by")
        batch.drop_column("paid_by")
