"""Citizen services and case files: the region's service templates and form versions,
municipalities' adoptions, drafts, submissions, cases and their events; signing keys, the mail
outbox and stored files.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=63), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("leika_key", sa.String(length=14), nullable=True),
        sa.Column("default_department", sa.String(length=100), nullable=False),
        sa.Column("default_fee_cents", sa.Integer(), nullable=False),
        sa.Column("default_processing_days", sa.Integer(), nullable=False),
        sa.Column("allows_anonymous", sa.Boolean(), nullable=False),
        sa.Column("workflow", sa.JSON(), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("retention_action", sa.String(length=10), nullable=False),
        sa.Column("decision_template", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
            name=op.f("fk_service_template_region_id_region"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_template")),
        sa.UniqueConstraint("region_id", "key", name=op.f("uq_service_template_region_id")),
    )
    with op.batch_alter_table("service_template", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_template_region_id"), ["region_id"], unique=False
        )

    op.create_table(
        "form_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("ui", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["service_template.id"],
            name=op.f("fk_form_version_template_id_service_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_version")),
        sa.UniqueConstraint("template_id", "version", name=op.f("uq_form_version_template_id")),
    )
    with op.batch_alter_table("form_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_form_version_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_outgoing_mail_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outgoing_mail_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "service_adoption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("fee_cents", sa.Integer(), nullable=True),
        sa.Column("processing_days", sa.Integer(), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("contact_phone", sa.String(length=50), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_service_adoption_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["service_template.id"],
            name=op.f("fk_service_adoption_template_id_service_template"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_adoption")),
        sa.UniqueConstraint(
            "municipality_id", "template_id", name=op.f("uq_service_adoption_municipality_id")
        ),
    )
    with op.batch_alter_table("service_adoption", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_adoption_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_adoption_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "signing_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("private_key_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_signing_key_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_key")),
        sa.UniqueConstraint("kid", name=op.f("uq_signing_key_kid")),
    )
    with op.batch_alter_table("signing_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signing_key_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("owner_kind", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha512", sa.String(length=128), nullable=False),
        sa.Column("storage_name", sa.String(length=64), nullable=False),
        sa.Column("scanned", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_stored_file_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sa.UniqueConstraint("public_id", name=op.f("uq_stored_file_public_id")),
        sa.UniqueConstraint("storage_name", name=op.f("uq_stored_file_storage_name")),
    )
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stored_file_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stored_file_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "application_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("form_version_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("resume_token_hash", sa.String(length=64), nullable=True),
        sa.Column("citizen_subject", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adoption_id"],
            ["service_adoption.id"],
            name=op.f("fk_application_draft_adoption_id_service_adoption"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["form_version_id"],
            ["form_version.id"],
            name=op.f("fk_application_draft_form_version_id_form_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_application_draft_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_draft")),
        sa.UniqueConstraint(
            "access_token_hash", name=op.f("uq_application_draft_access_token_hash")
        ),
        sa.UniqueConstraint(
            "resume_token_hash", name=op.f("uq_application_draft_resume_token_hash")
        ),
    )
    with op.batch_alter_table("application_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_draft_adoption_id"), ["adoption_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_draft_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_draft_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("form_version_id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("data_sha256", sa.String(length=64), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("citizen_subject", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adoption_id"],
            ["service_adoption.id"],
            name=op.f("fk_submission_adoption_id_service_adoption"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["form_version_id"],
            ["form_version.id"],
            name=op.f("fk_submission_form_version_id_form_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_submission_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_submission_tracking_code")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_adoption_id"), ["adoption_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_submission_citizen_subject"), ["citizen_subject"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_submission_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "case_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adoption_id"],
            ["service_adoption.id"],
            name=op.f("fk_case_file_adoption_id_service_adoption"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
            name=op.f("fk_case_file_assignee_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_case_file_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_case_file_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_case_file_submission_id")),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_file_adoption_id"), ["adoption_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_department"), ["department"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_file_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_file_status"), ["status"], unique=False)

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_case_event_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_case_event_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_event_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_event_municipality_id"), ["municipality_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_case_event_case_id"))

    op.drop_table("case_event")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_status"))
        batch_op.drop_index(batch_op.f("ix_case_file_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_case_file_department"))
        batch_op.drop_index(batch_op.f("ix_case_file_deadline"))
        batch_op.drop_index(batch_op.f("ix_case_file_created_at"))
        batch_op.drop_index(batch_op.f("ix_case_file_closed_at"))
        batch_op.drop_index(batch_op.f("ix_case_file_assignee_id"))
        batch_op.drop_index(batch_op.f("ix_case_file_adoption_id"))

    op.drop_table("case_file")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_submission_citizen_subject"))
        batch_op.drop_index(batch_op.f("ix_submission_adoption_id"))

    op.drop_table("submission")
    with op.batch_alter_table("application_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_draft_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_application_draft_expires_at"))
        batch_op.drop_index(batch_op.f("ix_application_draft_adoption_id"))

    op.drop_table("application_draft")
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_file_owner_id"))
        batch_op.drop_index(batch_op.f("ix_stored_file_municipality_id"))

    op.drop_table("stored_file")
    with op.batch_alter_table("signing_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_key_municipality_id"))

    op.drop_table("signing_key")
    with op.batch_alter_table("service_adoption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_adoption_template_id"))
        batch_op.drop_index(batch_op.f("ix_service_adoption_municipality_id"))

    op.drop_table("service_adoption")
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_sent_at"))
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_created_at"))

    op.drop_table("outgoing_mail")
    with op.batch_alter_table("form_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_version_template_id"))

    op.drop_table("form_version")
    with op.batch_alter_table("service_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_template_region_id"))

    op.drop_table("service_template")
