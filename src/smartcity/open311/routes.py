"""Open311 GeoReport v2 at /{municipality}/open311/v2/ (formats .json and .xml), plus the
staff API for the categories. Errors inside Open311 answer in Open311's format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from starlette.datastructures import FormData, UploadFile

from smartcity.cases import services as cases
from smartcity.cases.permissions import CASES_WORK
from smartcity.core.errors import InvalidInput, NotFound, ServiceError, TooManyRequests
from smartcity.core.http.deps import (
    MunicipalityDep,
    PortalDep,
    TenantDbDep,
    get_platform,
    public,
    requires,
)
from smartcity.core.http.rate_limit import count_in
from smartcity.core.identity.apikeys import authenticate_api_key
from smartcity.core.identity.permissions import Principal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.open311 import categories, reports
from smartcity.open311.formats import Open311Error, check_format, render
from smartcity.open311.models import ReportCategory, ServiceRequest
from smartcity.open311.permissions import OPEN311_MANAGE, OPEN311_SUBMIT

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
router = APIRouter(prefix="/{municipality}/open311/v2", tags=["open311"])
staff = APIRouter(prefix="/{municipality}/api/v1/open311", tags=["open311"])
Format = Annotated[str, Path(description="json or xml")]
MAX_FORM_FIELDS = 200


def _answer(fmt: str, work: Callable[[], Response]) -> Response:
    """Our errors, in Open311's shape and the requested format."""
    check_format(fmt)
    try:
        return work()
    except Open311Error as error:
        error.fmt = fmt
        raise
    except ServiceError as error:
        raise _in_open311_shape(error, fmt) from error


def _in_open311_shape(error: ServiceError, fmt: str) -> Open311Error:
    # Open311 answers every bad request with 400; a rate limit or an outage says when to
    # come back, as in every other API of ours.
    status = 400 if error.status == 422 else error.status
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return Open311Error(status, str(error), fmt, headers)


def _base(request: Request, municipality: Municipality) -> str:
    public_url = request.app.state.platform.settings.effective_public_url
    return f"{public_url}/{municipality.slug}/open311/v2"


async def _form(request: Request, fmt: str) -> FormData:
    try:
        return await request.form(max_files=1, max_fields=MAX_FORM_FIELDS)
    except Exception as exc:  # malformed multipart, too many fields
        raise Open311Error(400, f"The form cannot be read: {exc}", fmt) from exc


async def open311_writer(request: Request, db: TenantDbDep) -> Principal:
    """Open311 puts the `api_key` in the form, not in a header: a key of this municipality
    (the tenant-scoped session finds no other) with scope open311:write."""
    fmt = request.path_params.get("fmt", "json")
    form = await _form(request, fmt)
    secret = form.get("api_key")
    key = (
        await run_in_threadpool(authenticate_api_key, db, secret)
        if isinstance(secret, str) and secret
        else None
    )
    if key is None:
        raise Open311Error(403, "A valid api_key of this municipality is required.", fmt)
    principal = Principal(kind="api_key", id=key.id, scopes=frozenset(key.scopes))
    if not principal.can(OPEN311_SUBMIT):
        raise Open311Error(403, "The api_key lacks the scope open311:write.", fmt)
    # A leaked or misbehaving app key must not flood the departments with reports. Counted
    # in the request's transaction: the key check above may hold SQLite's write lock.
    platform = get_platform(request)
    try:
        await run_in_threadpool(
            count_in,
            db,
            platform,
            f"open311-key:{key.id}",
            platform.settings.open311_reports_per_key_per_hour,
            "This api_key has sent too many reports in the last hour; please try again later.",
        )
    except TooManyRequests as refused:
        raise _in_open311_shape(refused, fmt) from refused
    return principal


open311_writer.required_permission = OPEN311_SUBMIT  # type: ignore[attr-defined]
Writer = Annotated[Principal, Depends(open311_writer)]


def _requests(
    fmt: str,
    request: Request,
    db: Any,
    municipality: Municipality,
    found: list[ServiceRequest],
) -> Response:
    body = reports.requests_out(db, found, _base(request, municipality))
    return render(fmt, body, root="service_requests", item="request")


@router.get("/discovery.{fmt}", dependencies=[Depends(public)], summary="Open311 discovery")
def discovery(
    fmt: Format, request: Request, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    def work() -> Response:
        changed = db.scalar(select(func.max(ReportCategory.created_at)))
        changeset = (
            (changed or municipality.created_at).astimezone(UTC).isoformat(timespec="seconds")
        )
        return render(
            fmt,
            {
                "changeset": changeset,
                "contact": f"{municipality.name} – Mängelmelder",
                "key_service": "API-Schlüssel (Scope open311:write) vergibt die Verwaltung "
                "der Stadt; Bürgerinnen und Bürger melden ohne Schlüssel über das Portal.",
                "endpoints": [
                    {
                        "specification": SPECIFICATION,
                        "url": _base(request, municipality),
                        "changeset": changeset,
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            },
            root="discovery",
        )

    return _answer(fmt, work)


@router.get("/services.{fmt}", dependencies=[Depends(public)], summary="Open311 service list")
def services(fmt: Format, db: TenantDbDep) -> Response:
    return _answer(
        fmt,
        lambda: render(
            fmt,
            [categories.service_out(c) for c in categories.all_categories(db)],
            root="services",
            item="service",
        ),
    )


@router.get(
    "/services/{service_code}.{fmt}",
    dependencies=[Depends(public)],
    summary="Open311 service definition (attributes)",
)
def service_definition(service_code: str, fmt: Format, db: TenantDbDep) -> Response:
    return _answer(
        fmt,
        lambda: render(
            fmt,
            categories.definition_out(categories.by_code(db, service_code)),
            root="service_definition",
        ),
    )


@router.get("/requests.{fmt}", dependencies=[Depends(public)], summary="Open311 service requests")
def list_requests(
    fmt: Format, request: Request, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    def work() -> Response:
        found = reports.search(db, _search(request.query_params))
        return _requests(fmt, request, db, municipality, found)

    return _answer(fmt, work)


@router.get(
    "/requests/{request_id}.{fmt}",
    dependencies=[Depends(public)],
    summary="Open311 one service request",
)
def get_request(
    request_id: str, fmt: Format, request: Request, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    def work() -> Response:
        return _requests(fmt, request, db, municipality, [reports.by_id(db, _id(request_id))])

    return _answer(fmt, work)


@router.get(
    "/tokens/{token}.{fmt}",
    dependencies=[Depends(public)],
    summary="Open311 service request id for a token",
)
def token(token: str, fmt: Format, db: TenantDbDep) -> Response:
    def work() -> Response:
        found = reports.by_token(db, token)
        body = [{"service_request_id": str(found.id), "token": found.token}]
        return render(fmt, body, root="service_requests", item="request")

    return _answer(fmt, work)


@router.post("/requests.{fmt}", summary="Open311: file a service request (api_key required)")
async def create_request(
    fmt: Format,
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    _writer: Writer,
) -> Response:
    check_format(fmt)
    form = await _form(request, fmt)
    photo = await _photo(form, portal.limits.max_bytes, fmt)

    def work() -> Response:
        filed = reports.file_report(db, portal, municipality, _new_report(form, photo))
        body = [
            {
                "service_request_id": str(filed.request.id),
                "token": filed.request.token,
                "service_notice": filed.notice,
                "account_id": "",
            }
        ]
        return render(fmt, body, root="service_requests", item="request", status=201)

    return await run_in_threadpool(_answer, fmt, work)


@router.post(
    "/requests/{request_id}/reopen.{fmt}",
    summary="Reopen a closed request (extension; api_key required)",
)
async def reopen_request(
    request_id: str,
    fmt: Format,
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    _writer: Writer,
) -> Response:
    check_format(fmt)
    form = await _form(request, fmt)

    def work() -> Response:
        found = reports.by_id(db, _id(request_id))
        why = str(form.get("description") or "")
        reports.reopen(db, portal, municipality, found, why)
        return _requests(fmt, request, db, municipality, [found])

    return await run_in_threadpool(_answer, fmt, work)


@router.get(
    "/media/{public_id}",
    dependencies=[Depends(public)],
    summary="A report's photo",
    response_class=FileResponse,
)
def media(public_id: str, db: TenantDbDep, portal: PortalDep) -> Response:
    # Only a report's photo a clerk has released is public: not every stored file whose id
    # one knows, nor a photo nobody has looked at yet (staff see it in the case).
    stored = db.scalar(
        select(StoredFile)
        .join(ServiceRequest, ServiceRequest.media_public_id == StoredFile.public_id)
        .where(StoredFile.public_id == public_id, ServiceRequest.media_public.is_(True))
    )
    if stored is None:
        raise NotFound("There is no such photo.")
    return FileResponse(
        uploads.path_of(portal.data_dir, stored),
        media_type=stored.content_type,
        # Revalidated at every use (cheap with its ETag): a photo a clerk hides again must
        # not live on in caches.
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


# ---- parsing ------------------------------------------------------------------------------


async def _photo(form: FormData, limit: int, fmt: str) -> tuple[str, bytes] | None:
    upload = form.get("media")
    if not isinstance(upload, UploadFile):
        return None
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise Open311Error(413, f"The photo is larger than {limit // 1_048_576} MB.", fmt)
    return upload.filename or "foto", content


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _float(form: FormData, name: str) -> float | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a number.") from None


def _new_report(form: FormData, photo: tuple[str, bytes] | None) -> reports.NewReport:
    code = _text(form, "service_code")
    if not code:
        raise InvalidInput("service_code is required.")
    attributes: dict[str, list[str]] = {}
    for key in form:
        if key.startswith("attribute[") and key.endswith("]"):
            code_part = key[len("attribute[") :].removesuffix("[]").removesuffix("]")
            attributes.setdefault(code_part, []).extend(
                v for v in form.getlist(key) if isinstance(v, str)
            )
    return reports.NewReport(
        service_code=code,
        lat=_float(form, "lat"),
        long=_float(form, "long"),
        address_string=_text(form, "address_string"),
        description=_text(form, "description"),
        email=_text(form, "email") or None,
        first_name=_text(form, "first_name"),
        last_name=_text(form, "last_name"),
        phone=_text(form, "phone"),
        device_id=_text(form, "device_id"),
        account_id=_text(form, "account_id"),
        media_url=_text(form, "media_url"),
        attributes=attributes,
        photo=photo,
    )


def _id(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise NotFound(f"There is no service request {text!r}.")
    return int(text)


def _search(params: Any) -> reports.Search:
    def times(name: str) -> datetime | None:
        text = params.get(name)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(
                f"{name} must be a w3 date and time, e.g. 2026-11-01T00:00:00Z."
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def listed(name: str) -> list[str] | None:
        text = params.get(name)
        return [part.strip() for part in text.split(",") if part.strip()] if text else None

    ids = listed("service_request_id")
    statuses = listed("status")
    if statuses and set(statuses) - {"open", "closed"}:
        raise InvalidInput("status is open, closed or both (comma-separated).")
    near = None
    if params.get("lat") or params.get("long"):
        try:
            near = (
                float(params["lat"]),
                float(params["long"]),
                min(float(params.get("radius", 50)), 5_000.0),
            )
        except (KeyError, ValueError):
            raise InvalidInput("lat and long (and radius in metres) must be numbers.") from None
    return reports.Search(
        ids=[_id(i) for i in ids] if ids else None,
        service_codes=listed("service_code"),
        start=times("start_date"),
        end=times("end_date"),
        statuses=sorted(set(statuses)) if statuses else None,
        near=near,
    )


# ---- staff: categories ------------------------------------------------------------------


class AttributeValue(BaseModel):
    key: str = Field(max_length=100)
    name: str = Field(max_length=200)


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    group: str = Field(default="", max_length=100)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    department: str = Field(min_length=1, max_length=100)
    attributes: list[dict[str, Any]] = Field(
        default_factory=list, max_length=50, description="Open311 attribute definitions"
    )
    active: bool = True


class CategoryOut(CategoryIn):
    id: int


def _category_out(category: ReportCategory) -> CategoryOut:
    return CategoryOut(
        id=category.id,
        service_code=category.service_code,
        name=category.name,
        description=category.description,
        group=category.group,
        keywords=category.keywords,
        department=category.department,
        attributes=category.attributes,
        active=category.active,
    )


Manager = Annotated[Principal, Depends(requires(OPEN311_MANAGE))]


@staff.get("/categories", summary="Report categories, with inactive ones")
def staff_categories(db: TenantDbDep, _principal: Manager) -> list[CategoryOut]:
    return [_category_out(c) for c in categories.all_categories(db, include_inactive=True)]


@staff.put("/categories", summary="Create or change a report category (by service_code)")
def save_category(category: CategoryIn, db: TenantDbDep, principal: Manager) -> CategoryOut:
    return _category_out(categories.save(db, category.model_dump(), actor=principal.actor))


class PhotoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    public: bool = Field(description="Show the photo (or linked address) in the public view")


class PhotoOut(PhotoIn):
    request_id: int


Clerk = Annotated[Principal, Depends(requires(CASES_WORK))]


@staff.put(
    "/requests/{request_id}/photo",
    summary="Release a report's photo to the public view, or keep it in the case only",
)
def review_photo(
    request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: PhotoIn,
    db: TenantDbDep,
    principal: Clerk,
) -> PhotoOut:
    report = db.get(ServiceRequest, request_id)
    if report is None or report.case_id is None:
        raise NotFound(f"There is no service request {request_id}.")
    cases.get_case(db, principal, report.case_id)  # only who may work on its case
    reports.show_photo(db, report, decision.public, principal.actor)
    return PhotoOut(request_id=report.id, public=report.media_public)
