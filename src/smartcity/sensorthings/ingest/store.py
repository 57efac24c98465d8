"""Writing a batch of Observations in one transaction, the fastest way each database offers:
COPY on PostgreSQL, executemany on SQLite. Ids are taken before the write (from the sequence on
PostgreSQL, after the largest id under SQLite's write lock), so no RETURNING round trip is
needed and COPY can be used. The rollups are merged in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import psycopg
from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.exc import DataError, IntegrityError

from smartcity.core.db import table_of
from smartcity.sensorthings import models, rollups
from smartcity.sensorthings.ingest.rows import NewObservation

COLUMNS = (
    "id",
    "phenomenon_time_start",
    "phenomenon_time_end",
    "result_time",
    "result_json",
    "result_number",
    "result_string",
    "result_boolean",
    "result_quality",
    "valid_time_start",
    "valid_time_end",
    "parameters",
    "datastream_id",
    "multi_datastream_id",
    "feature_of_interest_id",
    "municipality_id",
)
TABLE = table_of(models.Observation)


# Batches larger than this go through a staging table (see `_stage_and_move`); smaller ones,
# the usual case at light load, save its extra round trips.
STAGE_ABOVE = 200
STAGE = "sta_observation_stage"
_COLUMN_LIST = ", ".join(COLUMNS)
# Rollups hold numeric results of Datastreams (not MultiDatastreams), in UTC buckets. The
# buckets are upserted in key order, as `rollups.merge` does, so that two writers of the same
# buckets wait for each other instead of deadlocking.
MOVE_STAGED = f"""
WITH staged AS (
    DELETE FROM {STAGE} RETURNING {_COLUMN_LIST}
), moved AS (
    INSERT INTO sta_observation ({_COLUMN_LIST})
    SELECT {_COLUMN_LIST} FROM staged
    RETURNING datastream_id, municipality_id, phenomenon_time_start, result_number
)
INSERT INTO sta_rollup
    (datastream_id, granularity, bucket_start, count, total, minimum, maximum, municipality_id)
SELECT datastream_id, granularity,
       date_trunc(granularity, phenomenon_time_start, 'UTC') AS bucket_start,
       count(*), sum(result_number), min(result_number), max(result_number),
       min(municipality_id)
FROM moved CROSS JOIN (VALUES ('hour'), ('day')) AS g (granularity)
WHERE result_number IS NOT NULL AND datastream_id IS NOT NULL
GROUP BY datastream_id, granularity, bucket_start
ORDER BY datastream_id, granularity, bucket_start
ON CONFLICT (datastream_id, granularity, bucket_start) DO UPDATE SET
    count = sta_rollup.count + excluded.count,
    total = sta_rollup.total + excluded.total,
    minimum = least(sta_rollup.minimum, excluded.minimum),
    maximum = greatest(sta_rollup.maximum, excluded.maximum)
"""  # noqa: S608 - constant table and column names


class RowsRejected(Exception):
    """The database refused the batch: a constraint (a Datastream or FeatureOfInterest
    vanished) or a value it cannot store."""


class ObservationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._sequence: str | None = None

    def write(self, batch: Sequence[NewObservation]) -> list[int]:
        """Store the batch durably (committed) and return the new ids in batch order."""
        if not batch:
            return []
        try:
            with self.engine.begin() as connection:
                return self.write_on(connection, batch)
        # COPY talks to the driver directly, so its errors arrive unwrapped.
        except (IntegrityError, DataError, psycopg.IntegrityError, psycopg.DataError) as exc:
            raise RowsRejected(str(exc.__class__.__name__)) from exc

    def write_on(self, connection: Connection, batch: Sequence[NewObservation]) -> list[int]:
        """Write within the caller's transaction (which commits)."""
        if not batch:
            return []
        ids = self._allocate_ids(connection, len(batch))
        for observation, new_id in zip(batch, ids, strict=True):
            observation.row["id"] = new_id
        if self.postgres and len(batch) > STAGE_ABOVE:
            self._stage_and_move(connection, batch)
            return ids
        if self.postgres:
            self._copy(connection, batch, "sta_observation")
        else:
            connection.execute(insert(TABLE), [observation.row for observation in batch])
        rollups.merge(
            connection,
            self.engine.dialect.name,
            (
                (
                    o.row["municipality_id"],
                    o.row["datastream_id"],
                    o.row["phenomenon_time_start"],
                    o.row["result_number"],
                )
                for o in batch
            ),
        )
        return ids

    def _allocate_ids(self, connection: Connection, count: int) -> list[int]:
        if self.postgres:
            if self._sequence is None:
                # Looked up once: evaluated per row it took most of the allocation's time.
                self._sequence = connection.scalar(
                    text("SELECT pg_get_serial_sequence('sta_observation', 'id')")
                )
            raw: Any = connection.connection.driver_connection
            with raw.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                    (self._sequence, count),
                )
                return [row[0] for row in cursor.fetchall()]
        # BEGIN IMMEDIATE holds SQLite's write lock: nobody else can take these ids.
        largest = connection.scalar(select(func.coalesce(func.max(TABLE.c.id), 0)))
        return list(range(int(largest or 0) + 1, int(largest or 0) + 1 + count))

    def _stage_and_move(self, connection: Connection, batch: Sequence[NewObservation]) -> None:
        """A large batch is copied into a temporary table and moved from there into the
        Observations and the rollups in one statement: PostgreSQL groups the buckets, which
        in Python (merging per row, then sending arrays of bucket times) took a fifth of an
        ingesting process's CPU with many Datastreams."""
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            # One per connection (created again after a rollback took it); the move empties
            # it, so several batches may share a transaction.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (LIKE sta_observation)"  # constant name
            )
        self._copy(connection, batch, STAGE)
        with raw.cursor() as cursor:
            cursor.execute(MOVE_STAGED)

    @staticmethod
    def _copy(connection: Connection, batch: Sequence[NewObservation], table: str) -> None:
        raw: Any = connection.connection.driver_connection
        columns = ", ".join(COLUMNS)
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for observation in batch:
                row = observation.row
                copy.write_row(
                    (
                        row["id"],
                        row["phenomenon_time_start"],
                        row["phenomenon_time_end"],
                        row["result_time"],
                        _json(row["result_json"]),
                        row["result_number"],
                        row["result_string"],
                        row["result_boolean"],
                        _json(row["result_quality"]),
                        row["valid_time_start"],
                        row["valid_time_end"],
                        _json(row["parameters"]),
                        row["datastream_id"],
                        row["multi_datastream_id"],
                        row["feature_of_interest_id"],
                        row["municipality_id"],
                    )
                )


def _json(value: Any) -> str | None:
    if value is None:
        return None
    # Numbers are most results; their JSON is their repr (finite: checked on the way in).
    if type(value) is float or type(value) is int:
        return repr(value)
    return orjson.dumps(value).decode()
