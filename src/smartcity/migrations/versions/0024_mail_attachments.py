"""Files sent with a mail (an invitation's iCalendar event), deleted with the mail.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outgoing_mail_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outgoing_mail.id"],
            name=op.f("fk_outgoing_mail_attachment_mail_id_outgoing_mail"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_outgoing_mail_attachment_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail_attachment")),
    )
    with op.batch_alter_table("outgoing_mail_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_attachment_mail_id"), ["mail_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_attachment_municipality_id"),
            ["municipality_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("outgoing_mail_attachment")
