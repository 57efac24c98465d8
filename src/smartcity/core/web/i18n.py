"""Languages of the web front end: German first, English available.

Texts in templates and page code are written in English and marked for translation
(`_("…")`); German catalogues (`<dir>/de/LC_MESSAGES/messages.po`, maintained with Babel) turn
them into German. Each module brings its own catalogue (`Module.translations`); the app adds
them with `add_catalog`, and they are compiled in memory when first used, so the repository
holds only the reviewable `.po` text.
"""

from __future__ import annotations

import gettext
import io
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = ("de", "en")
DEFAULT: Language = "de"
# The catalogue directories of the installed modules, in the modules' order.
_CATALOGS: list[Path] = []

current_language: ContextVar[Language] = ContextVar("web_language", default=DEFAULT)


def add_catalog(directory: Path) -> None:
    if directory not in _CATALOGS:
        _CATALOGS.append(directory)
        translations.cache_clear()


def _compiled(po_file: Path, language: Language) -> Translations:
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@cache
def translations(language: Language) -> gettext.NullTranslations:
    merged: Translations | None = None
    for directory in _CATALOGS:
        po_file = directory / language / "LC_MESSAGES" / "messages.po"
        if not po_file.exists():
            continue
        found = _compiled(po_file, language)
        merged = found if merged is None else merged.merge(found)
    return merged if merged is not None else gettext.NullTranslations()


def gettext_(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


# The conventional name, so that Babel's extractor finds the marked texts in Python code.
_ = gettext_


def gettext_noop(message: str) -> str:
    """Marks a text for the catalogue without translating it here: for texts written where
    no request's language is known (a module's declarations), translated where they are shown."""
    return message


def pick(language: str | None) -> Language:
    return "en" if language == "en" else "de"


def from_accept_language(header: str) -> Language:
    """The first of our languages the browser names; German if it names neither."""
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("de"):
            return "de"
    return DEFAULT


def megabytes(size: int) -> str:
    """A size in MB with one decimal, in the page's language ("8,0" in German, "8.0" in
    English)."""
    text = f"{size / 1_048_576:.1f}"
    return text if current_language.get() == "en" else text.replace(".", ",")


def file_too_large(size: int, limit: int) -> str:
    """The message for a file over the per-file limit: its size and the limit."""
    return gettext_("The file is too large (%(size)s MB); at most %(limit)s MB are allowed.") % {
        "size": megabytes(size),
        "limit": megabytes(limit),
    }


def day(value: date | str, language: str | None = None) -> str:
    """A calendar day as a person reads it: "20.11.2026" in German, "20 November 2026" in
    English. An ISO date string (a form's date field) is read first; any other text is
    returned as it is (it was never a date)."""
    if isinstance(value, str):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return value
    else:
        parsed = value
    if pick(language or current_language.get()) == "de":
        return parsed.strftime("%d.%m.%Y")
    return str(format_date(parsed, "d MMMM y", locale="en_GB"))


def moment(value: datetime, zone: str, language: str | None = None) -> str:
    """A point in time in `zone`: "20.11.2026, 14:05 Uhr" in German, "20 November 2026,
    14:05" in English."""
    local = value.astimezone(ZoneInfo(zone)) if value.tzinfo else value
    if pick(language or current_language.get()) == "de":
        return local.strftime("%d.%m.%Y, %H:%M Uhr")
    return f"{day(local.date(), 'en')}, {local:%H:%M}"


def kilobytes(size: int) -> str:
    """A file's size as people read it: bytes below 1 KB (never "0 KB"), then KB, then MB,
    with the page's decimal sign."""
    german = current_language.get() != "en"
    if size < 1024:
        return f"{size} Bytes" if german else f"{size} bytes"
    if size < 1_048_576:
        return f"{round(size / 1024)} KB"
    return f"{megabytes(size)} MB"
