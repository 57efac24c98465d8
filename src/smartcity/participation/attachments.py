"""Documents and images of processes and proposals, through the platform's uploads.

Staff add PDF documents and images to a process; a citizen adds up to `MAX_PROPOSAL_FILES`
images or PDFs to their proposal. Every file goes through `core.uploads` (size limit, type by
its content, virus scan where configured, storage under a generated name); images are first
decoded and encoded again with Pillow, which leaves their metadata behind (EXIF with the
camera's GPS position, comments, colour profiles) and turns the picture upright. Every file
needs a description: the alternative text of an image, the link text of a document.

A proposal's files are served only while the proposal is visible (not hidden, not held for
review); they are the author's personal data and go with the proposal's erasure."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import InvalidInput, NotFound, ServiceError
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.core.uploads.services import UploadLimits
from smartcity.participation.models import Attachment, Process, Proposal

# Owner kinds of the platform's uploads (stored_file.owner_kind, at most 20 characters).
PROCESS_FILES = "participation_proc"
PROPOSAL_FILES = "participation_prop"
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
DOCUMENT_TYPES = frozenset({"application/pdf"})
ALLOWED = IMAGE_TYPES | DOCUMENT_TYPES
MAX_PROPOSAL_FILES = 3
MAX_PROCESS_FILES = 30
MAX_DESCRIPTION = 500
# Larger pictures are refused before they are decoded (a small file can unpack to gigabytes).
MAX_PIXELS = 40_000_000
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


@dataclass(frozen=True)
class FileInput:
    name: str
    data: bytes
    description: str


@dataclass(frozen=True)
class Shown:
    """An attachment as a page or the API shows it."""

    public_id: str
    kind: str
    description: str
    name: str
    content_type: str
    size: int


def reencode(data: bytes, content_type: str) -> bytes:
    """The image drawn again, without any of its metadata, upright as the camera meant it;
    InvalidInput for a picture that cannot be read or is too large."""
    unreadable = "The image cannot be read. Please send a JPEG or PNG photo."
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(
                    "The image has too many pixels (at most 40 megapixels).",
                    errors={"file": "The image has too many pixels (at most 40 megapixels)."},
                )
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            # A new image holds only the pixels: nothing of `info` (EXIF, XMP, text chunks,
            # ICC profile) can reach the encoder.
            clean = Image.new(upright.mode, upright.size)
            clean.paste(upright)
            if upright.mode == "P":
                palette = upright.getpalette()
                if palette is not None:
                    clean.putpalette(palette)
            out = io.BytesIO()
            if content_type == "image/jpeg":
                if clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                clean.save(out, format="JPEG", quality=88, optimize=True)
            else:
                clean.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(unreadable, errors={"file": unreadable}) from None
    return out.getvalue()


def check(
    files: Sequence[FileInput], limits: UploadLimits, *, most: int
) -> tuple[list[FileInput], dict[str, str]]:
    """The files ready to store (images re-encoded) and what is wrong, by field ("file1",
    "description1", …, or "files"); nothing is stored here."""
    errors: dict[str, str] = {}
    ready: list[FileInput] = []
    if len(files) > most:
        errors["files"] = "Too many files: please attach fewer."
    for number, given in enumerate(files, start=1):
        try:
            content_type = uploads.check_file(limits, given.name, given.data, ALLOWED)
        except ServiceError as exc:
            errors[f"file{number}"] = exc.detail
            continue
        if not given.description.strip():
            errors[f"description{number}"] = (
                "Please describe what the image shows (for people who cannot see it)."
                if content_type in IMAGE_TYPES
                else "Please give the document a title."
            )
            continue
        data = given.data
        if content_type in IMAGE_TYPES:
            try:
                data = reencode(given.data, content_type)
            except InvalidInput as exc:
                errors[f"file{number}"] = exc.detail
                continue
        ready.append(dataclasses.replace(given, data=data))
    return ready, errors


def _store(
    db: Session,
    *,
    process: Process,
    proposal: Proposal | None,
    given: FileInput,
    data_dir: Path,
    limits: UploadLimits,
) -> Attachment:
    stored = uploads.store(
        db,
        data_dir=data_dir,
        limits=limits,
        municipality_id=process.municipality_id,
        owner_kind=PROPOSAL_FILES if proposal is not None else PROCESS_FILES,
        owner_id=proposal.id if proposal is not None else process.id,
        name=given.name,
        data=given.data,
        allowed=ALLOWED,
    )
    attachment = Attachment(
        file_id=stored.id,
        process_id=process.id,
        proposal_id=proposal.id if proposal is not None else None,
        kind="image" if stored.content_type in IMAGE_TYPES else "document",
        description=given.description.strip()[:MAX_DESCRIPTION],
    )
    db.add(attachment)
    db.flush()
    return attachment


def add_to_proposal(
    db: Session,
    process: Process,
    proposal: Proposal,
    files: Sequence[FileInput],
    *,
    data_dir: Path,
    limits: UploadLimits,
) -> list[Attachment]:
    """Stores files `check` returned for the proposal its author just made."""
    capped = dataclasses.replace(limits, max_files=MAX_PROPOSAL_FILES)
    return [
        _store(db, process=process, proposal=proposal, given=f, data_dir=data_dir, limits=capped)
        for f in files
    ]


def add_to_process(
    db: Session,
    process: Process,
    given: FileInput,
    *,
    data_dir: Path,
    limits: UploadLimits,
    actor: str,
) -> Attachment:
    """A document or image of the process (staff; audited)."""
    ready, errors = check([given], limits, most=1)
    if errors:
        raise InvalidInput(next(iter(errors.values())), errors=errors)
    capped = dataclasses.replace(limits, max_files=MAX_PROCESS_FILES)
    attachment = _store(
        db, process=process, proposal=None, given=ready[0], data_dir=data_dir, limits=capped
    )
    audit.record(
        db,
        actor=actor,
        action="participation.process.file.add",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"file": attachment.file_id, "description": attachment.description},
    )
    return attachment


def remove_from_process(
    db: Session, process: Process, public_id: str, *, data_dir: Path, actor: str
) -> Path:
    """Removes a file of the process (audited); returns the bytes' path, which the caller
    deletes once the transaction has committed."""
    row = db.execute(
        select(Attachment, StoredFile)
        .join(StoredFile, StoredFile.id == Attachment.file_id)
        .where(
            StoredFile.public_id == public_id,
            Attachment.process_id == process.id,
            Attachment.proposal_id.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound("There is no such file.")
    attachment, stored = row
    audit.record(
        db,
        actor=actor,
        action="participation.process.file.remove",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"file": stored.id, "description": attachment.description},
    )
    db.delete(attachment)
    db.flush()  # before its file, whose deletion would take the row along (ON DELETE CASCADE)
    return uploads.remove(db, data_dir, stored)


def _shown(process: Process, proposal_ids: Sequence[int] | None, db: Session) -> list[Shown]:
    query = (
        select(Attachment, StoredFile)
        .join(StoredFile, StoredFile.id == Attachment.file_id)
        .where(Attachment.process_id == process.id)
        .order_by(Attachment.id)
    )
    if proposal_ids is None:
        query = query.where(Attachment.proposal_id.is_(None))
    else:
        query = query.where(Attachment.proposal_id.in_(proposal_ids))
    return [
        Shown(
            stored.public_id,
            attachment.kind,
            attachment.description,
            stored.original_name,
            stored.content_type,
            stored.size,
        )
        for attachment, stored in db.execute(query)
    ]


def of_process(db: Session, process: Process) -> list[Shown]:
    return _shown(process, None, db)


def of_proposal(db: Session, process: Process, proposal: Proposal) -> list[Shown]:
    return _shown(process, [proposal.id], db)


def public_file(db: Session, process: Process, public_id: str) -> StoredFile:
    """A file anybody may download: the process's own, or one of a visible proposal (a
    hidden proposal's or one held for review is not found)."""
    row = db.execute(
        select(StoredFile, Attachment)
        .join(Attachment, Attachment.file_id == StoredFile.id)
        .where(StoredFile.public_id == public_id, Attachment.process_id == process.id)
    ).first()
    if row is None:
        raise NotFound("There is no such file.")
    stored, attachment = row
    if attachment.proposal_id is not None:
        proposal = db.get(Proposal, attachment.proposal_id)
        if proposal is None or proposal.hidden_at is not None or proposal.held_at is not None:
            raise NotFound("There is no such file.")
    found: StoredFile = stored
    return found
