"""Erasure (GDPR Art. 17) and rectification (Art. 16) of what a search found, as each
declaration says: delete the rows, anonymise the declared columns, or keep them because a
law requires it — and the answer says which law. Files go from the upload store once the
transaction has committed. The audit log records counts per table, never the data itself,
and keeps its entries, so its hash chains still verify."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Integer, delete, func, select, update
from sqlalchemy.orm import Session

from smartcity.core.audit.services import record
from smartcity.core.modules import ERASE_DELETE, ERASE_KEEP, Recount
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.privacy.declarations import Declared, models_by_table
from smartcity.privacy.search import CASE_INSENSITIVE, Found, normalise


@dataclass(frozen=True)
class Outcome:
    """What erasure did to one declaration's rows."""

    module: str
    table: str
    columns: tuple[str, ...]
    action: str
    rows: int
    reason: str = ""


@dataclass(frozen=True)
class Erased:
    outcomes: list[Outcome]
    # Files to delete once the transaction has committed (`uploads.unlink_all`).
    files: list[Path]

    def summary(self) -> dict[str, dict[str, int]]:
        """Rows per table and action: what the audit log records (no personal data)."""
        summary: dict[str, dict[str, int]] = {}
        for outcome in self.outcomes:
            per_table = summary.setdefault(outcome.table, {})
            per_table[outcome.action] = per_table.get(outcome.action, 0) + outcome.rows
        return summary


def erase(db: Session, data_dir: Path, found: Found, *, actor: str, reference: object) -> Erased:
    """Apply each declaration's erasure to the rows the search found; `reference` names the
    request in the audit log."""
    outcomes: list[Outcome] = []
    files: list[Path] = []
    gone: dict[str, set[Any]] = {}
    for index, item in enumerate(found.declarations):
        keys = found.keys(index) - gone.get(item.table, set())
        if not keys:
            continue
        data = item.data
        if data.erasure == ERASE_KEEP:
            outcomes.append(
                Outcome(
                    item.module, item.table, data.columns, ERASE_KEEP, len(keys), data.keep_reason
                )
            )
            continue
        if data.erasure == ERASE_DELETE:
            files += delete_rows(db, data_dir, item, keys)
            gone.setdefault(item.table, set()).update(keys)
        else:
            anonymise_rows(db, item, keys)
        outcomes.append(Outcome(item.module, item.table, data.columns, data.erasure, len(keys)))
    erased = Erased(outcomes, files)
    record(
        db,
        actor=actor,
        action="privacy.erasure",
        resource_type="privacy_request",
        resource_id=reference,
        changes={"rows": erased.summary()},
    )
    return erased


def delete_rows(db: Session, data_dir: Path, item: Declared, keys: set[Any]) -> list[Path]:
    """Delete the rows; an upload's bytes are returned for deletion after the commit. Counts
    the declaration names (`recount`) are set again from the rows that are left."""
    if item.model is StoredFile:
        stored = db.scalars(select(StoredFile).where(StoredFile.id.in_(sorted(keys))))
        return [uploads.remove(db, data_dir, f) for f in list(stored)]
    affected = {
        recount: set(
            db.scalars(select(item.column(recount.via)).where(item.primary_key.in_(sorted(keys))))
        )
        for recount in item.data.recount
    }
    db.execute(
        delete(item.model).where(item.primary_key.in_(sorted(keys))),
        execution_options={"synchronize_session": False},
    )
    for recount, targets in affected.items():
        _recount(db, item, recount, targets)
    return []


def _recount(db: Session, item: Declared, recount: Recount, targets: set[Any]) -> None:
    """Set `recount.table.column` of the rows `targets` to the number of `item`'s rows that
    point at each (a proposal's supports after a supporter's were erased)."""
    targets.discard(None)
    if not targets:
        return
    parent = models_by_table()[recount.table]
    target = parent.__table__.c[recount.target]
    rows = (
        select(func.count())
        .select_from(item.model.__table__)
        .where(item.column(recount.via) == target)
        .scalar_subquery()
    )
    db.execute(
        update(parent).where(target.in_(sorted(targets))).values({recount.column: rows}),
        execution_options={"synchronize_session": False},
    )


def anonymise_rows(db: Session, item: Declared, keys: set[Any]) -> None:
    """Replace the declared columns by values that say nothing: NULL where allowed, an empty
    text or object, and a fresh random value where the column must stay unique."""
    columns = [item.column(name) for name in item.data.columns]
    unique = [c for c in columns if c.unique and not c.nullable]
    plain = {c.name: neutral(c) for c in columns if c not in unique}
    if not unique:
        db.execute(
            update(item.model).where(item.primary_key.in_(sorted(keys))).values(plain),
            execution_options={"synchronize_session": False},
        )
        return
    for key in sorted(keys):
        values = {**plain, **{c.name: random_value(c) for c in unique}}
        db.execute(
            update(item.model).where(item.primary_key == key).values(values),
            execution_options={"synchronize_session": False},
        )


def neutral(column: Column[Any]) -> Any:
    if column.nullable:
        return None
    if isinstance(column.type, JSON):
        return {}
    if isinstance(column.type, Integer):
        return 0
    return ""


def random_value(column: Column[Any]) -> str:
    length = getattr(column.type, "length", None) or 32
    return ("anon-" + secrets.token_hex(16))[:length]


def rectify(
    db: Session,
    declarations: Sequence[Declared],
    kind: str,
    old: str,
    new: str,
    *,
    actor: str,
    reference: object,
) -> dict[str, int]:
    """Replace an identifier (an e-mail address, a name) by its corrected value wherever a
    declaration finds people by it (Art. 16); rows changed per table."""
    changed: dict[str, int] = {}
    wanted = normalise(kind, old)
    for item in declarations:
        for name, declared_kind in item.data.identifiers.items():
            if declared_kind != kind or name not in item.data.columns:
                continue
            column = item.column(name)
            match = func.lower(column) == wanted if kind in CASE_INSENSITIVE else column == wanted
            result = db.execute(
                update(item.model).where(match).values({name: new.strip()}),
                execution_options={"synchronize_session": False},
            )
            count = int(getattr(result, "rowcount", 0) or 0)
            if count:
                changed[item.table] = changed.get(item.table, 0) + count
    _audit_rectification(db, actor, reference, kind, changed)
    return changed


def rectify_found(
    db: Session,
    found: Found,
    kind: str,
    old: str,
    new: str,
    *,
    actor: str,
    reference: object,
) -> dict[str, int]:
    """Correct a column declared `rectifiable` as `kind` (an address, a phone number, the
    public name under which someone takes part, a date of birth) in the person's rows the
    search found, where it holds `old` (compared without regard to case and outer spaces);
    rows changed per table. The audit log names the kind and the counts, not the values."""
    changed: dict[str, int] = {}
    wanted = old.strip().lower()
    for index, item in enumerate(found.declarations):
        keys = found.keys(index)
        names = [n for n, k in item.data.rectifiable.items() if k == kind]
        if not keys or not names:
            continue
        for name in names:
            column = item.column(name)
            result = db.execute(
                update(item.model)
                .where(
                    item.primary_key.in_(sorted(keys)),
                    func.lower(func.trim(column)) == wanted,
                )
                .values({name: new.strip()}),
                execution_options={"synchronize_session": False},
            )
            count = int(getattr(result, "rowcount", 0) or 0)
            if count:
                changed[item.table] = changed.get(item.table, 0) + count
    _audit_rectification(db, actor, reference, kind, changed)
    return changed


def _audit_rectification(
    db: Session, actor: str, reference: object, kind: str, changed: dict[str, int]
) -> None:
    record(
        db,
        actor=actor,
        action="privacy.rectification",
        resource_type="privacy_request",
        resource_id=reference,
        changes={"kind": kind, "rows": changed},
    )
