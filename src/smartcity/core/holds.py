"""Legal holds, as every module's retention sees them: rows that must not be deleted or
anonymised yet (a case under objection or in court, a restriction under Art. 18 GDPR).

The data-protection module keeps the holds and provides the check when its declaration is
imported; a module whose own job deletes rows (case retention) asks `held` first. Core
imports no domain, so the check is handed in, like the cases' `Applications`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy.orm import Session

# (session, table, primary keys or None for all) → the keys among them that are held.
HeldCheck = Callable[[Session, str, Collection[Any] | None], set[Any]]

_provided: list[HeldCheck] = []


def provide(check: HeldCheck) -> None:
    _provided[:] = [check]


def held(db: Session, table: str, keys: Collection[Any]) -> set[Any]:
    """The keys of `table` that a hold keeps; none where no module keeps holds."""
    if not keys or not _provided:
        return set()
    return _provided[0](db, table, keys)


def held_keys(db: Session, table: str) -> set[Any]:
    """Every key of `table` a hold keeps (few: a retention's dry run counts around them)."""
    if not _provided:
        return set()
    return _provided[0](db, table, None)
