"""The catalogue's revision and the serialised pages kept in the process.

Every flush that adds, changes or removes a dataset, file, series or the settings of a
municipality moves its revision (`OpenDataRevision`) by one, in the same transaction, by an
atomic upsert: concurrent writers on any instance each move it, and a reader sees the new
value exactly when it sees the change. A catalogue page is kept per (database, municipality,
revision, page, format, public URL, municipality name and key) and so is valid until the
revision moves, whichever instance moved it; a request costs one indexed read of the counter
and, when kept, no rendering. The copies are bounded in bytes, least recently used first out.
"""

from __future__ import annotations

import threading
import weakref
from itertools import chain
from typing import Any

from sqlalchemy import Engine, Table, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smartcity.core.http.caching import Kept as Kept  # the type of a kept page, for callers
from smartcity.core.http.caching import Pages
from smartcity.core.tenancy.scope import TenantScope, scope_of
from smartcity.opendata.models import (
    OpenDataRevision,
    OpenDataset,
    OpenDatasetSeries,
    OpenDataSettings,
    OpenDistribution,
)

TRACKED = (OpenDataset, OpenDistribution, OpenDataSettings, OpenDatasetSeries)
# What one process keeps of serialised pages at most (a page of 100 datasets is ~1 MB).
MAX_BYTES = 64 << 20


def _touched(session: Session) -> set[int]:
    scope = scope_of(session)
    fallback = scope.municipality_id if isinstance(scope, TenantScope) else None
    found: set[int] = set()
    for obj in chain(session.new, session.deleted, session.dirty):
        if not isinstance(obj, TRACKED):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        municipality = obj.municipality_id or fallback
        if municipality is not None:
            found.add(municipality)
    return found


def bump(session: Session, municipality_id: int) -> None:
    table = OpenDataRevision.__table__
    assert isinstance(table, Table)
    name = session.get_bind().dialect.name
    insert = postgresql.insert if name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(municipality_id=municipality_id, revision=1)
        .on_conflict_do_update(
            index_elements=[table.c.municipality_id],
            set_={"revision": table.c.revision + 1},
        )
    )
    session.connection().execute(statement)


@event.listens_for(Session, "before_flush")
def _move_revision(session: Session, _context: Any, _instances: Any) -> None:
    for municipality_id in sorted(_touched(session)):
        bump(session, municipality_id)


def revision_of(db: Session, municipality_id: int) -> int:
    value = db.scalar(
        select(OpenDataRevision.revision).where(OpenDataRevision.municipality_id == municipality_id)
    )
    return int(value or 0)


_PAGES: weakref.WeakKeyDictionary[Engine, Pages] = weakref.WeakKeyDictionary()
_PAGES_LOCK = threading.Lock()


def pages_of(engine: Engine) -> Pages:
    """The pages kept for one database (tests run many platforms in one process)."""
    with _PAGES_LOCK:
        found = _PAGES.get(engine)
        if found is None:
            found = _PAGES[engine] = Pages(MAX_BYTES)
        return found
