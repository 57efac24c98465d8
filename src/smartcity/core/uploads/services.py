"""Accepting an upload: size and count limits, a file name extension that must match what
the content is (sniffed from its first bytes, not taken from the browser's Content-Type), a
virus scan where a scanner is configured, and storage under a generated name.

Every image (JPEG, PNG) is decoded and encoded again before it is stored (`clean_image`): that
leaves its metadata behind (EXIF with the camera's GPS position, comments, colour profiles),
turns it upright and makes it at most `MAX_EDGE` pixels long. The size limit applies to the
re-encoded image, which is what is stored. `prepare` does all checks of a file and returns
what `store` then stores, so that a caller checks everything before it stores anything."""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import re
import secrets
import struct
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import puremagic
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInput, ServiceError, ServiceUnavailable
from smartcity.core.settings import Settings
from smartcity.core.uploads import clamav
from smartcity.core.uploads.models import StoredFile

# What we accept, by extension; the content must be of the same type.
TYPES_BY_EXTENSION = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
DEFAULT_TYPES = frozenset(TYPES_BY_EXTENSION.values())
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
# Images are stored at most this many pixels long (longer ones are made smaller).
MAX_EDGE = 4096
# At most this many pixels are ever decoded: a larger image is refused before it is decoded (a
# small file can unpack to gigabytes).
MAX_PIXELS = MAX_EDGE * MAX_EDGE
# A JPEG's decoder can draw it at 1/2, 1/4 or 1/8 of its size without decoding it whole, so a
# larger JPEG photo (up to this many pixels) is decoded at the first of these scales that stays
# within MAX_PIXELS. Below Pillow's own warning threshold (about 89 megapixels).
MAX_JPEG_PIXELS = 80_000_000
# What Pillow raises for a broken image or broken metadata (EXIF is parsed by hand-written
# code that fails in many ways).
_UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    SyntaxError,
    struct.error,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    ZeroDivisionError,
    EOFError,
    MemoryError,
)

log = logging.getLogger(__name__)


class PayloadTooLarge(ServiceError):
    status = 413
    title = "Payload too large"
    type_slug = "payload-too-large"

    def __init__(self, detail: str, *, size: int = 0, limit: int = 0) -> None:
        super().__init__(detail)
        self.size = size  # bytes; 0 where unknown
        self.limit = limit


class UnsupportedMediaType(ServiceError):
    status = 415
    title = "Unsupported media type"
    type_slug = "unsupported-media-type"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_files: int
    scanner_url: str

    @classmethod
    def of(cls, settings: Settings) -> UploadLimits:
        return cls(settings.upload_max_bytes, settings.upload_max_files, settings.clamav_url)


def safe_name(name: str) -> str:
    """The uploader's file name, reduced to something harmless to show: no path, no control
    characters, at most 200 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable())
    cleaned = cleaned.strip().lstrip(".") or "datei"
    return cleaned[-200:]


def sniff(data: bytes) -> str | None:
    try:
        found: str = puremagic.from_string(data[:4096], mime=True)
    except (puremagic.PureError, ValueError):
        return None
    return found or None


def _names(types: Collection[str]) -> str:
    return ", ".join(sorted(TYPE_NAMES.get(t, t) for t in types))


def check_content(name: str, data: bytes, allowed: Collection[str]) -> str:
    """The content type of an acceptable file; InvalidInput/UnsupportedMediaType with the
    reason otherwise."""
    if not data:
        raise InvalidInput("Die Datei ist leer.", errors={"file": "Die Datei ist leer."})
    extension = Path(name).suffix.lower()
    expected = TYPES_BY_EXTENSION.get(extension)
    if expected is None or expected not in allowed:
        raise UnsupportedMediaType(
            f"Dateien vom Typ „{extension or 'ohne Endung'}“ werden hier nicht angenommen. "
            f"Erlaubt: {_names(allowed)}."
        )
    actual = sniff(data)
    if actual != expected:
        raise UnsupportedMediaType(
            f"Der Inhalt der Datei passt nicht zur Endung „{extension}“ "
            f"(erwartet: {TYPE_NAMES[expected]}). Bitte laden Sie die Originaldatei hoch."
        )
    return expected


def check_size(limits: UploadLimits, size: int) -> None:
    """PayloadTooLarge (with the file's size and the limit) for a file over the limit."""
    if size > limits.max_bytes:
        raise PayloadTooLarge(
            f"Die Datei ist zu groß ({_mb(size)} MB); "
            f"erlaubt sind höchstens {_mb(limits.max_bytes)} MB.",
            size=size,
            limit=limits.max_bytes,
        )


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f}".replace(".", ",")


# Modes an image is encoded in as it is; any other (CMYK, 16 bits, …) is converted first.
_KEPT_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA"})
# What an EXIF orientation asks for to show the picture upright.
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def clean_image(data: bytes, content_type: str) -> bytes:
    """The image drawn again, without any of its metadata, upright as the camera meant it and
    at most MAX_EDGE pixels long; InvalidInput for a picture that cannot be read or has too
    many pixels (both a clear answer to the uploader, never an error of the server)."""
    unreadable = "Das Bild kann nicht gelesen werden. Bitte senden Sie ein JPEG- oder PNG-Foto."
    jpeg = content_type == "image/jpeg"
    try:
        # Only the format the content was sniffed as: no other decoder gets to parse it.
        with Image.open(io.BytesIO(data), formats=[_FORMATS[content_type]]) as opened:
            width, height = opened.size
            scale = _jpeg_scale(width, height) if jpeg and width * height <= MAX_JPEG_PIXELS else 1
            if scale > 1:
                opened.draft(None, (width // scale, height // scale))
                width, height = opened.size
            if width * height > MAX_PIXELS:
                raise _too_many(jpeg)
            orientation = opened.getexif().get(0x0112)
            opened.load()
            image: Image.Image = opened
            if image.mode not in _KEPT_MODES:  # before resizing, which not every mode knows
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            image.thumbnail((MAX_EDGE, MAX_EDGE))  # in place; only ever smaller
            method = _TURNS.get(orientation) if isinstance(orientation, int) else None
            if method is not None:
                image = image.transpose(method)
            # Nothing of `info` (EXIF, XMP, comments, text chunks, ICC profile) may reach the
            # encoder; a PNG's transparent colour is the only thing kept.
            transparency = image.info.get("transparency")
            image.info = {} if transparency is None or jpeg else {"transparency": transparency}
            out = io.BytesIO()
            if jpeg:
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.save(out, format="JPEG", quality=88, optimize=True)
            else:
                # The default compression: PNG's "optimize" costs seconds on a large picture.
                image.save(out, format="PNG")
    except InvalidInput:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours
        raise _too_many(jpeg) from None
    except _UNREADABLE:
        raise InvalidInput(unreadable, errors={"file": unreadable}) from None
    return out.getvalue()


def _too_many(jpeg: bool) -> InvalidInput:
    most = (MAX_JPEG_PIXELS if jpeg else MAX_PIXELS) // 1_000_000
    too_many = f"Das Bild hat zu viele Pixel (höchstens {most} Megapixel)."
    return InvalidInput(too_many, errors={"file": too_many})


def _jpeg_scale(width: int, height: int) -> int:
    """The smallest of the JPEG decoder's scales (1, 2, 4, 8) at which the picture decodes to
    at most MAX_PIXELS."""
    for scale in (1, 2, 4, 8):
        if -(-width // scale) * -(-height // scale) <= MAX_PIXELS:
            return scale
    return 8


@dataclass(frozen=True)
class Prepared:
    """A file `prepare` accepted, as `store` stores it (an image re-encoded)."""

    name: str
    content_type: str
    data: bytes


def prepare(
    limits: UploadLimits, name: str, data: bytes, allowed: Collection[str] = DEFAULT_TYPES
) -> Prepared:
    """Everything `store` checks of the file itself (size, type, content, an image's pixels),
    and the file as it will be stored; nothing is stored here."""
    check_size(limits, len(data))
    shown = safe_name(name)
    content_type = check_content(shown, data, allowed)
    if content_type in IMAGE_TYPES:
        data = clean_image(data, content_type)
        check_size(limits, len(data))
    return Prepared(shown, content_type, data)


def check_file(limits: UploadLimits, name: str, data: bytes, allowed: Collection[str]) -> str:
    """What `store` checks of the file itself (size, type, content, an image's pixels) before
    anything is stored: callers check first, so that a refused file refuses the whole
    submission. (`prepare` also returns the checked file, which `store` then takes as it is.)"""
    return prepare(limits, name, data, allowed).content_type


def store(
    db: Session,
    *,
    data_dir: Path,
    limits: UploadLimits,
    municipality_id: int,
    owner_kind: str,
    owner_id: int,
    name: str,
    data: bytes | Prepared,
    field: str | None = None,
    allowed: Collection[str] = DEFAULT_TYPES,
) -> StoredFile:
    """Stores the file (`data`, or what `prepare` returned for it) under a generated name:
    checked as `prepare` checks it, counted against `limits.max_files` of its owner, and
    scanned where a scanner is configured."""
    if isinstance(data, Prepared):
        if data.content_type not in allowed:
            raise UnsupportedMediaType(f"Erlaubt: {_names(allowed)}.")
        prepared = data
    else:
        prepared = prepare(limits, name, data, allowed)
    shown, content_type, data = prepared.name, prepared.content_type, prepared.data
    existing = db.scalar(
        select(func.count())
        .select_from(StoredFile)
        .where(StoredFile.owner_kind == owner_kind, StoredFile.owner_id == owner_id)
    )
    if (existing or 0) >= limits.max_files:
        raise InvalidInput(f"Es können höchstens {limits.max_files} Dateien angehängt werden.")
    scanned = False
    if limits.scanner_url:
        try:
            found = clamav.scan(limits.scanner_url, data)
        except clamav.ScannerUnavailable as exc:
            raise ServiceUnavailable(
                "Dateien können gerade nicht geprüft werden. Bitte versuchen Sie es später.",
                retry_after=60,
            ) from exc
        if found is not None:
            raise InvalidInput(
                f"Die Datei enthält Schadsoftware ({found}) und wurde nicht gespeichert."
            )
        scanned = True
    storage_name = secrets.token_hex(16)
    _write(data_dir / "uploads" / str(municipality_id), storage_name, data)
    stored = StoredFile(
        municipality_id=municipality_id,
        public_id=secrets.token_urlsafe(16),
        owner_kind=owner_kind,
        owner_id=owner_id,
        field=field,
        original_name=shown,
        content_type=content_type,
        size=len(data),
        sha512=hashlib.sha512(data).hexdigest(),
        storage_name=storage_name,
        scanned=scanned,
    )
    db.add(stored)
    try:
        db.flush()
    except BaseException:
        unlink_all([data_dir / "uploads" / str(municipality_id) / storage_name])
        raise
    return stored


class StorageFull(ServiceError):
    status = 507
    title = "Insufficient storage"
    type_slug = "insufficient-storage"


def _write(directory: Path, name: str, data: bytes) -> None:
    """The file, whole or not at all: a disk that is full or failing is the operator's
    problem, the citizen gets a clear answer (and nothing half-written stays behind)."""
    path = directory / name
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        if path.is_file():
            path.unlink()
        log.error("upload not stored", extra={"error": exc.strerror or type(exc).__name__})
        if exc.errno == errno.ENOSPC:
            raise StorageFull(
                "Die Datei kann gerade nicht gespeichert werden: der Speicherplatz ist "
                "erschöpft. Bitte versuchen Sie es später erneut."
            ) from exc
        raise ServiceUnavailable(
            "Die Datei kann gerade nicht gespeichert werden. Bitte versuchen Sie es später.",
            retry_after=300,
        ) from exc


def path_of(data_dir: Path, stored: StoredFile) -> Path:
    return data_dir / "uploads" / str(stored.municipality_id) / stored.storage_name


def read(data_dir: Path, stored: StoredFile) -> bytes:
    return path_of(data_dir, stored).read_bytes()


class FileFacts(TypedDict):
    """What an API tells about a stored file (its answer models add where it belongs)."""

    id: str
    name: str
    content_type: str
    size: int
    sha512: str


def facts(stored: StoredFile) -> FileFacts:
    return FileFacts(
        id=stored.public_id,
        name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha512=stored.sha512,
    )


def files_of(db: Session, owner_kind: str, owner_id: int) -> list[StoredFile]:
    return list(
        db.scalars(
            select(StoredFile)
            .where(StoredFile.owner_kind == owner_kind, StoredFile.owner_id == owner_id)
            .order_by(StoredFile.id)
        )
    )


def remove(db: Session, data_dir: Path, stored: StoredFile) -> Path:
    """Delete the row; returns the file, which the caller deletes once the transaction has
    committed (`unlink_all`), so a rollback never leaves a row without its bytes."""
    db.delete(stored)
    return path_of(data_dir, stored)


def unlink_all(paths: Collection[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
