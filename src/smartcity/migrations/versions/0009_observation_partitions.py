"""Observations partitioned by phenomenon time on PostgreSQL.

`sta_observation` becomes a table partitioned by range of `phenomenon_time_start`, one
partition per calendar month (UTC), so retention drops whole months instead of deleting rows
one by one. This migration creates the partitioned table with its default partition and moves
the existing rows into it; the application's partition job (`sensorthings.partitions`, run at
start-up and every hour) creates the monthly partitions and moves rows out of the default.

A partitioned table's primary key must contain the partition key: it is
(id, phenomenon_time_start). Ids still come from the one sequence, which keeps them unique.
SQLite is left as it is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_sta_observation_datastream_time": "(datastream_id, phenomenon_time_start)",
    "ix_sta_observation_feature_of_interest_id": "(feature_of_interest_id)",
    "ix_sta_observation_multi_datastream_id": "(multi_datastream_id)",
}
FOREIGN_KEYS = {
    "fk_sta_observation_datastream_id_sta_datastream": "(datastream_id) "
    "REFERENCES sta_datastream (id) ON DELETE CASCADE",
    # SQLAlchemy's naming convention shortens names beyond PostgreSQL's 63 characters so.
    "fk_sta_observation_feature_of_interest_id_sta_feature_o_a1f8": "(feature_of_interest_id) "
    "REFERENCES sta_feature_of_interest (id) ON DELETE CASCADE",
    "fk_sta_observation_multi_datastream_id_sta_multi_datastream": "(multi_datastream_id) "
    "REFERENCES sta_multi_datastream (id) ON DELETE CASCADE",
}


def _rebuild(partitioned: bool) -> None:
    """Replace sta_observation by a copy of itself, partitioned or plain."""
    op.execute("ALTER TABLE sta_observation RENAME TO sta_observation_old")
    # The sequence outlives the old table: the new one takes it over.
    op.execute("ALTER SEQUENCE sta_observation_id_seq OWNED BY NONE")
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("ALTER TABLE sta_observation_old DROP CONSTRAINT pk_sta_observation")
    partition_by = " PARTITION BY RANGE (phenomenon_time_start)" if partitioned else ""
    op.execute(
        "CREATE TABLE sta_observation (LIKE sta_observation_old "
        f"INCLUDING DEFAULTS INCLUDING CONSTRAINTS){partition_by}"
    )
    key = "id, phenomenon_time_start" if partitioned else "id"
    op.execute(f"ALTER TABLE sta_observation ADD CONSTRAINT pk_sta_observation PRIMARY KEY ({key})")
    for name, definition in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE sta_observation ADD CONSTRAINT {name} FOREIGN KEY {definition}")
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON sta_observation {columns}")
    if partitioned:
        op.execute("CREATE TABLE sta_observation_default PARTITION OF sta_observation DEFAULT")
    op.execute("INSERT INTO sta_observation SELECT * FROM sta_observation_old")
    op.execute("DROP TABLE sta_observation_old")
    op.execute("ALTER SEQUENCE sta_observation_id_seq OWNED BY sta_observation.id")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(partitioned=False)
