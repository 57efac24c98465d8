"""Languages of the web front end: German first, English available.

Texts in templates and page code are written in English and marked for translation
(`_("…")`); the German catalog (`locale/de/LC_MESSAGES/messages.po`, maintained with Babel)
turns them into German. The catalog is compiled in memory when first used, so the repository
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
LOCALE_DIR = Path(__file__).parent / "locale"

current_language: ContextVar[Language] = ContextVar("web_language", default=DEFAULT)


@cache
def translations(language: Language) -> gettext.NullTranslations:
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_file.exists():
        return gettext.NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


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
