"""Short-lived copies of rows that change rarely but are read by every request of a path
(a municipality by its slug for every request of its pages and API, a service with its
current form for direct submissions).

A copy is loaded in a read-only transaction of its own, kept detached, and merged into a
request's session without a query (`Session.merge(load=False)`), so the request works with
ordinary persistent objects. Their JSON values (a form's schema, a service's names) are the
copy's own objects, shared by every request: replace them, never change them in place.

Within a process, a commit that changed an instance of a watched class drops every copy at
once; other processes and instances see a change after at most `SMARTCITY_SNAPSHOT_SECONDS`
(so a paused service may take one more submission on another instance within that time;
docs/configuration.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from smartcity.core.db import READ_ONLY

T = TypeVar("T")

# Where a session finds its platform's snapshots (set by the session factory).
SNAPSHOTS_KEY = "snapshots"
_CHANGED_KEY = "snapshots_changed"

# Classes whose copies are kept: a flush touching one of them makes every copy stale.
WATCHED: set[type] = set()


class Snapshots:
    """Copies by key, each kept for `seconds` after it was loaded."""

    def __init__(
        self,
        seconds: float,
        *,
        limit: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._limit = limit
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        # Counts the clears: a copy loaded while one happened may predate the change.
        self._generation = 0

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The copy under `key`, or what `load` returns (kept unless copies are disabled).
        Two threads missing at once both load: cheaper than making one wait."""
        now = self._clock()
        kept = self._entries.get(key)
        if kept is not None and kept[0] > now:
            value: T = kept[1]
            return value
        generation = self._generation
        value = load()
        if self._seconds > 0:
            with self._lock:
                if generation != self._generation:
                    return value  # a commit changed something meanwhile: not kept
                if len(self._entries) >= self._limit:
                    self._entries.clear()
                self._entries[key] = (now + self._seconds, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def kept(db: Session, key: Hashable, load: Callable[[Session], T]) -> T:
    """What `load` returns, from the copies of `db`'s platform while fresh, else run in a
    transaction of its own. The objects are detached: merge them into `db` with
    `load=False`. `load` sets the scope its session needs."""

    def fresh() -> T:
        # Read-only: on SQLite it must not queue behind `db`'s own write transaction.
        engine = db.get_bind().execution_options(**{READ_ONLY: True})
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return load(session)

    snapshots: Snapshots | None = db.info.get(SNAPSHOTS_KEY)
    return snapshots.get(key, fresh) if snapshots is not None else fresh()


@event.listens_for(Session, "after_flush")
def _note_watched_changes(session: Session, _context: UOWTransaction) -> None:
    if SNAPSHOTS_KEY not in session.info or session.info.get(_CHANGED_KEY):
        return
    touched = chain(session.new, session.dirty, session.deleted)
    if any(type(instance) in WATCHED for instance in touched):
        session.info[_CHANGED_KEY] = True


@event.listens_for(Session, "after_commit")
def _drop_stale_copies(session: Session) -> None:
    if session.info.pop(_CHANGED_KEY, False):
        snapshots: Snapshots = session.info[SNAPSHOTS_KEY]
        snapshots.clear()


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED_KEY, None)
