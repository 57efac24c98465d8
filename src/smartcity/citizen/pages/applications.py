"""Citizen portal, applications: the service list, multi-step forms (without JavaScript:
every step is a plain form post), uploads, save and resume, submission and the receipt, and
the status of an application by its tracking code."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from smartcity.cases.pages import offer_services
from smartcity.citizen import applicant_view as applicant
from smartcity.citizen import applications, catalog
from smartcity.citizen.catalog import OfferedService
from smartcity.citizen.deps import CitizenDep
from smartcity.citizen.forms import FormDefinition
from smartcity.citizen.models import Draft, FormVersion, Submission
from smartcity.citizen.pages.fields import Field, merge_posted, step_fields
from smartcity.citizen.schemas import DraftIn, SubmitIn
from smartcity.citizen.tracking import normalise
from smartcity.core.errors import InvalidInput, NotFound, ServiceError
from smartcity.core.http.caching import cacheable
from smartcity.core.http.deps import MunicipalityDep, PlatformDep, PortalDep, TenantDbDep
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.mail.services import deliver_pending
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.services import PayloadTooLarge
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text
from smartcity.core.web.i18n import file_too_large, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import DRAFT_COOKIE, WebState

router = APIRouter(prefix="/{municipality}", include_in_schema=False)

# Any text: an address that names no service is "not found" for a person, not "check your
# entries" (the catalogue answers NotFound for every key it does not offer).
ServiceKey = Annotated[str, Path(max_length=63)]
StepNumber = Annotated[int, Path(ge=1, le=50)]


def _context(
    request: Request, municipality: Municipality, current: str, title: str
) -> dict[str, Any]:
    return layout.portal(request, municipality, current, title)


# The portal's start page: anonymous visitors get a copy kept for 30 s (core/http/caching.py).
@router.get("/", dependencies=[Depends(cacheable(30, personal=True))])
def home(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    language = state.language
    # Services with their own page (the Mängelmelder: a card below) or filed by the platform
    # itself have no card here: one way to each service, the one made for citizens.
    offered = [
        service.out(language)
        for service in catalog.offered(db)
        if service.template.start_page is None
    ]
    wanted = q.strip().casefold()
    if wanted:
        offered = [
            s for s in offered if wanted in s.name.casefold() or wanted in s.description.casefold()
        ]
    return render(
        request,
        "citizen/home.html",
        state,
        services=offered,
        query=q,
        **_context(request, municipality, "", gettext_("Services")),
    )


@router.get("/dienste/{key}")
def service(
    key: ServiceKey,
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    subject: CitizenDep,
) -> Response:
    offered = catalog.offered_service(db, key)
    own = _own_page(municipality, offered)
    if own is not None:
        return own
    out = offered.out(state.language)
    return render(
        request,
        "citizen/service.html",
        state,
        service=out,
        needs_login=not out.allows_anonymous and subject is None,
        upload_limit=request.app.state.platform.portal.limits.max_bytes,
        **_context(request, municipality, "", out.name),
    )


@router.post("/dienste/{key}/antrag", dependencies=[Depends(anonymous_submission)])
def start(
    key: ServiceKey,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    subject: CitizenDep,
) -> Response:
    offered = catalog.offered_service(db, key)
    own = _own_page(municipality, offered)
    if own is not None:
        return own
    out = applications.start_draft(db, portal, municipality, offered, DraftIn(), subject)
    state.cookies[DRAFT_COOKIE] = out.access_token
    response = RedirectResponse(f"/{municipality.slug}/antrag/schritt/1", status_code=303)
    state.apply_cookies(response)
    return response


def _own_page(municipality: Municipality, offered: OfferedService) -> Response | None:
    """A service with its own page (the Mängelmelder) starts there; one the platform files
    itself is not offered to citizens."""
    page = offered.template.start_page
    if page is None:
        return None
    if not page:
        raise NotFound(gettext_("This service is not applied for online."))
    return RedirectResponse(f"/{municipality.slug}/{page}", status_code=303)


def _current_draft(request: Request, db: Session) -> Draft:
    token = request.cookies.get(DRAFT_COOKIE)
    if not token:
        raise NotFound(
            gettext_(
                "No application is open in this browser. Start it from the service page, "
                "or continue a saved one with your code."
            )
        )
    return applications.draft_by_token(db, token)


class Application:
    """A draft with what its pages show: the service, the form and its steps."""

    def __init__(self, db: Session, draft: Draft, language: str) -> None:
        self.draft = draft
        self.service: OfferedService = catalog.adoption_by_id(db, draft.adoption_id)
        version = db.get(FormVersion, draft.form_version_id)
        assert version is not None
        self.form = FormDefinition(version.schema, version.ui)
        steps = self.form.steps() or [self.form.property_paths()]
        self.steps = steps
        self.language = language
        self.titles = [
            _title(step, number, language)
            for number, step in enumerate(self.form.ui.get("steps") or [{}], start=1)
        ]
        self.uploads = {u.id: u for u in applications.draft_out(db, draft).uploads}

    def fields(self, number: int, data: dict[str, Any] | None = None) -> list[Field]:
        if not 1 <= number <= len(self.steps):
            raise NotFound(gettext_("This form has no such step."))
        return step_fields(
            self.form,
            self.steps[number - 1],
            self.draft.data if data is None else data,
            self.language,
        )


def _title(step: dict[str, Any], number: int, language: str) -> str:
    title = step.get("title")
    if isinstance(title, dict) and (title.get(language) or title.get("de")):
        return str(title.get(language) or title["de"])
    return gettext_("Step {number}").format(number=number)


def _step_page(
    request: Request,
    state: WebState,
    municipality: Municipality,
    application: Application,
    number: int,
    fields: list[Field],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    name = application.service.name(state.language)
    return render(
        request,
        "citizen/step.html",
        state,
        status_code=status_code,
        application=application,
        number=number,
        fields=fields,
        errors=errors,
        labels={f.name: f.label for f in fields},
        upload_limit=request.app.state.platform.portal.limits.max_bytes,
        **_context(request, municipality, "", f"{application.titles[number - 1]} – {name}"),
    )


@router.get("/antrag/schritt/{number}")
def step(
    number: StepNumber,
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    application = Application(db, _current_draft(request, db), state.language)
    return _step_page(
        request, state, municipality, application, number, application.fields(number), {}
    )


@router.post("/antrag/schritt/{number}")
def save_step(
    number: StepNumber,
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    background: BackgroundTasks,
) -> Response:
    draft = _current_draft(request, db)
    application = Application(db, draft, state.language)
    fields = application.fields(number)
    data, files = merge_posted(fields, form, draft.data)
    errors = _store_files(db, portal, draft, application, files, data)
    removed = _removed_uploads(form)
    # Only "continue" checks the step: going back, saving for later or removing a file keeps
    # whatever was entered, complete or not.
    action = "stay" if removed else str(form.get("action") or "next")
    for path, upload_id in removed.items():
        chosen = data.get(path)
        if chosen == upload_id:
            data.pop(path)
        elif isinstance(chosen, list) and upload_id in chosen:
            data[path] = [item for item in chosen if item != upload_id]
        try:
            stored = applications.remove_upload(db, portal, draft, upload_id)
        except NotFound:
            continue  # removed already (a second click)
        background.add_task(uploads.unlink_all, [stored])
    saved = applications.save_draft(
        db,
        portal,
        municipality,
        draft,
        DraftIn(data=data, step=number - 1, check_step=number - 1 if action == "next" else None),
        language=state.language,
    )
    errors = {**saved.errors, **errors}
    if errors:
        application = Application(db, draft, state.language)
        return _step_page(
            request,
            state,
            municipality,
            application,
            number,
            application.fields(number, data),
            errors,
            status_code=422,
        )
    if action == "back" and number > 1:
        target = f"schritt/{number - 1}"
    elif action == "later":
        target = "speichern"
    elif action in ("stay", "back"):
        target = f"schritt/{number}"
    else:
        target = f"schritt/{number + 1}" if number < len(application.steps) else "pruefen"
    return RedirectResponse(f"/{municipality.slug}/antrag/{target}", status_code=303)


def _removed_uploads(form: Any) -> dict[str, str]:
    """ "Remove" buttons name the field and the upload (`remove=<field>:<upload id>`)."""
    value = form.get("remove")
    if isinstance(value, str) and ":" in value:
        field, upload_id = value.split(":", 1)
        return {field: upload_id}
    return {}


def _store_files(
    db: Session,
    portal: Portal,
    draft: Draft,
    application: Application,
    files: dict[str, list[Any]],
    data: dict[str, Any],
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for path, chosen in files.items():
        ids = []
        for upload in chosen:
            content = upload.file.read(portal.limits.max_bytes + 1)
            try:
                stored = applications.add_upload(
                    db, portal, draft, path, upload.filename or "", content
                )
            except PayloadTooLarge as exc:
                errors[path] = file_too_large(upload.size or len(content), exc.limit)
                continue
            except ServiceError as exc:
                errors[path] = exc.detail
                continue
            ids.append(stored.id)
        if ids:
            multiple = (application.form.schema_at(path) or {}).get("type") == "array"
            data[path] = ids if multiple else ids[-1]
    return errors


@router.get("/antrag/pruefen")
def review(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    application = Application(db, _current_draft(request, db), state.language)
    return _review_page(request, state, municipality, application, {}, "")


def _review_page(
    request: Request,
    state: WebState,
    municipality: Municipality,
    application: Application,
    errors: dict[str, str],
    email: str,
    status_code: int = 200,
) -> Response:
    sections = [
        (title, application.fields(number))
        for number, title in enumerate(application.titles, start=1)
    ]
    where = {
        path: number for number, step in enumerate(application.steps, start=1) for path in step
    }
    return render(
        request,
        "citizen/review.html",
        state,
        status_code=status_code,
        application=application,
        sections=sections,
        errors=errors,
        error_steps=where,
        email=email,
        labels={"email": gettext_("E-mail address for the receipt")},
        **_context(
            request,
            municipality,
            "",
            gettext_("Check and send") + " – " + application.service.name(state.language),
        ),
    )


@router.post("/antrag/absenden", dependencies=[Depends(anonymous_submission)])
def send(
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    subject: CitizenDep,
    background: BackgroundTasks,
) -> Response:
    draft = _current_draft(request, db)
    application = Application(db, draft, state.language)
    email = str(form.get("email") or "").strip()
    try:
        body = SubmitIn.model_validate({"email": email or None, "language": state.language})
    except ValueError:
        message = gettext_("Please enter a valid e-mail address or leave the field empty.")
        return _review_page(
            request, state, municipality, application, {"email": message}, email, 422
        )
    try:
        submitted = applications.submit(
            db,
            portal,
            municipality,
            application.service,
            draft.data,
            body,
            citizen_subject=subject,
            draft=draft,
        )
    except InvalidInput as exc:
        return _review_page(
            request, state, municipality, application, exc.errors or {"": exc.detail}, email, 422
        )
    background.add_task(uploads.unlink_all, submitted.unused_files)
    if body.email:
        background.add_task(deliver_pending, platform)
    state.cookies[DRAFT_COOKIE] = None
    code = submitted.submission.tracking_code
    response = RedirectResponse(f"/{municipality.slug}/status/{code}?neu=1", status_code=303)
    state.apply_cookies(response)
    return response


@router.get("/antrag/speichern")
def later(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    application = Application(db, _current_draft(request, db), state.language)
    return render(
        request,
        "citizen/later.html",
        state,
        application=application,
        errors={},
        email="",
        sent=False,
        labels={"email": gettext_("E-mail address")},
        **_context(request, municipality, "", gettext_("Continue later")),
    )


@router.post("/antrag/speichern")
def save_for_later(
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    background: BackgroundTasks,
) -> Response:
    draft = _current_draft(request, db)
    application = Application(db, draft, state.language)
    email = str(form.get("email") or "").strip()
    errors: dict[str, str] = {}
    try:
        body = DraftIn(data=draft.data, step=draft.step, email=email)
    except ValueError:
        errors["email"] = gettext_("Please enter a valid e-mail address.")
    if not errors:
        applications.save_draft(db, portal, municipality, draft, body, language=state.language)
        background.add_task(deliver_pending, platform)
    return render(
        request,
        "citizen/later.html",
        state,
        status_code=422 if errors else 200,
        application=application,
        errors=errors,
        email=email,
        sent=not errors,
        labels={"email": gettext_("E-mail address")},
        **_context(request, municipality, "", gettext_("Continue later")),
    )


@router.get("/antrag/fortsetzen")
def resume_page(request: Request, state: PageDep, municipality: MunicipalityDep) -> Response:
    return render(
        request,
        "citizen/resume.html",
        state,
        errors={},
        labels={"code": gettext_("Code from the e-mail")},
        **_context(request, municipality, "", gettext_("Continue a saved application")),
    )


@router.post("/antrag/fortsetzen")
def resume(
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    code = str(form.get("code") or "").strip()
    try:
        if len(code) < 10 or len(code) > 100:
            raise NotFound(gettext_("Please enter the code from the e-mail."))
        out = applications.resume(db, code)
    except (NotFound, ServiceError) as exc:
        return render(
            request,
            "citizen/resume.html",
            state,
            status_code=exc.status if isinstance(exc, ServiceError) else 404,
            errors={"code": exc.detail},
            labels={"code": gettext_("Code from the e-mail")},
            **_context(request, municipality, "", gettext_("Continue a saved application")),
        )
    state.cookies[DRAFT_COOKIE] = out.access_token
    response = RedirectResponse(
        f"/{municipality.slug}/antrag/schritt/{out.step + 1}", status_code=303
    )
    state.apply_cookies(response)
    return response


@router.get("/status")
def status_lookup(
    request: Request,
    state: PageDep,
    municipality: MunicipalityDep,
    code: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    if code:
        normalised = normalise(code)
        if normalised is not None:
            return RedirectResponse(f"/{municipality.slug}/status/{normalised}", status_code=303)
        return _lookup_page(request, state, municipality, code, _not_a_code(), 422)
    return _lookup_page(request, state, municipality, "", "")


def _not_a_code() -> str:
    return gettext_("This is not a tracking code. It has 12 characters, e.g. ABCD-EFGH-JKMN.")


def _lookup_page(
    request: Request,
    state: WebState,
    municipality: Municipality,
    code: str,
    error: str,
    status_code: int = 200,
) -> Response:
    """The lookup form, with the error at the field when a code was wrong."""
    return render(
        request,
        "citizen/status_lookup.html",
        state,
        status_code=status_code,
        code=code,
        errors={"code": error} if error else {},
        labels={"code": gettext_("Tracking code")},
        **_context(request, municipality, "status", gettext_("Track an application")),
    )


@router.get("/status/{code}")
def status_page(
    code: Annotated[str, Path(max_length=40)],
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    neu: Annotated[int, Query(ge=0, le=1)] = 0,
    antwort: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    if normalise(code) is None:
        return _lookup_page(request, state, municipality, code, _not_a_code(), 422)
    try:
        submission = applications.submission_by_code(db, code)
    except NotFound:
        return _lookup_page(
            request,
            state,
            municipality,
            code,
            gettext_(
                "There is no application with this tracking code here. Please check the code."
            ),
            404,
        )
    return _status(
        request, state, db, municipality, portal, submission, {}, "", bool(neu), bool(antwort)
    )


def _status(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    portal: Portal,
    submission: Submission,
    errors: dict[str, str],
    text: str,
    just_sent: bool = False,
    replied: bool = False,
    status_code: int = 200,
) -> Response:
    status = applicant.status_for_applicant(db, portal, municipality, submission, state.language)
    api = f"/{municipality.slug}/api/v1/citizen/status/{status.tracking_code}"
    title = gettext_("Your report") if status.report else gettext_("Your application")
    return render(
        request,
        "citizen/status.html",
        state,
        status_code=status_code,
        status=status,
        submission=submission,
        just_sent=just_sent,
        replied=replied,
        receipt_pdf=f"{api}/receipt.pdf",
        decision_pdf=f"{api}/decision.pdf",
        zone=municipality.timezone,
        sections=applicant.status_sections(db, submission),
        errors=errors,
        reply_text=text,
        labels={
            "reply-text": gettext_("Your answer"),
            "reply-file": gettext_("File (optional)"),
        },
        limits=portal.limits,
        **_context(request, municipality, "status", title),
    )


@router.post("/status/{code}/antwort", dependencies=[Depends(anonymous_submission)])
def answer(
    code: Annotated[str, Path(max_length=40)],
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
) -> Response:
    """The applicant answers the office on the status page: a text, a file, or both."""
    submission = applications.submission_by_code(db, code)
    text = form_text(form, "reply-text", MAX_REPLY + 1)
    errors: dict[str, str] = {}
    if len(text) > MAX_REPLY:
        errors["reply-text"] = gettext_("The text is too long (at most 10,000 characters).")
    file, problem = _reply_file(form, portal)
    if problem:
        errors["reply-file"] = problem
    if not text and file is None and not errors:
        errors["reply-text"] = gettext_("Please write an answer or choose a file.")
    if not errors:
        try:
            with db.begin_nested():  # a refused file leaves no half-stored answer
                applicant.reply(db, submission, text, portal=portal, file=file)
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            errors[
                "reply-file" if file is not None and exc.status in (413, 415) else "reply-text"
            ] = _file_message(exc) if exc.status in (413, 415) else exc.detail
    if errors:
        return _status(
            request, state, db, municipality, portal, submission, errors, text, status_code=422
        )
    return RedirectResponse(
        f"/{municipality.slug}/status/{submission.tracking_code}?antwort=1#antwort",
        status_code=303,
    )


MAX_REPLY = 10_000


def _reply_file(form: Any, portal: Portal) -> tuple[tuple[str, bytes] | None, str]:
    chosen = form.get("reply-file")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        return None, ""
    content = chosen.file.read(portal.limits.max_bytes + 1)
    try:
        uploads.check_file(portal.limits, chosen.filename, content, uploads.DEFAULT_TYPES)
    except ServiceError as exc:
        return None, _file_message(exc, chosen.size or len(content))
    return (chosen.filename, content), ""


def _file_message(error: ServiceError, size: int = 0) -> str:
    if isinstance(error, PayloadTooLarge) and error.limit:
        return file_too_large(size or error.size, error.limit)
    if error.status == 415:
        return gettext_("Please send the file as PDF, JPEG or PNG.")
    return error.detail


# ---- for the back office's inbox ---------------------------------------------------------------


def _inbox_services(db: Session, language: str) -> list[tuple[str, str]]:
    return [(s.template.key, s.name(language)) for s in catalog.offered(db)]


offer_services(_inbox_services)
