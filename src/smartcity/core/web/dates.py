"""Dates typed into a form. A date field (`<input type="date">`) sends ISO 8601 (2026-12-24)
whatever the browser shows; where a browser draws no date picker, people type the German form
(24.12.2026). Both are read; a field is filled again with ISO, the only value a date picker
takes (it then shows the date in the reader's format, e.g. TT.MM.JJJJ in a German browser)."""

from __future__ import annotations

import re
from datetime import date

ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
GERMAN = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})$")


def parse_day(text: str) -> date | None:
    """The day in `text` (YYYY-MM-DD or DD.MM.YYYY), None if it is neither or no real day."""
    text = text.strip()
    found = ISO.match(text)
    if found:
        year, month, day = (int(part) for part in found.groups())
    elif found := GERMAN.match(text):
        day, month, year = (int(part) for part in found.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # 31.02.2026
        return None


def field_value(text: str) -> str:
    """What a date field shows again: ISO for a day we could read, else the text as typed (a
    field without a date picker shows it, with the error beside it)."""
    day = parse_day(text)
    return day.isoformat() if day is not None else text
