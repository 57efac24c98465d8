"""The council information system: legislative terms, locations, organizations, persons,
memberships, meetings with their organizations, agenda items, papers, consultations and files
(OParl 1.1)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "council0001"
down_revision = None
branch_labels = ("council",)
depends_on = "0023"


def upgrade() -> None:
    op.create_table(
        "council_legislative_term",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_legislative_term_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_legislative_term")),
    )
    with op.batch_alter_table("council_legislative_term", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_legislative_term_municipality_id"),
            ["municipality_id"],
            unique=False,
        )

    op.create_table(
        "council_location",
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("street_address", sa.String(length=200), nullable=False),
        sa.Column("room", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("locality", sa.String(length=100), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_location_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_location")),
    )
    with op.batch_alter_table("council_location", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_location_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "council_person",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("form_of_address", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("affix", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=20), nullable=False),
        sa.Column("life", sa.Text(), nullable=False),
        sa.Column("life_source", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_person_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_person")),
    )
    with op.batch_alter_table("council_person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_person_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "council_meeting",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("meeting_state", sa.String(length=40), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["council_location.id"],
            name=op.f("fk_council_meeting_location_id_council_location"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_meeting_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_meeting")),
    )
    with op.batch_alter_table("council_meeting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_meeting_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            "ix_council_meeting_start", ["municipality_id", "start"], unique=False
        )

    op.create_table(
        "council_organization",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=50), nullable=False),
        sa.Column("organization_type", sa.String(length=40), nullable=False),
        sa.Column("classification", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("sub_organization_of_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["council_location.id"],
            name=op.f("fk_council_organization_location_id_council_location"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_organization_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sub_organization_of_id"],
            ["council_organization.id"],
            name=op.f("fk_council_organization_sub_organization_of_id_council_organization"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_organization")),
    )
    with op.batch_alter_table("council_organization", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_organization_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "council_agenda_item",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("was_public", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(length=100), nullable=False),
        sa.Column("resolution_text", sa.Text(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meeting.id"],
            name=op.f("fk_council_agenda_item_meeting_id_council_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_agenda_item_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_agenda_item")),
    )
    with op.batch_alter_table("council_agenda_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_agenda_item_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_agenda_item_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "council_meeting_organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meeting.id"],
            name=op.f("fk_council_meeting_organization_meeting_id_council_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_meeting_organization_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["council_organization.id"],
            name=op.f("fk_council_meeting_organization_organization_id_council_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_meeting_organization")),
        sa.UniqueConstraint(
            "meeting_id", "organization_id", name=op.f("uq_council_meeting_organization_meeting_id")
        ),
    )
    with op.batch_alter_table("council_meeting_organization", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_meeting_organization_municipality_id"),
            ["municipality_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_council_meeting_organization_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "council_membership",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("voting_right", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_membership_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"],
            ["council_organization.id"],
            name=op.f("fk_council_membership_on_behalf_of_id_council_organization"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["council_organization.id"],
            name=op.f("fk_council_membership_organization_id_council_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["council_person.id"],
            name=op.f("fk_council_membership_person_id_council_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_membership")),
    )
    with op.batch_alter_table("council_membership", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_membership_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "council_paper",
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("reference", sa.String(length=50), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("paper_type", sa.String(length=100), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("was_public", sa.Boolean(), nullable=False),
        sa.Column("under_direction_of_id", sa.Integer(), nullable=True),
        sa.Column("originator_organization_id", sa.Integer(), nullable=True),
        sa.Column("originator_person_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_paper_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["originator_organization_id"],
            ["council_organization.id"],
            name=op.f("fk_council_paper_originator_organization_id_council_organization"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["originator_person_id"],
            ["council_person.id"],
            name=op.f("fk_council_paper_originator_person_id_council_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["under_direction_of_id"],
            ["council_organization.id"],
            name=op.f("fk_council_paper_under_direction_of_id_council_organization"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_paper")),
    )
    with op.batch_alter_table("council_paper", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_paper_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "council_consultation",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("authoritative", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["council_agenda_item.id"],
            name=op.f("fk_council_consultation_agenda_item_id_council_agenda_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_consultation_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["council_organization.id"],
            name=op.f("fk_council_consultation_organization_id_council_organization"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["council_paper.id"],
            name=op.f("fk_council_consultation_paper_id_council_paper"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_consultation")),
    )
    with op.batch_alter_table("council_consultation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_consultation_agenda_item_id"), ["agenda_item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_consultation_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_consultation_paper_id"), ["paper_id"], unique=False
        )

    op.create_table(
        "council_file",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha512", sa.String(length=128), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("license", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("was_public", sa.Boolean(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("paper_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["council_agenda_item.id"],
            name=op.f("fk_council_file_agenda_item_id_council_agenda_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meeting.id"],
            name=op.f("fk_council_file_meeting_id_council_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_council_file_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["council_paper.id"],
            name=op.f("fk_council_file_paper_id_council_paper"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_file.id"],
            name=op.f("fk_council_file_stored_file_id_stored_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_file")),
    )
    with op.batch_alter_table("council_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_file_agenda_item_id"), ["agenda_item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_file_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_file_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_council_file_paper_id"), ["paper_id"], unique=False)


def downgrade() -> None:
    for table in (
        "council_file",
        "council_consultation",
        "council_paper",
        "council_membership",
        "council_meeting_organization",
        "council_agenda_item",
        "council_organization",
        "council_meeting",
        "council_person",
        "council_location",
        "council_legislative_term",
    ):
        op.drop_table(table)
