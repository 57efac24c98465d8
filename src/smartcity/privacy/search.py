"""Finding one person across every module, from the declarations alone.

The search starts from what the person (or the clerk) gives — e-mail addresses, names, a
citizen-account subject, tracking codes — and repeats until nothing new turns up: a row
found by one identifier yields its other identifier columns (a tracking code leads to the
e-mail given with it, the e-mail to the other applications), and rows that belong to found
rows (a case to its application, files to their owner) are found through the declared links.
A row found by an identifier of its own also leads to the row it belongs to (a ticket code to
its booking, and from there to the buyer's e-mail address); a row found only through a link
never leads back (a water meter found through a reading does not lead to the readings of
other people).
Every query goes through the ORM in the session's tenant scope, so nothing of another
municipality is found."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, func, inspect, or_, select
from sqlalchemy.orm import Session

from smartcity.privacy.declarations import Declared

# Identifier kinds compared without regard to case (and outer spaces).
CASE_INSENSITIVE = frozenset({"email", "name", "username"})
# Kinds derived from another: an account id is how the audit log and others name an actor.
DERIVED = {"user_id": ("actor", "user:{}")}
# The kinds every search knows; a module may declare more (a Fediverse account, a ticket
# code), which are searched for as soon as a row yields one or a caller gives one.
KINDS = ("email", "name", "citizen_subject", "tracking_code", "user_id", "username", "actor")


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind in CASE_INSENSITIVE:
        return value.lower()
    if kind == "tracking_code":
        return value.upper()
    if kind == "ticket_code":
        # Base32 as printed ("ABCD-EFGH-…") or typed (any case, 0 and 1 for O and I).
        return re.sub(r"[^A-Z2-7]", "", value.upper().replace("0", "O").replace("1", "I"))
    return value


@dataclass
class Found:
    """What the search found: each table's rows (column name → value) by primary key, and
    which rows each declaration covers."""

    declarations: Sequence[Declared]
    identifiers: dict[str, set[str]]
    rows: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)
    # Index into `declarations` → the primary keys of the rows it covers.
    covered: dict[int, set[Any]] = field(default_factory=dict)
    # Index → the keys of rows found by an identifier of their own (not only by a link).
    direct: dict[int, set[Any]] = field(default_factory=dict)

    def keys(self, index: int) -> set[Any]:
        return self.covered.get(index, set())

    @property
    def empty(self) -> bool:
        return not any(self.covered.values())

    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in sorted(self.rows.items()) if rows}


def find(
    db: Session, declarations: Sequence[Declared], given: Mapping[str, Iterable[str]]
) -> Found:
    identifiers: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for kind, values in given.items():
        for value in values:
            _add(identifiers, kind, value)
    found = Found(declarations, identifiers)
    asked: dict[int, tuple[Any, ...]] = {}
    while True:
        new_rows = False
        for index, item in enumerate(declarations):
            question = _question(item, found)
            if question is None or asked.get(index) == question[1]:
                continue
            asked[index] = question[1]
            for row in _rows(db, item, question[0]):
                key = row[item.primary_key.name]
                if _own(item, row, identifiers) and key not in found.direct.get(index, set()):
                    new_rows = True
                    found.direct.setdefault(index, set()).add(key)
                if key in found.keys(index):
                    continue
                new_rows = True
                found.covered.setdefault(index, set()).add(key)
                found.rows.setdefault(item.table, {})[key] = row
                for column, kind in item.data.identifiers.items():
                    if row.get(column) not in (None, ""):
                        _add(identifiers, kind, str(row[column]))
        if not new_rows:
            return found


def _own(item: Declared, row: dict[str, Any], identifiers: dict[str, set[str]]) -> bool:
    """Whether a row was found by one of its own identifiers (not only through a link)."""
    return any(
        row.get(column) not in (None, "")
        and normalise(kind, str(row[column])) in identifiers.get(kind, ())
        for column, kind in item.data.identifiers.items()
    )


def _add(identifiers: dict[str, set[str]], kind: str, value: str) -> None:
    if not value.strip():
        return
    identifiers.setdefault(kind, set()).add(normalise(kind, value))
    if kind in DERIVED:
        derived, pattern = DERIVED[kind]
        identifiers.setdefault(derived, set()).add(pattern.format(value.strip()))


def _question(item: Declared, found: Found) -> tuple[ColumnElement[bool], tuple[Any, ...]] | None:
    """The condition for a declaration's rows of this person, and a fingerprint of its inputs
    (a declaration is asked again only when they grew)."""
    conditions: list[ColumnElement[bool]] = []
    inputs: list[Any] = []
    for name, kind in sorted(item.data.identifiers.items()):
        values = sorted(found.identifiers.get(kind, ()))
        if not values:
            continue
        column = item.column(name)
        inputs.append((name, len(values)))
        if kind in CASE_INSENSITIVE:
            conditions.append(func.lower(column).in_(values))
        elif isinstance(column.type, Integer):
            conditions.append(column.in_([int(v) for v in values if v.isdecimal()]))
        else:
            conditions.append(column.in_(values))
    owners = _owners(item, found)
    if owners:
        inputs.append(("owners", len(owners)))
        conditions.append(item.column(owners[0]).in_(owners[1]))
    link = item.data.link
    if link is not None:
        parents = found.rows.get(link.table, {}).values()
        targets = sorted({row[link.target] for row in parents if row[link.target] is not None})
        if targets:
            inputs.append(("link", len(targets)))
            conditions.append(item.column(link.column).in_(targets))
    if not conditions:
        return None
    condition = or_(*conditions)
    if link is not None and link.where:
        narrowed = [item.column(name) == value for name, value in sorted(link.where.items())]
        condition = and_(condition, *narrowed)
    return condition, tuple(inputs)


def _owners(item: Declared, found: Found) -> tuple[str, list[Any]] | None:
    """The column of `item` and its values that rows of other declarations, found by their
    own identifiers, belong to (a ticket's order)."""
    values: set[Any] = set()
    column = None
    for index, child in enumerate(found.declarations):
        link = child.data.link
        if link is None or link.table != item.table or not found.direct.get(index):
            continue
        if column is not None and link.target != column:
            continue  # one column per question; declarations link by the id in practice
        column = link.target
        rows = found.rows.get(child.table, {})
        values |= {rows[k][link.column] for k in found.direct[index] if k in rows}
    values.discard(None)
    if column is None or not values:
        return None
    return column, sorted(values)


def _rows(db: Session, item: Declared, condition: ColumnElement[bool]) -> list[dict[str, Any]]:
    # Through the ORM entity, so that the tenant scope's criteria apply.
    query = select(item.model).where(condition).order_by(item.primary_key)
    return [as_row(obj) for obj in db.scalars(query)]


def as_row(obj: Any) -> dict[str, Any]:
    """An ORM object's column values by column name."""
    mapper = inspect(obj).mapper
    return {prop.columns[0].name: getattr(obj, prop.key) for prop in mapper.column_attrs}
