"""The personal-data guard and the files made from a module's rows.

Every table a module releases passes here before it becomes a file: free-text columns are
dropped whatever the module says about them, and a table derived from data about people is
published only aggregated — each row counts at least k persons (k-anonymity of the cells), a
row under k is suppressed, and a table that does not count persons at all is refused."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from smartcity.core.errors import ServiceError
from smartcity.core.modules import Table


class NotAggregated(ServiceError):
    """A dataset about people whose table does not say how many persons each row counts."""

    status = 409
    title = "Not aggregated"
    type_slug = "not-aggregated"


@dataclass(frozen=True)
class Released:
    """What may leave the platform: column names and rows, plus how many rows were held back."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    suppressed: int


def release(table: Table, *, about_people: bool, min_persons: int) -> Released:
    keep = [i for i, column in enumerate(table.columns) if not column.free_text]
    names = tuple(table.columns[i].name for i in keep)
    persons: int | None = None
    if about_people:
        if table.persons is None or table.persons not in names:
            raise NotAggregated(
                "A dataset about people is released only as counts of persons per row."
            )
        persons = [table.columns[i].name for i in range(len(table.columns))].index(table.persons)
    rows: list[tuple[Any, ...]] = []
    suppressed = 0
    for row in table.rows:
        if persons is not None:
            count = row[persons]
            # Fewer than k persons (or no count at all) could single someone out.
            if not isinstance(count, int) or isinstance(count, bool) or count < min_persons:
                suppressed += 1
                continue
        rows.append(tuple(row[i] for i in keep))
    return Released(names, rows, suppressed)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_csv(released: Released) -> bytes:
    """RFC 4180 CSV in UTF-8 with a header row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(released.columns)
    for row in released.rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue().encode()


def to_json(released: Released) -> bytes:
    """A JSON array of objects, one per row, keys in column order."""
    return orjson.dumps(
        [dict(zip(released.columns, map(_cell, row), strict=True)) for row in released.rows]
    )
