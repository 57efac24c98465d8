"""Indexes the access search needs: e-mail addresses are compared without regard to case
(`lower(...)`), which no plain index serves; without these, finding one person among a million
applications read the whole table (docs/performance.md, bench/privacy.py)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "privacy0002"
down_revision = "privacy0001"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_submission_contact_email_lower", "submission", "contact_email"),
    ("ix_meter_reading_contact_email_lower", "meter_reading", "contact_email"),
    ("ix_citizen_session_email_lower", "citizen_session", "email"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [sa.text(f"lower({column})")], unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
