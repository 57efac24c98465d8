"""What the citizen login says of a person that a module may check (participation's
eligibility: age and residence): date of birth, municipality key (AGS) and postal code, each
kept only when the identity provider sent a well-formed value.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("citizen_session", sa.Column("birthdate", sa.Date(), nullable=True))
    op.add_column("citizen_session", sa.Column("residence_ags", sa.String(8), nullable=True))
    op.add_column("citizen_session", sa.Column("postal_code", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("citizen_session") as batch_op:
        batch_op.drop_column("postal_code")
        batch_op.drop_column("residence_ags")
        batch_op.drop_column("birthdate")
