"""Legal holds and restrictions (Art. 18): rows that retention must leave alone.

A hold names one row (a case under objection or in court); what belongs to it through the
declared links — the case's messages and files, its application, the defect report filed with
it — is held with it, so that no part of a held file disappears."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, or_, select
from sqlalchemy.orm import Session

from smartcity.core.audit.services import record
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.privacy.declarations import Declared, models_by_table
from smartcity.privacy.models import LegalHold


def place(
    db: Session,
    declarations: Sequence[Declared],
    *,
    table: str,
    row_id: str,
    reason: str,
    until: date | None,
    actor: str,
    request_id: int | None = None,
) -> LegalHold:
    """Hold one row of a declared table (which must exist in this municipality)."""
    item = next((d for d in declarations if d.table == table), None)
    if item is None:
        raise InvalidInput(f"{table!r} holds no declared personal data.")
    if not reason.strip():
        raise InvalidInput("A legal hold needs its reason.")
    key = _key(item, row_id)
    if db.scalar(select(item.primary_key).where(item.primary_key == key)) is None:
        raise NotFound(f"There is no row {row_id} in {table}.")
    hold = LegalHold(
        table_name=table,
        row_id=str(key),
        reason=reason.strip()[:500],
        until=until,
        created_by=actor,
        request_id=request_id,
    )
    db.add(hold)
    db.flush()
    record(
        db,
        actor=actor,
        action="privacy.hold.place",
        resource_type="legal_hold",
        resource_id=hold.id,
        changes={"table": table, "row": hold.row_id, "until": until.isoformat() if until else None},
    )
    return hold


def release(db: Session, hold_id: int, *, actor: str, now: datetime | None = None) -> LegalHold:
    hold = db.get(LegalHold, hold_id)
    if hold is None or hold.released_at is not None:
        raise NotFound("There is no such legal hold.")
    hold.released_at = now or utcnow()
    record(
        db,
        actor=actor,
        action="privacy.hold.release",
        resource_type="legal_hold",
        resource_id=hold.id,
    )
    return hold


def active(db: Session, today: date) -> list[LegalHold]:
    return list(
        db.scalars(
            select(LegalHold)
            .where(
                LegalHold.released_at.is_(None),
                or_(LegalHold.until.is_(None), LegalHold.until >= today),
            )
            .order_by(LegalHold.id)
        )
    )


def _key(item: Declared, row_id: str) -> Any:
    if isinstance(item.primary_key.type, Integer):
        if not row_id.strip().isdecimal():
            raise InvalidInput(f"{row_id!r} is not a row id of {item.table}.")
        return int(row_id)
    return row_id


def held_rows(db: Session, declarations: Sequence[Declared], today: date) -> dict[str, set[Any]]:
    """The primary keys, by table, of every row under an active hold, with the rows linked to
    them in either direction."""
    items = {d.table: d for d in declarations}
    held: dict[str, set[Any]] = {}
    for hold in active(db, today):
        if hold.table_name in items:
            held.setdefault(hold.table_name, set()).add(_key(items[hold.table_name], hold.row_id))
    if not held:
        return held
    models = models_by_table()
    changed = True
    while changed:
        changed = False
        for item in declarations:
            link = item.data.link
            if link is None:
                continue
            parent = models[link.table]
            parent_key = next(iter(parent.__table__.primary_key.columns))
            target = parent.__table__.c[link.target]
            narrowed = [item.column(k) == v for k, v in link.where.items()]
            found: list[tuple[str, Any]] = []
            if held.get(link.table):
                targets = select(target).where(parent_key.in_(sorted(held[link.table])))
                children = select(item.primary_key).where(
                    item.column(link.column).in_(targets), *narrowed
                )
                found += [(item.table, k) for k in db.scalars(children)]
            if held.get(item.table):
                values = select(item.column(link.column)).where(
                    item.primary_key.in_(sorted(held[item.table])), *narrowed
                )
                parents = select(parent_key).where(target.in_(values))
                found += [(link.table, k) for k in db.scalars(parents)]
            for table, key in found:
                if key not in held.setdefault(table, set()):
                    held[table].add(key)
                    changed = True
    return held


def held_among(
    declarations: Sequence[Declared],
) -> Callable[[Session, str, Collection[Any] | None], set[Any]]:
    """The check other modules' retention asks (`smartcity.core.holds`): the held keys among
    `keys`, or all of the table's."""

    def check(db: Session, table: str, keys: Collection[Any] | None) -> set[Any]:
        held = held_rows(db, declarations, utcnow().date()).get(table, set())
        return held if keys is None else held & set(keys)

    return check
