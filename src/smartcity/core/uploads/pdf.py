"""PDFs that will be published, rewritten without what gives away their author or runs code.

`clean_pdf` keeps what a reader sees (pages, fonts, images, links, bookmarks, the tags that
screen readers follow) and leaves behind:

- the document information dictionary (Author, Creator, Producer, Title, Subject, Keywords,
  dates) and every XMP metadata stream (of the document, a page, an image, a font), and the
  private data of the program that made it (`/PieceInfo`, web capture's `/SpiderInfo`);
- the authors and dates of comments (markup annotations' `/T`, `/M`, `/CreationDate`);
- embedded files (attachments, portfolios, associated files, file attachment annotations);
- JavaScript and every other action that does more than go to a page or open a link (launching
  programs, sending form data, opening other files), with the triggers that run them
  (`/AA`, a document's opening action), XFA forms, and multimedia and 3D annotations;
- digital signatures (a rewritten file breaks them anyway; their certificates name a person).

Objects are only copied, never decoded, except what pypdf decodes to find them. Only callers
that publish a citizen's file use it: documents filed with an application to the
administration stay as they were sent (their metadata can matter to the case, and a changed
file is no longer the one that was filed)."""

from __future__ import annotations

import io
import re
import struct
import zlib

from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from smartcity.core.errors import InvalidInput

# Keys whose entries go wherever they are found.
_DROPPED_KEYS = frozenset(
    {
        "/Metadata",  # XMP
        "/PieceInfo",  # the authoring program's private data
        "/SpiderInfo",  # web capture: the addresses and times it was captured from
        "/AA",  # additional actions: scripts run on opening, closing, typing, printing
        "/JS",  # the script of a rendition action
        "/JavaScript",  # the document's scripts (names tree)
        "/EmbeddedFiles",  # attachments (names tree)
        "/EF",  # the embedded file of a file specification
        "/AF",  # associated files
        "/Collection",  # a portfolio, which shows its embedded files
        "/XFA",  # XML forms, with their own scripts
        "/Perms",  # permissions bound to a signature
        "/DSS",  # the signatures' certificates and revocation lists
    }
)
# Keys that hold an action (or, for /OpenAction, an action or a place to open at).
_ACTION_KEYS = frozenset({"/A", "/OpenAction", "/Next"})
# What an action may do and stay: go to a place in the document, open a web link, a viewer's
# named command (next page), show or hide layers or annotations.
_SAFE_ACTIONS = frozenset({"/GoTo", "/URI", "/Named", "/SetOCGState", "/Hide", "/Trans"})
# Annotations that carry files, media or 3D content (with scripts of their own).
_DROPPED_ANNOTATIONS = frozenset(
    {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
)
# Who wrote a comment (markup annotation) and when.
_ANNOTATION_AUTHOR = ("/T", "/M", "/CreationDate")
# What pypdf raises for a broken file: its own errors and whatever the parser trips over.
_UNREADABLE = (
    PyPdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
    OverflowError,
    ZeroDivisionError,
    EOFError,
    OSError,
    MemoryError,
    struct.error,
    zlib.error,
)
_HEADER = re.compile(r"%PDF-[12]\.[0-9]")


def clean_pdf(data: bytes) -> bytes:
    """The PDF written again without its metadata, embedded files and scripts (see the
    module); InvalidInput for a PDF that cannot be read or is protected by a password (both
    a clear answer to the uploader, never an error of the server)."""
    unreadable = (
        "Das PDF kann nicht gelesen werden. Bitte speichern Sie es neu als PDF und senden Sie "
        "es noch einmal."
    )
    protected = "Das PDF ist mit einem Passwort geschützt. Bitte senden Sie es ohne Passwort."
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        # An empty user password (only printing or copying restricted) opens it; the copy
        # is then written without the restriction, as the published file anybody can read.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise InvalidInput(protected, errors={"file": protected})
        _strip(reader.root_object)
        writer = PdfWriter()
        # The catalog and what it reaches, cleaned above: not the trailer's /Info, not the
        # objects nothing refers to any more (an earlier revision's, a removed XMP stream).
        writer.clone_reader_document_root(reader)
        writer.metadata = None  # not even pypdf's own /Producer
        header = reader.pdf_header
        writer.pdf_header = header if _HEADER.fullmatch(header) else "%PDF-1.7"
        out = io.BytesIO()
        writer.write(out)
    except InvalidInput:
        raise
    except _UNREADABLE:
        raise InvalidInput(unreadable, errors={"file": unreadable}) from None
    return out.getvalue()


def _resolved(value: PdfObject, seen: set[tuple[int, int]]) -> PdfObject | None:
    """The object `value` stands for; None for an indirect object already visited."""
    if isinstance(value, IndirectObject):
        key = (value.idnum, value.generation)
        if key in seen:
            return None
        seen.add(key)
        return value.get_object()
    return value


def _active(value: PdfObject) -> bool:
    """Whether `value` is an action that does more than `_SAFE_ACTIONS` (or a chain of them)."""
    found = value.get_object() if isinstance(value, IndirectObject) else value
    if isinstance(found, ArrayObject):
        return any(_active(item) for item in found)
    if not isinstance(found, DictionaryObject):
        return False
    kind = found.get("/S")
    return isinstance(kind, NameObject) and kind not in _SAFE_ACTIONS


def _dropped_annotation(value: PdfObject) -> bool:
    found = value.get_object() if isinstance(value, IndirectObject) else value
    return isinstance(found, DictionaryObject) and found.get("/Subtype") in _DROPPED_ANNOTATIONS


def _strip(root: PdfObject) -> None:
    """Removes from every object reachable from `root` (in place, in the reader's objects,
    which the writer then copies) what `clean_pdf` leaves behind. A loop over a stack, not
    recursion: a file can nest its objects deeper than Python's stack."""
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [root]
    while stack:
        found = _resolved(stack.pop(), seen)
        if isinstance(found, ArrayObject):
            stack.extend(found)
        elif isinstance(found, DictionaryObject):
            _strip_dictionary(found)
            stack.extend(found.values())


def _strip_dictionary(found: DictionaryObject) -> None:
    for key in [k for k in found if k in _DROPPED_KEYS]:
        del found[key]
    for key in [k for k in found if k in _ACTION_KEYS]:
        if _active(found[key]):
            del found[key]
    annotations = found.get("/Annots")
    if isinstance(annotations, IndirectObject):
        annotations = annotations.get_object()
    if isinstance(annotations, ArrayObject):
        kept = [a for a in annotations if not _dropped_annotation(a)]
        if len(kept) != len(annotations):
            found[NameObject("/Annots")] = ArrayObject(kept)
    subtype = found.get("/Subtype")
    if "/Rect" in found and subtype is not None and subtype != "/Widget":
        for key in _ANNOTATION_AUTHOR:
            found.pop(key, None)
    if found.get("/FT") == "/Sig":  # a signature field: its value is the signature
        found.pop("/V", None)
