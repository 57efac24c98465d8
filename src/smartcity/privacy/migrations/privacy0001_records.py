"""The data-protection officer's records: data-subject requests, legal holds, consents,
breaches."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import SchemaItem

revision = "privacy0001"
down_revision = None
branch_labels = ("privacy",)
depends_on = "0021"

TIME = sa.DateTime(timezone=True)


def _tenant(table: str) -> list[SchemaItem]:
    return [
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f(f"fk_{table}_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _index(table: str, *columns: str) -> None:
    for column in ("municipality_id", *columns):
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "privacy_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("citizen_subject", sa.String(length=255), nullable=True),
        sa.Column("tracking_codes", sa.JSON(), nullable=False),
        sa.Column("correction", sa.JSON(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("reminded_at", TIME, nullable=True),
        sa.Column("identity_check", sa.Text(), nullable=True),
        sa.Column("identity_checked_by", sa.String(length=100), nullable=True),
        sa.Column("confirm_token_hash", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", TIME, nullable=True),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        *_tenant("privacy_request"),
        sa.UniqueConstraint(
            "confirm_token_hash", name=op.f("uq_privacy_request_confirm_token_hash")
        ),
    )
    _index("privacy_request", "status", "due_at")
    op.create_table(
        "privacy_legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("row_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("released_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_request.id"],
            name=op.f("fk_privacy_legal_hold_request_id_privacy_request"),
            ondelete="SET NULL",
        ),
        *_tenant("privacy_legal_hold"),
    )
    _index("privacy_legal_hold", "table_name")
    op.create_table(
        "privacy_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=63), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("citizen_subject", sa.String(length=255), nullable=True),
        sa.Column("wording", sa.String(length=500), nullable=False),
        sa.Column("given_at", TIME, nullable=False),
        sa.Column("withdrawn_at", TIME, nullable=True),
        *_tenant("privacy_consent"),
    )
    _index("privacy_consent", "purpose", "email", "citizen_subject")
    op.create_table(
        "privacy_breach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("became_known_at", TIME, nullable=False),
        sa.Column("risk", sa.String(length=10), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("subjects_affected", sa.Integer(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("authority_notified_at", TIME, nullable=True),
        sa.Column("subjects_notified_at", TIME, nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        *_tenant("privacy_breach"),
    )
    _index("privacy_breach")


def downgrade() -> None:
    for table in ("privacy_breach", "privacy_consent", "privacy_legal_hold", "privacy_request"):
        op.drop_table(table)
