"""The digital session: a meeting's session (open or closed, the item in progress, the video
room), members' accounts, attendance, the speakers' list, ballots and votes. Partial unique
indexes keep one open stay per member, one waiting request of each kind per member and one
open ballot per meeting; a unique constraint keeps one vote per member and ballot."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "council0002"
down_revision = "council0001"
branch_labels = None
depends_on = None


def _tenant(table: str) -> list[Any]:
    return [
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f(f"fk_{table}_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
    ]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _index_municipality(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_municipality_id"), table, ["municipality_id"])


def upgrade() -> None:
    op.create_table(
        "council_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_item_id", sa.Integer(), nullable=True),
        sa.Column("room_url", sa.String(length=500), nullable=False),
        *_tenant("council_session"),
        _fk("council_session", "meeting_id", "council_meeting", "CASCADE"),
        _fk("council_session", "current_item_id", "council_agenda_item", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_session")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_council_session_meeting_id")),
    )
    _index_municipality("council_session")

    op.create_table(
        "council_person_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("council_person_account"),
        _fk("council_person_account", "person_id", "council_person", "CASCADE"),
        _fk("council_person_account", "user_id", "user_account", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_person_account")),
        sa.UniqueConstraint("person_id", name=op.f("uq_council_person_account_person_id")),
        sa.UniqueConstraint(
            "municipality_id",
            "user_id",
            name=op.f("uq_council_person_account_municipality_id"),
        ),
    )
    _index_municipality("council_person_account")

    op.create_table(
        "council_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        *_tenant("council_attendance"),
        _fk("council_attendance", "meeting_id", "council_meeting", "CASCADE"),
        _fk("council_attendance", "person_id", "council_person", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_attendance")),
    )
    _index_municipality("council_attendance")
    op.create_index(op.f("ix_council_attendance_meeting_id"), "council_attendance", ["meeting_id"])
    op.create_index(
        "uq_council_attendance_present",
        "council_attendance",
        ["meeting_id", "person_id"],
        unique=True,
        sqlite_where=sa.text("left_at IS NULL"),
        postgresql_where=sa.text("left_at IS NULL"),
    )

    op.create_table(
        "council_speaker_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("point_of_order", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant("council_speaker_request"),
        _fk("council_speaker_request", "meeting_id", "council_meeting", "CASCADE"),
        _fk("council_speaker_request", "agenda_item_id", "council_agenda_item", "SET NULL"),
        _fk("council_speaker_request", "person_id", "council_person", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_speaker_request")),
    )
    _index_municipality("council_speaker_request")
    op.create_index(
        op.f("ix_council_speaker_request_meeting_id"), "council_speaker_request", ["meeting_id"]
    )
    op.create_index(
        "uq_council_speaker_request_waiting",
        "council_speaker_request",
        ["meeting_id", "person_id", "point_of_order"],
        unique=True,
        sqlite_where=sa.text("state = 'waiting'"),
        postgresql_where=sa.text("state = 'waiting'"),
    )

    op.create_table(
        "council_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("motion", sa.Boolean(), nullable=False),
        sa.Column("roll_call", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=40), nullable=False),
        sa.Column("yes", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("abstain", sa.Integer(), nullable=False),
        sa.Column("biased", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("factions", sa.JSON(), nullable=False),
        *_tenant("council_ballot"),
        _fk("council_ballot", "meeting_id", "council_meeting", "CASCADE"),
        _fk("council_ballot", "agenda_item_id", "council_agenda_item", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_ballot")),
    )
    _index_municipality("council_ballot")
    op.create_index(op.f("ix_council_ballot_meeting_id"), "council_ballot", ["meeting_id"])
    op.create_index(op.f("ix_council_ballot_agenda_item_id"), "council_ballot", ["agenda_item_id"])
    op.create_index(
        "uq_council_ballot_open",
        "council_ballot",
        ["meeting_id"],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )

    op.create_table(
        "council_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("faction_id", sa.Integer(), nullable=True),
        sa.Column("choice", sa.String(length=10), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        *_tenant("council_vote"),
        _fk("council_vote", "ballot_id", "council_ballot", "CASCADE"),
        _fk("council_vote", "person_id", "council_person", "CASCADE"),
        _fk("council_vote", "faction_id", "council_organization", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_vote")),
        sa.UniqueConstraint("ballot_id", "person_id", name=op.f("uq_council_vote_ballot_id")),
    )
    _index_municipality("council_vote")


def downgrade() -> None:
    for table in (
        "council_vote",
        "council_ballot",
        "council_speaker_request",
        "council_attendance",
        "council_person_account",
        "council_session",
    ):
        op.drop_table(table)
