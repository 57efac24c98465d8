"""SQL the council's OParl pages share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, any_, literal
from sqlalchemy.orm import Session


def among(db: Session, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN (ids)`. On PostgreSQL `column = ANY(array)`: one parameter instead of one per
    id — for the thousand agenda items of a page of meetings, rendering and parsing a thousand
    placeholders cost more than running the query."""
    wanted = sorted(set(ids))
    condition: ColumnElement[bool]
    if db.get_bind().dialect.name == "postgresql":
        condition = column == any_(literal(wanted, ARRAY(Integer)))
    else:
        condition = column.in_(wanted)
    return condition
