"""Engine and session construction for SQLite (embedded default) and PostgreSQL (at scale)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    Table,
    TypeDecorator,
    any_,
    create_engine,
    event,
    literal,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from smartcity.core.spatial import register_sqlite_functions

# Numbers in queries ($top, $filter literals) may be 64-bit integers.
MAX_ID = 2**63 - 1
# Row ids are 32-bit integer columns (SERIAL) in both databases: a larger number names nothing,
# and must not reach PostgreSQL, which would refuse the comparison instead of finding nothing.
MAX_ROW_ID = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both backends (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC values")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[Any]) -> Table:
    """A mapped class's table, for Core statements where the ORM's unit of work and
    execution cost more than the statement (measured hot paths)."""
    return cast(Table, model.__table__)


# Execution option of an engine whose transactions only read (see _configure_sqlite).
READ_ONLY = "smartcity_read_only"


# Session.info key of a session whose transaction only reads (the request dependency sets it).
READ_ONLY_SESSION = "read_only"


def is_read_only(db: Session) -> bool:
    return bool(db.info.get(READ_ONLY_SESSION))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# Request threads are limited to fewer than the pool holds (core.http.limits), so a request
# waits for its turn in the event loop, not for a connection; a wait here means something
# else holds connections, and is answered with a 503 after this many seconds.
POOL_TIMEOUT = 10


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is our driver; accept the plain URL operators usually have at hand.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if is_sqlite(url):
        # An in-memory database lives in one connection (SingletonThreadPool): no pool to size.
        in_memory = make_url(url).database in (None, "", ":memory:")
        pooling: dict[str, Any] = (
            {}
            if in_memory
            else {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": POOL_TIMEOUT}
        )
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}, **pooling
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size // 4,
        pool_timeout=POOL_TIMEOUT,
    )
    _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # A read that tries to write is refused instead of quietly doing it.
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that BEGIN IMMEDIATE below is what runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        register_sqlite_functions(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # Takes no write lock, so it never waits for a writer (WAL: readers and one
            # writer go on together) — e.g. for the request that wants the copy it loads.
            connection.exec_driver_sql("BEGIN")
            return
        # Writers queue up at BEGIN instead of failing half-way with SQLITE_BUSY on upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# Index entries ANALYZE samples per index on SQLite (`PRAGMA analysis_limit`): SQLite's advice
# for long-running applications; it keeps the run short at any size, and the estimates are close
# enough to choose between indexes.
ANALYSIS_LIMIT = 400


def gather_statistics(engine: Engine, tables: Iterable[str] = ()) -> None:
    """The planner statistics of the whole database, or of `tables` just bulk-loaded.

    SQLite gathers none by itself (`ANALYZE`, sampled). Without them its planner guesses, and
    for a lookup such as `municipality_id = ? AND parent_id IN (…)` it guesses the
    municipality's index — every TenantOwned table has one — and reads all of the
    municipality's rows instead of the few wanted. PostgreSQL's autovacuum keeps its statistics
    itself, but only some time after a bulk load: named tables are analysed there too."""
    names = list(tables)
    sqlite = engine.dialect.name == "sqlite"
    if not sqlite and not names:
        return
    with engine.begin() as connection:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        for name in names or [""]:
            connection.exec_driver_sql(f"ANALYZE {name}".strip())


def among(db: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (values)` for a list of keys (integers or strings), in one statement however
    many there are. On PostgreSQL `column = ANY(array)`: one parameter instead of one per value
    — for a thousand keys, rendering and parsing a thousand placeholders cost more than running
    the query. On SQLite a plain `IN`, each value a parameter (SQLite allows 32,766 since 3.32)."""
    wanted = sorted(set(values))
    condition: ColumnElement[bool]
    if db.get_bind().dialect.name == "postgresql":
        condition = column == any_(literal(wanted, ARRAY(column.type)))
    else:
        condition = column.in_(wanted)
    return condition


def make_session_factory(engine: Engine, **info: Any) -> sessionmaker[Session]:
    """Sessions of the engine; `info` is in every session's `info` (a request's own is added)."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


@contextmanager
def transaction(factory: sessionmaker[Session], **info: Any) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    session = factory(info=dict(info))
    try:
        with session.begin():
            yield session
    finally:
        session.close()


class QueryBudget:
    """How long one request's queries may run, and whether its client is still there.

    `limited` makes the database stop a statement once the budget is spent: SQLite through a
    progress handler (called every few thousand virtual-machine steps), PostgreSQL through
    `statement_timeout`. Loops over many statements call `spent()` between them."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """The client went away: stop the work (thread-safe)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def spent(self) -> bool:
        return self._cancelled.is_set() or time.monotonic() > self.deadline

    def remaining_ms(self) -> int:
        return max(1, int((self.deadline - time.monotonic()) * 1000))


# SQLite calls the progress handler every this many virtual-machine instructions (~ms).
PROGRESS_STEPS = 10_000


@contextmanager
def limited(db: Session, budget: QueryBudget) -> Iterator[None]:
    """Statements of `db` inside the block stop once `budget` is spent: SQLite raises
    OperationalError('interrupted'), PostgreSQL QueryCanceled (SQLSTATE 57014)."""
    connection = db.connection()
    if connection.dialect.name != "sqlite":
        # LOCAL: for this transaction only, so the pooled connection keeps its default.
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {budget.remaining_ms()}")
        yield
        return
    raw: Any = connection.connection.dbapi_connection
    raw.set_progress_handler(lambda: 1 if budget.spent() else 0, PROGRESS_STEPS)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)
