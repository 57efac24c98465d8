"""Filling in and submitting an application.

A draft is reached with its access token (the `Draft-Token` header), which the browser keeps
while the citizen works. Saving with an e-mail address mails a resume link holding a one-time
resume token: opening it hands out a fresh access token (the old ones stop working) and the
link is used up. Drafts expire `SMARTCITY_DRAFT_DAYS` after the last save.

Submitting checks the whole form, creates the submission and its case in one transaction,
signs the receipt, moves the uploads over and queues the confirmation mail.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from smartcity.cases import services as cases
from smartcity.cases.workflow import Workflow
from smartcity.citizen import receipts, tracking
from smartcity.citizen.catalog import OfferedService, adoption_by_id
from smartcity.citizen.forms import FormDefinition, field_errors
from smartcity.citizen.models import Draft, FormVersion, Submission
from smartcity.citizen.schemas import DraftIn, DraftOut, SubmitIn, UploadOut
from smartcity.core.audit.services import record
from smartcity.core.db import table_of, transaction, utcnow
from smartcity.core.documents import local_time
from smartcity.core.errors import Conflict, Gone, InvalidInput, NotAuthenticated, NotFound
from smartcity.core.jobs import PeriodicJob
from smartcity.core.lookup import found_or_404
from smartcity.core.mail.services import queue_mail
from smartcity.core.modules import ERASE_DELETE, Removal, Removed, RetentionJob
from smartcity.core.platform import Platform
from smartcity.core.portal import Portal
from smartcity.core.signing import services as signing
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile

DRAFT = "draft"
SUBMISSION = "submission"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _form_of(db: Session, service: OfferedService) -> FormVersion:
    if service.form is None or not service.adoption.active:
        raise Conflict("Dieser Dienst nimmt gerade keine Anträge an.")
    return service.form


def _require_login(service: OfferedService, citizen_subject: str | None) -> None:
    if not service.template.allows_anonymous and citizen_subject is None:
        raise NotAuthenticated("Für diesen Antrag melden Sie sich bitte zuerst an.")


def _require_general_form(service: OfferedService) -> None:
    """A service with its own page (the Mängelmelder) or filed only by the platform (lamp
    faults) takes no application through the general form: its own page checks what the
    general form cannot (a known category, a place on the map)."""
    page = service.template.start_page
    if page is None:
        return
    if page:
        raise Conflict(
            f"Diesen Dienst beantragen Sie nicht mit dem allgemeinen Formular, sondern hier: {page}"
        )
    raise Conflict("Diesen Dienst beantragen Bürgerinnen und Bürger nicht selbst.")


def draft_out(
    db: Session,
    draft: Draft,
    *,
    access_token: str | None = None,
    resume_url: str | None = None,
    errors: dict[str, str] | None = None,
) -> DraftOut:
    service = adoption_by_id(db, draft.adoption_id)
    version = db.get(FormVersion, draft.form_version_id)
    assert version is not None
    files = uploads.files_of(db, DRAFT, draft.id)
    return DraftOut(
        id=draft.id,
        service=service.template.key,
        form_version=version.version,
        data=draft.data,
        step=draft.step,
        expires_at=draft.expires_at,
        uploads=[upload_out(f) for f in files],
        access_token=access_token,
        resume_url=resume_url,
        errors=errors or {},
    )


def upload_out(stored: StoredFile) -> UploadOut:
    return UploadOut(**uploads.facts(stored), field=stored.field)


def start_draft(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    service: OfferedService,
    data: DraftIn,
    citizen_subject: str | None,
    now: datetime | None = None,
) -> DraftOut:
    now = now or utcnow()
    _require_login(service, citizen_subject)
    _require_general_form(service)
    form = _form_of(db, service)
    access = _new_token()
    draft = Draft(
        municipality_id=municipality.id,
        adoption_id=service.adoption.id,
        form_version_id=form.id,
        data={},
        step=0,
        access_token_hash=_hash(access),
        citizen_subject=citizen_subject,
        created_at=now,
        expires_at=now + portal.draft_lifetime,
    )
    db.add(draft)
    db.flush()
    return save_draft(db, portal, municipality, draft, data, now, access_token=access)


def draft_by_token(db: Session, access_token: str, now: datetime | None = None) -> Draft:
    draft = found_or_404(
        db.scalar(select(Draft).where(Draft.access_token_hash == _hash(access_token))),
        "Diesen Entwurf gibt es nicht (mehr). Nutzen Sie den Link aus Ihrer E-Mail, um "
        "einen gespeicherten Antrag fortzusetzen.",
    )
    if draft.expires_at <= (now or utcnow()):
        raise Gone("Der Entwurf ist abgelaufen. Bitte beginnen Sie den Antrag neu.")
    return draft


def save_draft(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    draft: Draft,
    data: DraftIn,
    now: datetime | None = None,
    *,
    access_token: str | None = None,
    language: str = "de",
) -> DraftOut:
    """Keep what was entered (whatever its state: a draft may be incomplete). With
    `check_step`, that step's fields are checked; with errors the draft stays on it."""
    now = now or utcnow()
    version = db.get(FormVersion, draft.form_version_id)
    assert version is not None
    form = FormDefinition(version.schema, version.ui)
    draft.data = data.data
    errors: dict[str, str] = {}
    if data.check_step is not None:
        steps = form.steps()
        if data.check_step >= max(len(steps), 1):
            raise InvalidInput(f"Das Formular hat keinen Schritt {data.check_step + 1}.")
        fields = steps[data.check_step] if steps else form.property_paths()
        errors = field_errors(form, data.data, language, only=fields)
    draft.step = data.check_step if errors and data.check_step is not None else data.step
    draft.updated_at = now
    draft.expires_at = now + portal.draft_lifetime
    resume_url = None
    if data.email is not None:
        resume = _new_token()
        draft.resume_token_hash = _hash(resume)
        # The code travels after "#": browsers never send it to a server or in a Referer.
        resume_url = f"{portal.base(municipality)}/antrag/fortsetzen#{resume}"
        service = adoption_by_id(db, draft.adoption_id)
        queue_mail(
            db,
            to=data.email,
            subject=f"Ihr gespeicherter Antrag: {service.name('de')}",
            body=(
                f"Guten Tag,\n\nSie haben einen Antrag „{service.name('de')}“ bei "
                f"{municipality.name} gespeichert. Mit diesem Link setzen Sie ihn fort "
                f"(einmal gültig, bis {local_time(draft.expires_at, municipality)}):"
                f"\n\n{resume_url}\n\nOder geben Sie auf der Seite „Gespeicherten Antrag "
                f"fortsetzen“ diesen Code ein:\n\n{resume}\n\n"
                "Wenn Sie das nicht waren, können Sie diese Nachricht ignorieren."
            ),
        )
    return draft_out(db, draft, access_token=access_token, resume_url=resume_url, errors=errors)


def resume(db: Session, resume_token: str, now: datetime | None = None) -> DraftOut:
    """Use up a resume token; the draft gets a fresh access token."""
    draft = found_or_404(
        db.scalar(select(Draft).where(Draft.resume_token_hash == _hash(resume_token))),
        "Dieser Link wurde schon benutzt oder ist unbekannt. Speichern Sie den Antrag "
        "erneut, um einen neuen Link zu bekommen.",
    )
    if draft.expires_at <= (now or utcnow()):
        raise Gone("Der Entwurf ist abgelaufen. Bitte beginnen Sie den Antrag neu.")
    access = _new_token()
    draft.access_token_hash = _hash(access)
    draft.resume_token_hash = None
    return draft_out(db, draft, access_token=access)


def add_upload(
    db: Session, portal: Portal, draft: Draft, field: str, name: str, data: bytes
) -> UploadOut:
    version = db.get(FormVersion, draft.form_version_id)
    assert version is not None
    form = FormDefinition(version.schema, version.ui)
    if field not in form.file_fields():
        raise InvalidInput(f"Das Formular hat kein Feld {field!r} für Dateien.")
    stored = uploads.store(
        db,
        data_dir=portal.data_dir,
        limits=portal.limits,
        municipality_id=draft.municipality_id,
        owner_kind=DRAFT,
        owner_id=draft.id,
        name=name,
        data=data,
        field=field,
        allowed=form.accepted_types(field),
    )
    return upload_out(stored)


def remove_upload(db: Session, portal: Portal, draft: Draft, public_id: str) -> Path:
    for stored in uploads.files_of(db, DRAFT, draft.id):
        if stored.public_id == public_id:
            return uploads.remove(db, portal.data_dir, stored)
    raise NotFound("Diese Datei gehört nicht zu Ihrem Entwurf.")


def _check_files(
    form: FormDefinition, data: dict[str, Any], files: list[StoredFile], language: str
) -> tuple[dict[str, str], list[StoredFile]]:
    """Each file field must name uploads of this draft made for that field; returns errors
    and the files the data refers to (uploads not referred to are dropped)."""
    errors: dict[str, str] = {}
    by_id = {f.public_id: f for f in files}
    used: list[StoredFile] = []
    for path in form.file_fields():
        value = data.get(path)
        if value is None:
            continue
        ids = value if isinstance(value, list) else [value]
        for ident in ids:
            stored = by_id.get(str(ident))
            if stored is None or stored.field != path:
                label = form.label(path, language)
                errors[path] = (
                    f"Die Datei bei „{label}“ wurde nicht hochgeladen. "
                    "Bitte laden Sie sie erneut hoch."
                    if language == "de"
                    else f"The file for “{label}” was not uploaded. Please upload it again."
                )
                break
            used.append(stored)
    return errors, used


# Built once, Core rather than the ORM's execution and unit of work (measured: flushing the
# one new submission cost more than the three statements of an audit append).
_SUBMISSIONS = table_of(Submission)
_CODE_TAKEN = select(_SUBMISSIONS.c.id).where(_SUBMISSIONS.c.tracking_code == bindparam("code"))
_NEW_SUBMISSION = insert(_SUBMISSIONS).returning(_SUBMISSIONS.c.id)


def _store(db: Session, values: dict[str, Any]) -> Submission:
    """Insert a submission and attach it to the session as if it had been loaded."""
    submission = Submission(**values)
    submission.id = db.connection().execute(_NEW_SUBMISSION, values).scalar_one()
    make_transient_to_detached(submission)
    db.add(submission)
    return submission


def submit(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    service: OfferedService,
    data: dict[str, Any],
    request: SubmitIn,
    *,
    citizen_subject: str | None,
    draft: Draft | None = None,
    now: datetime | None = None,
    by_platform: bool = False,
) -> Submitted:
    """The new submission and the files to delete once it has committed (uploads the
    application does not refer to). `by_platform`: filed by a domain's own page or
    process (system_services), which has checked what the general form cannot."""
    now = now or utcnow()
    _require_login(service, citizen_subject)
    if not by_platform:
        _require_general_form(service)
    if draft is not None:
        version = db.get(FormVersion, draft.form_version_id)
        assert version is not None
    else:
        version = _form_of(db, service)
    form = FormDefinition(version.schema, version.ui)
    errors = field_errors(form, data, request.language)
    files = uploads.files_of(db, DRAFT, draft.id) if draft is not None else []
    file_errors, used = _check_files(form, data, files, request.language)
    for path, message in file_errors.items():
        errors.setdefault(path, message)
    if errors:
        raise InvalidInput(
            "Bitte prüfen Sie Ihre Angaben."
            if request.language == "de"
            else "Please check your entries.",
            errors=errors,
        )
    code = tracking.new_code()
    while db.connection().execute(_CODE_TAKEN, {"code": code}).first():
        code = tracking.new_code()
    data_sha256 = receipts.canonical_hash(data)
    claims = receipts.claims(
        base_url=portal.base(municipality),
        code=code,
        submitted_at=now,
        service=service,
        form=version,
        data_sha256=data_sha256,
        files=used,
    )
    submission = _store(
        db,
        {
            "municipality_id": municipality.id,
            "adoption_id": service.adoption.id,
            "form_version_id": version.id,
            "tracking_code": code,
            "data": data,
            "data_sha256": data_sha256,
            "contact_email": request.email,
            "citizen_subject": citizen_subject,
            "language": request.language,
            "submitted_at": now,
            "receipt": signing.sign(db, municipality, claims, portal.secret),
            "anonymised_at": None,
        },
    )
    leftovers = []
    for stored in files:
        if stored in used:
            stored.owner_kind, stored.owner_id = SUBMISSION, submission.id
        else:
            leftovers.append(uploads.remove(db, portal.data_dir, stored))
    if draft is not None:
        db.delete(draft)
    case_id = cases.open_case(
        db,
        cases.CaseOpening(
            municipality_id=submission.municipality_id,
            submission_id=submission.id,
            adoption_id=service.adoption.id,
            department=service.department,
            workflow=Workflow.of(service.template.workflow),
            processing_days=service.processing_days,
        ),
        now,
    )
    record(
        db,
        actor="citizen" if citizen_subject else "anonymous",
        action="submission.create",
        resource_type="case",
        resource_id=case_id,
        changes={"service": service.template.key, "form_version": version.version},
    )
    if request.email:
        _confirm(db, portal, municipality, service, submission)
    return Submitted(submission, leftovers)


@dataclass(frozen=True)
class Submitted:
    submission: Submission
    unused_files: list[Path]


def _confirm(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    service: OfferedService,
    submission: Submission,
) -> None:
    assert submission.contact_email is not None
    # The page a person reads; the PDF comes from the API.
    status = f"{portal.base(municipality)}/status/{submission.tracking_code}"
    pdf = f"{portal.api(municipality)}/status/{submission.tracking_code}/receipt.pdf"
    when = local_time(submission.submitted_at, municipality, submission.language)
    # A defect report (a service with its own page) is a report, not an application.
    report = service.template.start_page is not None
    if submission.language == "en":
        subject = f"Received: {service.name('en')} ({submission.tracking_code})"
        noun = "report" if report else "application"
        body = (
            f"Hello,\n\n{municipality.name} received your {noun} “{service.name('en')}” "
            f"on {when}.\n\nTracking code: {submission.tracking_code}\nStatus: {status}\n"
            f"Receipt (PDF): {pdf}\n\nChecksum of your entries (SHA-256): "
            f"{submission.data_sha256}\n"
        )
    else:
        subject = f"Eingangsbestätigung: {service.name('de')} ({submission.tracking_code})"
        noun = "Ihre Meldung" if report else "Ihren Antrag"
        body = (
            f"Guten Tag,\n\n{municipality.name} hat {noun} „{service.name('de')}“ am {when} "
            f"erhalten.\n\nVorgangsnummer: {submission.tracking_code}\n"
            f"Bearbeitungsstand: {status}\nEingangsbestätigung (PDF): {pdf}\n\n"
            f"Prüfsumme Ihrer Angaben (SHA-256): {submission.data_sha256}\n"
        )
    queue_mail(db, to=submission.contact_email, subject=subject, body=body)


def submission_by_code(db: Session, typed: str) -> Submission:
    code = tracking.normalise(typed)
    return found_or_404(
        db.scalar(select(Submission).where(Submission.tracking_code == code)) if code else None,
        "Zu dieser Vorgangsnummer gibt es hier keinen Antrag. Bitte prüfen Sie die Nummer.",
    )


DRAFT_LABEL = "draft: until it expires unused (days set by the portal)"


def remove_expired_drafts(platform: Platform, now: datetime | None = None) -> int:
    """Delete drafts past their expiry, with their uploads."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        removed = remove_drafts(platform, db, now or utcnow())
    uploads.unlink_all(removed.files)
    return sum(r.rows for r in removed.removals if r.table == Draft.__tablename__)


def count_expired_drafts(platform: Platform, db: Session, now: datetime) -> list[Removal]:
    """The dry run in the session's scope: drafts expired at `now` and their uploads."""
    expired = select(Draft.id).where(Draft.expires_at <= now)
    drafts = db.scalar(select(func.count()).select_from(expired.subquery())) or 0
    files = db.scalar(
        select(func.count())
        .select_from(StoredFile)
        .where(StoredFile.owner_kind == DRAFT, StoredFile.owner_id.in_(expired))
    )
    found = [Removal(Draft.__tablename__, DRAFT_LABEL, ERASE_DELETE, drafts)] if drafts else []
    if files:
        found.append(Removal(StoredFile.__tablename__, DRAFT_LABEL, ERASE_DELETE, files))
    return found


def remove_drafts(platform: Platform, db: Session, now: datetime) -> Removed:
    """Delete the drafts expired at `now` with their uploads (whose bytes go after the
    commit): what `count_expired_drafts` counted."""
    files: list[Path] = []
    expired = db.scalars(select(Draft).where(Draft.expires_at <= now)).all()
    for draft in expired:
        for stored in uploads.files_of(db, DRAFT, draft.id):
            files.append(uploads.remove(db, platform.settings.data_dir, stored))
        db.delete(draft)
    removals = [Removal(Draft.__tablename__, DRAFT_LABEL, ERASE_DELETE, len(expired))]
    if files:
        removals.append(Removal(StoredFile.__tablename__, DRAFT_LABEL, ERASE_DELETE, len(files)))
    return Removed(removals if expired else [], files)


def _run_cleanup(platform: Platform) -> None:
    remove_expired_drafts(platform)


DRAFT_CLEANUP = PeriodicJob("citizen.drafts", 3600, _run_cleanup)
DRAFT_RETENTION = RetentionJob("citizen.drafts", count_expired_drafts, remove_drafts)
