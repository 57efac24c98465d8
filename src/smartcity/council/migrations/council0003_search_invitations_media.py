"""Full-text search over papers and their files' texts (PostgreSQL: German text search with
GIN indexes; SQLite: an FTS5 table kept by triggers), members' contact addresses, the
invitations sent, and meetings' streams and recordings."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "council0003"
down_revision = "council0002"
branch_labels = None
depends_on = "0024"

# The expressions the search queries use (council/search.py); the same text, so that the
# planner uses the indexes.
PAPER_DOCUMENT = "to_tsvector('german'::regconfig, reference || ' ' || name)"
FILE_DOCUMENT = "to_tsvector('german'::regconfig, name || ' ' || text)"

# SQLite: one FTS5 table; rowid 2·id for a paper, 2·id + 1 for a file.
FTS_TRIGGERS = (
    """CREATE TRIGGER council_fts_paper_insert AFTER INSERT ON council_paper BEGIN
        INSERT INTO council_fts(rowid, body, municipality_id)
        VALUES (2 * new.id, new.reference || ' ' || new.name, new.municipality_id);
    END""",
    """CREATE TRIGGER council_fts_paper_update AFTER UPDATE OF reference, name ON council_paper
    BEGIN
        DELETE FROM council_fts WHERE rowid = 2 * old.id;
        INSERT INTO council_fts(rowid, body, municipality_id)
        VALUES (2 * new.id, new.reference || ' ' || new.name, new.municipality_id);
    END""",
    """CREATE TRIGGER council_fts_paper_delete AFTER DELETE ON council_paper BEGIN
        DELETE FROM council_fts WHERE rowid = 2 * old.id;
    END""",
    """CREATE TRIGGER council_fts_file_insert AFTER INSERT ON council_file BEGIN
        INSERT INTO council_fts(rowid, body, municipality_id)
        VALUES (2 * new.id + 1, new.name || ' ' || new.text, new.municipality_id);
    END""",
    """CREATE TRIGGER council_fts_file_update AFTER UPDATE OF name, text ON council_file BEGIN
        DELETE FROM council_fts WHERE rowid = 2 * old.id + 1;
        INSERT INTO council_fts(rowid, body, municipality_id)
        VALUES (2 * new.id + 1, new.name || ' ' || new.text, new.municipality_id);
    END""",
    """CREATE TRIGGER council_fts_file_delete AFTER DELETE ON council_file BEGIN
        DELETE FROM council_fts WHERE rowid = 2 * old.id + 1;
    END""",
)


def _tenant(table: str) -> list[Any]:
    return [
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=f"fk_{table}_municipality_id_municipality",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "council_person_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["council_person.id"],
            name="fk_council_person_contact_person_id_council_person",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("person_id", name="uq_council_person_contact_person_id"),
        *_tenant("council_person_contact"),
    )
    op.create_table(
        "council_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meeting.id"],
            name="fk_council_invitation_meeting_id_council_meeting",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["council_person.id"],
            name="fk_council_invitation_person_id_council_person",
            ondelete="CASCADE",
        ),
        *_tenant("council_invitation"),
    )
    op.create_table(
        "council_meeting_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("stream_url", sa.String(length=500), nullable=False),
        sa.Column("recording_url", sa.String(length=500), nullable=False),
        sa.Column("recording_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meeting.id"],
            name="fk_council_meeting_media_meeting_id_council_meeting",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("meeting_id", name="uq_council_meeting_media_meeting_id"),
        *_tenant("council_meeting_media"),
    )
    for table in ("council_person_contact", "council_invitation", "council_meeting_media"):
        op.create_index(f"ix_{table}_municipality_id", table, ["municipality_id"])
    op.create_index("ix_council_invitation_meeting_id", "council_invitation", ["meeting_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX ix_council_paper_search ON council_paper USING gin ({PAPER_DOCUMENT})"
        )
        op.execute(
            f"CREATE INDEX ix_council_file_search ON council_file USING gin ({FILE_DOCUMENT})"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE council_fts USING fts5("
            "body, municipality_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
        )
        for trigger in FTS_TRIGGERS:
            op.execute(trigger)
        op.execute(
            "INSERT INTO council_fts(rowid, body, municipality_id) "
            "SELECT 2 * id, reference || ' ' || name, municipality_id FROM council_paper"
        )
        op.execute(
            "INSERT INTO council_fts(rowid, body, municipality_id) "
            "SELECT 2 * id + 1, name || ' ' || text, municipality_id FROM council_file"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_council_file_search")
        op.execute("DROP INDEX IF EXISTS ix_council_paper_search")
    else:
        for name in ("paper", "file"):
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS council_fts_{name}_{event}")
        op.execute("DROP TABLE IF EXISTS council_fts")
    op.drop_table("council_meeting_media")
    op.drop_table("council_invitation")
    op.drop_table("council_person_contact")
