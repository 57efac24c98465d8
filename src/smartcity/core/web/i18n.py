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
from functools import cache
from pathlib import Path
from typing import Literal

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
