"""Citizen services over HTTP: the municipality's catalog, drafts, uploads, submissions and
status by tracking code (all public: the tokens and codes are the keys), and the signed-in
citizen's applications. The staff side of the catalog is in `catalog_routes`, the citizen
login in `login_routes`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    Form,
    Header,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from starlette.concurrency import run_in_threadpool

from smartcity.citizen import applicant_view as applicant
from smartcity.citizen import applications, catalog, login
from smartcity.citizen.deps import CitizenDep, CitizenSessionDep, ServiceKey
from smartcity.citizen.models import FormVersion
from smartcity.citizen.receipts import receipt_pdf
from smartcity.citizen.schemas import (
    ApplicationOut,
    DirectSubmissionIn,
    DraftIn,
    DraftOut,
    ResumeIn,
    ServiceDetail,
    ServiceOut,
    StatusOut,
    SubmissionOut,
    SubmitIn,
    TextIn,
    UploadOut,
)
from smartcity.core.db import transaction
from smartcity.core.documents import PDF_RESPONSE, pdf_response, sender_of
from smartcity.core.errors import NotAuthenticated
from smartcity.core.http.caching import cacheable
from smartcity.core.http.deps import (
    MunicipalityDep,
    MunicipalitySlug,
    PlatformDep,
    PortalDep,
    TenantDbDep,
    public,
)
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.mail.services import deliver_pending
from smartcity.core.platform import Platform
from smartcity.core.portal import Portal
from smartcity.core.tenancy.services import enter_municipality
from smartcity.core.uploads import services as uploads

router = APIRouter(prefix="/{municipality}/api/v1/citizen", tags=["citizen services"])

Language = Annotated[Literal["de", "en"], Query(description="Language of texts and messages")]
DraftToken = Annotated[
    str, Header(alias="Draft-Token", min_length=10, max_length=100, description="From the draft")
]
Code = Annotated[str, Path(min_length=12, max_length=20, description="Tracking code")]


def _send_mail(background: BackgroundTasks, platform: Platform) -> None:
    background.add_task(deliver_pending, platform)


# ---- catalog for citizens ------------------------------------------------------------


@router.get(
    "/services",
    # The catalogue changes when staff publish a service (which drops the copies at once).
    dependencies=[Depends(public), Depends(cacheable(60))],
    summary="Services offered here",
)
def services(db: TenantDbDep, lang: Language = "de") -> list[ServiceOut]:
    return [service.out(lang) for service in catalog.offered(db)]


@router.get("/services/{key}", dependencies=[Depends(public)], summary="A service and its form")
def service(key: ServiceKey, db: TenantDbDep, lang: Language = "de") -> ServiceDetail:
    return catalog.offered_service(db, key).detail(lang)


@router.get(
    "/services/{key}/forms/{version}/schema.json",
    dependencies=[Depends(public)],
    summary="The JSON Schema of one form version (what submitted data conforms to)",
)
def form_schema(
    key: ServiceKey, version: Annotated[int, Path(ge=1, le=100_000)], db: TenantDbDep
) -> dict[str, Any]:
    offered = catalog.offered_service(db, key, include_inactive=True)
    found = catalog.form_version(db, offered.template, version)
    schema: dict[str, Any] = found.schema
    return schema


# ---- drafts ------------------------------------------------------------------------------


@router.post(
    "/services/{key}/drafts",
    dependencies=[Depends(public), Depends(anonymous_submission)],
    status_code=status.HTTP_201_CREATED,
    summary="Start an application (returns the draft's access token)",
)
def start_draft(
    key: ServiceKey,
    body: DraftIn,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    subject: CitizenDep,
    background: BackgroundTasks,
) -> DraftOut:
    offered = catalog.offered_service(db, key)
    out = applications.start_draft(db, portal, municipality, offered, body, subject)
    if body.email:
        _send_mail(background, platform)
    return out


@router.get("/drafts/current", dependencies=[Depends(public)], summary="The draft being edited")
def get_draft(token: DraftToken, db: TenantDbDep) -> DraftOut:
    return applications.draft_out(db, applications.draft_by_token(db, token))


@router.put(
    "/drafts/current",
    dependencies=[Depends(public)],
    summary="Save the draft (optionally checking a step, optionally mailing a resume link)",
)
def save_draft(
    token: DraftToken,
    body: DraftIn,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    background: BackgroundTasks,
    lang: Language = "de",
) -> DraftOut:
    draft = applications.draft_by_token(db, token)
    out = applications.save_draft(db, portal, municipality, draft, body, language=lang)
    if body.email:
        _send_mail(background, platform)
    return out


@router.post(
    "/drafts/resume",
    dependencies=[Depends(public)],
    summary="Continue a saved draft with the one-time token from the e-mail",
)
def resume_draft(body: ResumeIn, db: TenantDbDep) -> DraftOut:
    return applications.resume(db, body.token)


@router.post(
    "/drafts/current/uploads",
    dependencies=[Depends(public)],
    status_code=status.HTTP_201_CREATED,
    summary="Upload a file for a file field of the form",
    responses={413: {"description": "Too large"}, 415: {"description": "Type not accepted"}},
)
def upload(
    token: DraftToken,
    field: Annotated[str, Form(max_length=200)],
    file: Annotated[UploadFile, File()],
    db: TenantDbDep,
    portal: PortalDep,
) -> UploadOut:
    data = file.file.read(portal.limits.max_bytes + 1)
    draft = applications.draft_by_token(db, token)
    return applications.add_upload(db, portal, draft, field, file.filename or "", data)


@router.delete(
    "/drafts/current/uploads/{upload_id}",
    dependencies=[Depends(public)],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an uploaded file from the draft",
)
def remove_upload(
    token: DraftToken,
    upload_id: Annotated[str, Path(max_length=64)],
    db: TenantDbDep,
    portal: PortalDep,
    background: BackgroundTasks,
) -> Response:
    draft = applications.draft_by_token(db, token)
    path = applications.remove_upload(db, portal, draft, upload_id)
    background.add_task(uploads.unlink_all, [path])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _submission_out(
    portal: Portal, municipality: Any, submitted: applications.Submitted
) -> SubmissionOut:
    submission = submitted.submission
    status_url = f"{portal.api(municipality)}/status/{submission.tracking_code}"
    return SubmissionOut(
        tracking_code=submission.tracking_code,
        submitted_at=submission.submitted_at,
        receipt=submission.receipt,
        receipt_pdf=f"{status_url}/receipt.pdf",
        status_url=status_url,
        data_sha256=submission.data_sha256,
    )


@router.post(
    "/drafts/current/submit",
    dependencies=[Depends(public), Depends(anonymous_submission)],
    status_code=status.HTTP_201_CREATED,
    summary="Submit the draft: checked in full, then a case is opened and a receipt signed",
)
def submit_draft(
    token: DraftToken,
    body: SubmitIn,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    subject: CitizenDep,
    background: BackgroundTasks,
) -> SubmissionOut:
    draft = applications.draft_by_token(db, token)
    offered = catalog.adoption_by_id(db, draft.adoption_id)
    submitted = applications.submit(
        db, portal, municipality, offered, draft.data, body, citizen_subject=subject, draft=draft
    )
    background.add_task(uploads.unlink_all, submitted.unused_files)
    if body.email:
        _send_mail(background, platform)
    return _submission_out(portal, municipality, submitted)


@router.post(
    "/services/{key}/submissions",
    dependencies=[Depends(public), Depends(anonymous_submission)],
    status_code=status.HTTP_201_CREATED,
    summary="Submit an application in one request (forms without file fields)",
)
async def submit_direct(
    key: ServiceKey,
    municipality: MunicipalitySlug,
    body: DirectSubmissionIn,
    request: Request,
    platform: PlatformDep,
    portal: PortalDep,
    background: BackgroundTasks,
) -> SubmissionOut:
    # The whole transaction in one thread-pool hop: the request-scoped session, municipality
    # and citizen dependencies took one hop each (and one more to commit), a measured part of
    # what a submission costs; this is the endpoint that takes the load of a deadline day.
    submitted = await run_in_threadpool(
        _submit_direct, platform, portal, municipality, key, body, request.cookies.get(login.COOKIE)
    )
    if body.email:
        _send_mail(background, platform)
    return submitted


def _submit_direct(
    platform: Platform,
    portal: Portal,
    slug: str,
    key: str,
    body: DirectSubmissionIn,
    citizen_token: str | None,
) -> SubmissionOut:
    with transaction(platform.sessions) as db:
        municipality = enter_municipality(db, slug)
        citizen = (
            login.resolve(db, citizen_token, platform.session_policy) if citizen_token else None
        )
        offered = catalog.offered_service_kept(db, key)
        submitted = applications.submit(
            db,
            portal,
            municipality,
            offered,
            body.data,
            body,
            citizen_subject=citizen.subject if citizen is not None else None,
        )
        return _submission_out(portal, municipality, submitted)


# ---- status by tracking code ---------------------------------------------------------


@router.get(
    "/status/{code}",
    dependencies=[Depends(public)],
    summary="Where an application stands, with the clerk's messages and the decision",
)
def status_of(
    code: Code,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    lang: Language = "de",
) -> StatusOut:
    submission = applications.submission_by_code(db, code)
    return applicant.status_for_applicant(db, portal, municipality, submission, lang)


@router.get(
    "/status/{code}/receipt.pdf",
    dependencies=[Depends(public)],
    summary="The receipt as PDF",
    response_class=Response,
    responses=PDF_RESPONSE,
)
def receipt(
    code: Code, db: TenantDbDep, municipality: MunicipalityDep, portal: PortalDep
) -> Response:
    submission = applications.submission_by_code(db, code)
    offered = catalog.adoption_by_id(db, submission.adoption_id)
    version = db.get(FormVersion, submission.form_version_id)
    assert version is not None
    pdf = receipt_pdf(
        municipality=municipality,
        service=offered,
        form_version=version,
        submission=submission,
        files=uploads.files_of(db, applications.SUBMISSION, submission.id),
        keys_url=f"{portal.base(municipality)}/.well-known/jwks.json",
        sender=sender_of(db, municipality),
    )
    return pdf_response(pdf, f"eingangsbestaetigung-{submission.tracking_code}.pdf")


@router.get(
    "/status/{code}/decision.pdf",
    dependencies=[Depends(public)],
    summary="The decision as PDF",
    response_class=Response,
    responses=PDF_RESPONSE,
)
def decision(
    code: Code, db: TenantDbDep, municipality: MunicipalityDep, portal: PortalDep
) -> Response:
    submission = applications.submission_by_code(db, code)
    pdf = applicant.decision_pdf(db, portal, municipality, submission)
    return pdf_response(pdf, f"bescheid-{submission.tracking_code}.pdf")


@router.post(
    "/status/{code}/replies",
    dependencies=[Depends(public), Depends(anonymous_submission)],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Answer the clerk (e.g. a query)",
)
def reply(code: Code, body: TextIn, db: TenantDbDep) -> Response:
    submission = applications.submission_by_code(db, code)
    applicant.reply(db, submission, body.text)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/applications",
    dependencies=[Depends(public)],
    summary="The signed-in citizen's applications here",
)
def my_applications(
    db: TenantDbDep, session: CitizenSessionDep, lang: Language = "de"
) -> list[ApplicationOut]:
    if session is None:
        raise NotAuthenticated("Bitte melden Sie sich an, um Ihre Anträge zu sehen.")
    return applicant.applications_of(db, session.subject, lang)
