"""Documents and images of processes and proposals, through the platform's uploads.

Staff add PDF documents and images to a process; a citizen adds up to `MAX_PROPOSAL_FILES`
images or PDFs to their proposal. Every file goes through `core.uploads` (size limit, type by
its content, virus scan where configured, storage under a generated name), which decodes and
encodes images again, without their metadata (EXIF with the camera's GPS position, comments,
colour profiles), upright and at most 4096 pixels long. A proposal's PDF is written again
without its metadata, embedded files and scripts (`core.uploads.pdf.clean_pdf`), since it is
published; a process's documents are the administration's own publications and stay as staff
uploaded them (an accessible PDF's title and language live in its metadata). Every file needs a
description: the alternative text of an image, the link text of a document.

While the process collects proposals, the author of a proposal can remove its files
(`remove_from_proposal`, audited).

A proposal's files are served to everybody only while the proposal is visible (not hidden,
not held for review); the author also sees those of their proposal held for review, and the
moderation every file of its municipality (`any_file`). They are the author's personal data
and go with the proposal's erasure."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import InvalidInput, NotFound, PermissionDenied, ServiceError
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.core.uploads.pdf import clean_pdf
from smartcity.core.uploads.services import UploadLimits
from smartcity.participation import services
from smartcity.participation.models import ALLOWED as PHASE_ACTIONS
from smartcity.participation.models import Attachment, Process, Proposal

# Owner kinds of the platform's uploads (stored_file.owner_kind, at most 20 characters).
PROCESS_FILES = "participation_proc"
PROPOSAL_FILES = "participation_prop"
IMAGE_TYPES = uploads.IMAGE_TYPES
DOCUMENT_TYPES = frozenset({"application/pdf"})
ALLOWED = IMAGE_TYPES | DOCUMENT_TYPES
MAX_PROPOSAL_FILES = 3
MAX_PROCESS_FILES = 30
MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class FileInput:
    name: str
    data: bytes
    description: str
    # The form's slot the file came in ("file2", "description2"); 0: its place in the list.
    slot: int = 0


@dataclass(frozen=True)
class Shown:
    """An attachment as a page or the API shows it."""

    public_id: str
    kind: str
    description: str
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Ready:
    """A file `check` accepted: what was given, and the file as it will be stored."""

    given: FileInput
    file: uploads.Prepared


def check(
    files: Sequence[FileInput],
    limits: UploadLimits,
    *,
    most: int,
    decode: bool = True,
    documents_as_sent: bool = False,
) -> tuple[list[Ready], dict[str, str]]:
    """The files ready to store (images re-encoded by `core.uploads`, PDFs written again
    without their metadata unless `documents_as_sent`) and what is wrong, by field ("file1",
    "description1", …, or "files"); nothing is stored here. With `decode=False` only the cheap
    checks are made (count, description, size, type) and no file is returned: for a form that
    is refused anyway, no image or PDF is decoded."""
    errors: dict[str, str] = {}
    ready: list[Ready] = []
    if len(files) > most:
        errors["files"] = "Too many files: please attach fewer."
    for place, given in enumerate(files, start=1):
        number = given.slot or place
        try:
            uploads.check_size(limits, len(given.data))
            content_type = uploads.check_content(uploads.safe_name(given.name), given.data, ALLOWED)
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
        if not decode:
            continue
        try:
            prepared = uploads.prepare(limits, given.name, given.data, ALLOWED)
            if prepared.content_type in DOCUMENT_TYPES and not documents_as_sent:
                prepared = dataclasses.replace(prepared, data=clean_pdf(prepared.data))
                # What is stored is what the limit is for (as for a re-encoded image).
                uploads.check_size(limits, len(prepared.data))
        except ServiceError as exc:
            errors[f"file{number}"] = exc.detail
            continue
        ready.append(Ready(given, prepared))
    return ready, errors


def _store(
    db: Session,
    *,
    process: Process,
    proposal: Proposal | None,
    ready: Ready,
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
        name=ready.given.name,
        data=ready.file,
        allowed=ALLOWED,
    )
    attachment = Attachment(
        file_id=stored.id,
        process_id=process.id,
        proposal_id=proposal.id if proposal is not None else None,
        kind="image" if stored.content_type in IMAGE_TYPES else "document",
        description=ready.given.description.strip()[:MAX_DESCRIPTION],
    )
    db.add(attachment)
    db.flush()
    return attachment


def add_to_proposal(
    db: Session,
    process: Process,
    proposal: Proposal,
    files: Sequence[Ready],
    *,
    data_dir: Path,
    limits: UploadLimits,
) -> list[Attachment]:
    """Stores files `check` returned for the proposal its author just made. The caller makes
    the proposal and calls this in one savepoint: a file refused here (the virus scanner)
    raises InvalidInput naming its field, which takes the proposal back, and the bytes of the
    files stored before it are deleted again."""
    capped = dataclasses.replace(limits, max_files=MAX_PROPOSAL_FILES)
    made: list[Attachment] = []
    written: list[Path] = []
    try:
        for ready in files:
            attachment = _store(
                db,
                process=process,
                proposal=proposal,
                ready=ready,
                data_dir=data_dir,
                limits=capped,
            )
            stored = db.get(StoredFile, attachment.file_id)
            if stored is not None:
                written.append(uploads.path_of(data_dir, stored))
            made.append(attachment)
    except InvalidInput as exc:
        uploads.unlink_all(written)
        field = f"file{files[len(made)].given.slot or len(made) + 1}"
        raise InvalidInput(exc.detail, errors={field: exc.detail}) from None
    except BaseException:
        uploads.unlink_all(written)
        raise
    return made


def add_to_process(
    db: Session,
    process: Process,
    given: FileInput,
    *,
    data_dir: Path,
    limits: UploadLimits,
    actor: str,
) -> Attachment:
    """A document or image of the process (staff; audited). A document stays as uploaded: it
    is the administration's own publication, whose metadata (an accessible PDF's title and
    language) staff chose."""
    ready, errors = check([given], limits, most=1, documents_as_sent=True)
    if errors:
        raise InvalidInput(next(iter(errors.values())), errors=errors)
    capped = dataclasses.replace(limits, max_files=MAX_PROCESS_FILES)
    attachment = _store(
        db, process=process, proposal=None, ready=ready[0], data_dir=data_dir, limits=capped
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
    attachment, stored = _attached(db, process, None, public_id)
    audit.record(
        db,
        actor=actor,
        action="participation.process.file.remove",
        resource_type="participation_process",
        resource_id=process.id,
        changes={"file": stored.id, "description": attachment.description},
    )
    return _delete(db, data_dir, attachment, stored)


def remove_from_proposal(
    db: Session,
    process: Process,
    proposal: Proposal,
    public_id: str,
    *,
    citizen_subject: str,
    data_dir: Path,
) -> Path:
    """Removes a file of the proposal at its author's request (audited), while the process
    collects proposals (the phase in which proposals are made: afterwards others have judged
    and supported the proposal as it was). Returns the bytes' path, which the caller deletes
    once the transaction has committed."""
    if proposal.author_subject is None or proposal.author_subject != citizen_subject:
        raise PermissionDenied("Only the author of a proposal can remove its files.")
    phase = services.current_phase(db, process)
    if phase is None or "propose" not in PHASE_ACTIONS[phase.kind]:
        raise services.PhaseClosed(
            "The files of a proposal can be removed only while the process collects proposals."
        )
    attachment, stored = _attached(db, process, proposal.id, public_id)
    audit.record(
        db,
        actor="citizen",
        action="participation.proposal.file.remove",
        resource_type="participation_proposal",
        resource_id=proposal.id,
        # Not the description: the author's words, which an erasure request must be able to
        # take back, while the audit chain is never changed.
        changes={"file": stored.id, "kind": attachment.kind},
    )
    return _delete(db, data_dir, attachment, stored)


def _attached(
    db: Session, process: Process, proposal_id: int | None, public_id: str
) -> tuple[Attachment, StoredFile]:
    """The attachment with this public id of the process itself (`proposal_id` None) or of
    one of its proposals; NotFound for any other file."""
    owner = (
        Attachment.proposal_id.is_(None)
        if proposal_id is None
        else Attachment.proposal_id == proposal_id
    )
    row = db.execute(
        select(Attachment, StoredFile)
        .join(StoredFile, StoredFile.id == Attachment.file_id)
        .where(StoredFile.public_id == public_id, Attachment.process_id == process.id, owner)
    ).first()
    if row is None:
        raise NotFound("There is no such file.")
    return row[0], row[1]


def _delete(db: Session, data_dir: Path, attachment: Attachment, stored: StoredFile) -> Path:
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


def of_proposals(db: Session, proposal_ids: Sequence[int]) -> dict[int, list[Shown]]:
    """The files of these proposals (of any process), by proposal: for the moderation."""
    found: dict[int, list[Shown]] = {}
    if not proposal_ids:
        return found
    query = (
        select(Attachment, StoredFile)
        .join(StoredFile, StoredFile.id == Attachment.file_id)
        .where(Attachment.proposal_id.in_(proposal_ids))
        .order_by(Attachment.id)
    )
    for attachment, stored in db.execute(query):
        assert attachment.proposal_id is not None
        found.setdefault(attachment.proposal_id, []).append(
            Shown(
                stored.public_id,
                attachment.kind,
                attachment.description,
                stored.original_name,
                stored.content_type,
                stored.size,
            )
        )
    return found


def public_file(
    db: Session, process: Process, public_id: str, *, viewer: str | None = None
) -> StoredFile:
    """A file anybody may download: the process's own, or one of a visible proposal (a
    hidden proposal's or one held for review is not found). `viewer`, the subject of the
    citizen asking, also gets the files of their own proposal held for review."""
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
        if proposal is None or proposal.hidden_at is not None:
            raise NotFound("There is no such file.")
        own = viewer is not None and proposal.author_subject == viewer
        if proposal.held_at is not None and not own:
            raise NotFound("There is no such file.")
    found: StoredFile = stored
    return found


def any_file(db: Session, public_id: str) -> StoredFile:
    """Any file of a process or proposal of this municipality (the session's tenant), also
    of a hidden or held proposal: for the moderation, which decides on them."""
    stored = db.scalar(
        select(StoredFile)
        .join(Attachment, Attachment.file_id == StoredFile.id)
        .where(StoredFile.public_id == public_id)
    )
    if stored is None:
        raise NotFound("There is no such file.")
    found: StoredFile = stored
    return found
