"""Fetch one row or fail with the platform's 404: the one way services say "there is no …"."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from smartcity.core.errors import NotFound

T = TypeVar("T")


def get_or_404(db: Session, model: type[T], ident: Any, what: str) -> T:
    """The row of `model` with primary key `ident` (in the session's tenant scope), or
    NotFound("There is no <what> <ident>.")."""
    found = db.get(model, ident)
    if found is None:
        raise NotFound(f"There is no {what} {ident}.")
    return found


def found_or_404(value: T | None, message: str) -> T:
    """`value` when there is one, else NotFound(message): `found_or_404(db.scalar(query), …)`."""
    if value is None:
        raise NotFound(message)
    return value
