"""Staff account security (ASVS 6.3.2, 6.4.1, 6.4.3, 7.5.2): a second factor (authenticator
app or WebAuthn passkeys, with recovery codes), logins in steps (a session is "full" only
after every step; a WebAuthn challenge per session), initial passwords that must be changed
and expire, password resets by e-mail, and the device of each session for the list of one's
sessions.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy on SQLite, which would lose the lower(username) index).
    op.add_column(
        "user_account",
        sa.Column(
            "password_change_required", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column(
        "user_account",
        sa.Column("password_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "web_session",
        sa.Column("stage", sa.String(length=10), nullable=False, server_default="full"),
    )
    op.add_column(
        "web_session",
        sa.Column("device", sa.String(length=100), nullable=False, server_default=""),
    )
    op.add_column(
        "web_session", sa.Column("webauthn_challenge", sa.String(length=128), nullable=True)
    )
    op.create_table(
        "webauthn_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.String(length=2000), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_webauthn_credential_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webauthn_credential")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_webauthn_credential_credential_id")),
    )
    with op.batch_alter_table("webauthn_credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webauthn_credential_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "totp_credential",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_sealed", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_totp_credential_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_totp_credential")),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_recovery_code_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_code_code_hash")),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_user_id"), ["user_id"], unique=False)
    op.create_table(
        "password_reset",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_password_reset_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_password_reset")),
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_password_reset_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("password_reset")
    op.drop_table("recovery_code")
    op.drop_table("totp_credential")
    op.drop_table("webauthn_credential")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_column("webauthn_challenge")
        batch_op.drop_column("device")
        batch_op.drop_column("stage")
    # SQLite copies the table to drop a column; the expression index does not survive that.
    op.drop_index("ix_user_account_username_lower", table_name="user_account")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("password_expires_at")
        batch_op.drop_column("password_change_required")
    op.create_index(
        "ix_user_account_username_lower",
        "user_account",
        [sa.text("lower(username)")],
        unique=True,
    )
