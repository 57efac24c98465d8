"""On PostgreSQL, an Observation's parents are checked once per statement, not once per row.

A foreign key checks every inserted row on its own: a query that takes a key-share lock on the
parent row. With readings spread over 10,000 Datastreams that is a lock on another row for
nearly every Observation, and it doubled the database's CPU per Observation (30-37 µs against
23 µs without, measured with bench/ingestion.py on the 2-core machine, docs/performance.md).

The foreign keys of `sta_observation` (Datastream, MultiDatastream, FeatureOfInterest) and of
`sta_rollup` (Datastream, municipality) are replaced by triggers that keep what the keys did:

- after each INSERT, COPY or UPDATE of `sta_observation`, one statement-level trigger locks
  the distinct parents of the new rows (FOR KEY SHARE, as the key did, so that a concurrent delete
  waits for the commit) and raises `foreign_key_violation` if one of them does not exist;
- after a DELETE of Datastreams, MultiDatastreams or FeaturesOfInterest (also one cascaded from
  a Thing), their Observations, and a Datastream's rollups, are deleted with them.

Rollup rows are made from Observations in the same transaction, whose Datastreams that trigger
has locked; a municipality with Datastreams cannot be deleted. SQLite keeps its foreign keys
(its checks take no locks, and the embedded default is not where the rate matters).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Name → (table, definition), as migrations 0003 and 0009 created them.
FOREIGN_KEYS = {
    "fk_sta_observation_datastream_id_sta_datastream": (
        "sta_observation",
        "(datastream_id) REFERENCES sta_datastream (id) ON DELETE CASCADE",
    ),
    "fk_sta_observation_feature_of_interest_id_sta_feature_o_a1f8": (
        "sta_observation",
        "(feature_of_interest_id) REFERENCES sta_feature_of_interest (id) ON DELETE CASCADE",
    ),
    "fk_sta_observation_multi_datastream_id_sta_multi_datastream": (
        "sta_observation",
        "(multi_datastream_id) REFERENCES sta_multi_datastream (id) ON DELETE CASCADE",
    ),
    "fk_sta_rollup_datastream_id_sta_datastream": (
        "sta_rollup",
        "(datastream_id) REFERENCES sta_datastream (id) ON DELETE CASCADE",
    ),
    "fk_sta_rollup_municipality_id_municipality": (
        "sta_rollup",
        "(municipality_id) REFERENCES municipality (id) ON DELETE RESTRICT",
    ),
}

# (column of sta_observation, parent table)
PARENTS = (
    ("datastream_id", "sta_datastream"),
    ("multi_datastream_id", "sta_multi_datastream"),
    ("feature_of_interest_id", "sta_feature_of_interest"),
)


def _parent_check(column: str, parent: str) -> str:
    return f"""
    SELECT count(DISTINCT {column}) INTO wanted FROM added WHERE {column} IS NOT NULL;
    IF wanted > 0 THEN
        SELECT count(*) INTO found FROM (
            SELECT p.id FROM {parent} p
            WHERE p.id IN (SELECT {column} FROM added WHERE {column} IS NOT NULL)
            FOR KEY SHARE
        ) locked;
        IF found <> wanted THEN
            RAISE EXCEPTION 'an Observation names a row of {parent} that does not exist'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;"""  # noqa: S608 - constant table and column names


CHECK_PARENTS = f"""
CREATE FUNCTION sta_observation_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    found bigint;
BEGIN{"".join(_parent_check(column, parent) for column, parent in PARENTS)}
    RETURN NULL;
END $$
"""

# parent table → statements run with the deleted rows as `gone`
CASCADES = {
    "sta_datastream": (
        "DELETE FROM sta_observation WHERE datastream_id IN (SELECT id FROM gone);",
        "DELETE FROM sta_rollup WHERE datastream_id IN (SELECT id FROM gone);",
    ),
    "sta_multi_datastream": (
        "DELETE FROM sta_observation WHERE multi_datastream_id IN (SELECT id FROM gone);",
    ),
    "sta_feature_of_interest": (
        "DELETE FROM sta_observation WHERE feature_of_interest_id IN (SELECT id FROM gone);",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (table, _) in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    op.execute(CHECK_PARENTS)
    # One trigger per event: PostgreSQL allows transition tables only on triggers of one.
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER sta_observation_parents_{event.lower()} AFTER {event} "
            "ON sta_observation REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
            "EXECUTE FUNCTION sta_observation_parents()"
        )
    for parent, statements in CASCADES.items():
        op.execute(
            f"CREATE FUNCTION {parent}_gone() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {' '.join(statements)} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {parent}_gone AFTER DELETE ON {parent} "
            f"REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION {parent}_gone()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for parent in CASCADES:
        op.execute(f"DROP TRIGGER {parent}_gone ON {parent}")
        op.execute(f"DROP FUNCTION {parent}_gone()")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER sta_observation_parents_{event} ON sta_observation")
    op.execute("DROP FUNCTION sta_observation_parents()")
    for name, (table, definition) in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY {definition}")
