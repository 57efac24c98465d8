"""Accepting an upload: size and count limits, a file name extension that must match what
the content is (sniffed from its first bytes, not taken from the browser's Content-Type), a
virus scan where a scanner is configured, and storage under a generated name."""

from __future__ import annotations

import errno
import hashlib
import logging
import re
import secrets
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import puremagic
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


def check_file(limits: UploadLimits, name: str, data: bytes, allowed: Collection[str]) -> str:
    """What `store` checks of the file itself (size, type, content) before anything is
    stored: callers check first, so that a refused file refuses the whole submission."""
    check_size(limits, len(data))
    return check_content(safe_name(name), data, allowed)


def store(
    db: Session,
    *,
    data_dir: Path,
    limits: UploadLimits,
    municipality_id: int,
    owner_kind: str,
    owner_id: int,
    name: str,
    data: bytes,
    field: str | None = None,
    allowed: Collection[str] = DEFAULT_TYPES,
) -> StoredFile:
    check_size(limits, len(data))
    existing = db.scalar(
        select(func.count())
        .select_from(StoredFile)
        .where(StoredFile.owner_kind == owner_kind, StoredFile.owner_id == owner_id)
    )
    if (existing or 0) >= limits.max_files:
        raise InvalidInput(f"Es können höchstens {limits.max_files} Dateien angehängt werden.")
    shown = safe_name(name)
    content_type = check_content(shown, data, allowed)
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
    db.flush()
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
