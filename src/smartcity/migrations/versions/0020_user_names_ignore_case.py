"""User names are unique regardless of case (`radebeul.admin` and `Radebeul.Admin` are one name).

Logins already throttled by the lower-cased name, so failures against one spelling locked out
both accounts. A unique index on `lower(username)` now keeps a second spelling from being
created; logins and look-ups compare lower-cased names. An existing database that holds two
spellings of one name cannot be migrated silently (which account would keep the name?): the
migration stops and names them, and an administrator renames one first.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    clashes = op.get_bind().execute(
        sa.text(
            "SELECT lower(username) FROM user_account GROUP BY lower(username) HAVING count(*) > 1"
        )
    )
    names = sorted(row[0] for row in clashes)
    if names:
        raise RuntimeError(
            "User names that differ only in case must be renamed before this upgrade: "
            + ", ".join(names)
        )
    op.create_index(
        "ix_user_account_username_lower",
        "user_account",
        [sa.text("lower(username)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_user_account_username_lower", table_name="user_account")
