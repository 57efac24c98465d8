"""A request's statements stop when its budget is spent or its client left (issue 20.1 c, d),
and read-only transactions take no write lock (20.1 a)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from smartcity.core.db import READ_ONLY, QueryBudget, limited, make_session_factory

ENDLESS = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(30)",
}


def test_a_statement_stops_when_the_budget_is_spent(engine: Engine, backend: str) -> None:
    sessions = make_session_factory(engine)
    started = time.monotonic()
    with sessions() as db, db.begin():
        with pytest.raises(OperationalError), limited(db, QueryBudget(0.3)):
            db.execute(text(ENDLESS[backend]))
        db.rollback()
    assert time.monotonic() - started < 10


def test_a_statement_stops_when_the_client_leaves(engine: Engine, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL statements end by statement_timeout; the reader checks between")
    sessions = make_session_factory(engine)
    budget = QueryBudget(600)
    threading.Timer(0.3, budget.cancel).start()
    started = time.monotonic()
    with sessions() as db, db.begin(), pytest.raises(OperationalError), limited(db, budget):
        db.execute(text(ENDLESS[backend]))
    assert budget.spent()
    assert budget.cancelled
    assert time.monotonic() - started < 10


def test_the_progress_handler_is_removed_afterwards(engine: Engine, backend: str) -> None:
    if backend != "sqlite":
        # A cancelled budget stops nothing on PostgreSQL (statement_timeout does): nothing to
        # remove, and the test could not fail there.
        pytest.skip("the progress handler is SQLite's")
    sessions = make_session_factory(engine)
    with sessions() as db, db.begin():
        budget = QueryBudget(600)
        with limited(db, budget):
            assert db.execute(text("SELECT 1")).scalar() == 1
        budget.cancel()
        assert db.execute(text("SELECT 2")).scalar() == 2  # no longer stopped


def test_a_read_only_transaction_takes_no_write_lock(
    engine: Engine, backend: str, database_url: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the write lock of a file is SQLite's")
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer at work
    try:
        reading = engine.execution_options(**{READ_ONLY: True})
        with reading.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM municipality")).scalar() == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_read_only_transaction_refuses_writes_on_postgresql(engine: Engine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SET TRANSACTION READ ONLY is PostgreSQL's")
    reading = engine.execution_options(**{READ_ONLY: True})
    with pytest.raises(Exception, match="read-only"), reading.begin() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE t (x int)"))
