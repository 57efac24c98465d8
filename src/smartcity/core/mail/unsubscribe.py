"""Links in mails that end a subscription without signing in: `<row id>-<code>`, the code an
HMAC under the server secret of the row's purpose, municipality, id and whatever else the row
is bound to (the citizen, what is followed). The same link in every mail (an old mail's link
keeps working) and nothing of it stored; a link opened under another municipality's address
does not find the row there (the tenant's session cannot see it), and a code made for one
purpose never fits a row of another."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


def code(secret: str, purpose: str, municipality_id: int, row_id: int, *bound: object) -> str:
    message = "|".join([purpose, str(municipality_id), str(row_id), *map(str, bound)]).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def token(secret: str, purpose: str, municipality_id: int, row_id: int, *bound: object) -> str:
    """The link's last part for this row."""
    return f"{row_id}-{code(secret, purpose, municipality_id, row_id, *bound)}"


def find(db: Session, model: type[T], sent: str, code_of: Callable[[T], str]) -> T | None:
    """The row of `model` a link names, if its code is that row's (`code_of`); None for a
    malformed or forged link, or a row that is gone."""
    number, _, given = sent.partition("-")
    if not (number.isascii() and number.isdecimal()) or len(number) > 12 or not given:
        return None
    found = db.get(model, int(number))
    if found is None or not hmac.compare_digest(given, code_of(found)):
        return None
    return found
