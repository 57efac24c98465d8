"""Documents and images of processes and proposals: served on the portal (a hidden or held
proposal's files are not, except a held one's to its author), added and removed by staff in the
back office, and every one served to the moderation (the files of a held proposal are shown
in its card on the moderation page)."""

from __future__ import annotations

from pathlib import Path as PathLike
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from smartcity.citizen.deps import CitizenSessionDep
from smartcity.core.http.deps import MunicipalityDep, PortalDep, TenantDbDep
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.core.web.deps import FormDep, PageDep, form_text
from smartcity.core.web.forms import submit
from smartcity.core.web.i18n import _
from smartcity.participation import attachments, services
from smartcity.participation.pages import Manager, Moderator, staff_process_page

file_pages = APIRouter(prefix="/{municipality}/beteiligung", include_in_schema=False)
staff_file_pages = APIRouter(
    prefix="/{municipality}/verwaltung/beteiligung", include_in_schema=False
)
PublicId = Annotated[str, Path(max_length=40)]
# The services' messages (English), listed here so that the catalogue has them.
SERVICE_MESSAGES = (
    _("Please describe what the image shows (for people who cannot see it)."),
    _("Please give the document a title."),
    _("Too many files: please attach fewer."),
    _("There is no such file."),
    _("Only the author of a proposal can remove its files."),
    _("The files of a proposal can be removed only while the process collects proposals."),
)


@file_pages.get("/{slug}/dateien/{public_id}")
def download(
    slug: str,
    public_id: PublicId,
    state: PageDep,
    db: TenantDbDep,
    portal: PortalDep,
    citizen: CitizenSessionDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    viewer = str(citizen.subject) if citizen is not None else None
    stored = attachments.public_file(db, process, public_id, viewer=viewer)
    # What a signed-in citizen gets may be theirs only (their proposal held for review).
    return _served(portal.data_dir, stored, private=citizen is not None)


@staff_file_pages.get("/moderation/dateien/{public_id}")
def moderation_download(
    public_id: PublicId, state: Moderator, db: TenantDbDep, portal: PortalDep
) -> Response:
    """Any file of the municipality's processes and proposals, for the moderation (also of a
    proposal held for review or hidden)."""
    return _served(portal.data_dir, attachments.any_file(db, public_id), private=True)


def _served(data_dir: PathLike, stored: StoredFile, *, private: bool = False) -> Response:
    # A PDF is offered for download; an image is shown. Either way the browser must not
    # guess another type or run anything from it, and must ask again before reusing it
    # (a proposal the moderation hides takes its files along at once); a file not everybody
    # may see stays out of shared caches.
    disposition = "inline" if stored.content_type in attachments.IMAGE_TYPES else "attachment"
    return Response(
        uploads.read(data_dir, stored),
        media_type=stored.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''"
            f"{quote(stored.original_name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache" if private else "no-cache",
        },
    )


@staff_file_pages.post("/{slug}/dateien")
def add(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    upload = form.get("file1")
    name, data = "", b""
    if isinstance(upload, UploadFile) and upload.filename:
        name, data = upload.filename, upload.file.read(portal.limits.max_bytes + 1)
    given = attachments.FileInput(
        name, data, form_text(form, "description1", attachments.MAX_DESCRIPTION)
    )

    def change() -> str:
        attachments.add_to_process(
            db,
            process,
            given,
            data_dir=portal.data_dir,
            limits=portal.limits,
            actor=state.principal.actor,
        )
        return f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}#dateien"

    def again(errors: dict[str, str], status: int) -> Response:
        return staff_process_page(request, state, db, municipality, process, errors, status)

    return submit(change, again)


@staff_file_pages.post("/{slug}/dateien/{public_id}/entfernen")
def remove(
    slug: str,
    public_id: PublicId,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    background: BackgroundTasks,
) -> Response:
    process = services.process_by_slug(db, slug)
    path = attachments.remove_from_process(
        db, process, public_id, data_dir=portal.data_dir, actor=state.principal.actor
    )
    # The bytes go after the commit, so that a rollback never leaves a row without them.
    background.add_task(uploads.unlink_all, [path])
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}#dateien", status_code=303
    )
