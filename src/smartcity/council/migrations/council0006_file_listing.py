"""An index holding everything OParl's file list filters and orders by (`ix_council_file_listing`):
a page of files and the list's total are read without the table's rows, which carry the files'
extracted texts. The files' meeting and agenda item indexes leave out the files without one."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "council0006"
down_revision = "council0005"
branch_labels = None
depends_on = None

# As in smartcity.council.models.LISTING_COLUMNS when this revision was written (a migration
# does not import the models: they change after it).
COLUMNS = [
    "municipality_id",
    "id",
    "public",
    "deleted",
    "was_public",
    "stored_file_id",
    "paper_id",
    "agenda_item_id",
    "meeting_id",
    "created_at",
    "modified_at",
]


# Parents most files do not have: indexed without the empty rows.
SPARSE = ("meeting_id", "agenda_item_id")


def upgrade() -> None:
    op.create_index("ix_council_file_listing", "council_file", COLUMNS)
    for column in SPARSE:
        op.drop_index(f"ix_council_file_{column}", table_name="council_file")
        condition = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_council_file_{column}",
            "council_file",
            [column],
            sqlite_where=condition,
            postgresql_where=condition,
        )


def downgrade() -> None:
    for column in SPARSE:
        op.drop_index(f"ix_council_file_{column}", table_name="council_file")
        op.create_index(f"ix_council_file_{column}", "council_file", [column])
    op.drop_index("ix_council_file_listing", table_name="council_file")
