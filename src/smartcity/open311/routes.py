"""Open311 GeoReport v2 at /{municipality}/open311/v2/ (formats .json and .xml), plus the
staff API for the categories. Errors inside Open311 answer in Open311's format."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from smartcity.cases import services as cases
from smartcity.cases.permissions import CASES_WORK
from smartcity.core.errors import TooManyRequests
from smartcity.core.http.caching import cacheable
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
from smartcity.core.lookup import found_or_404
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.open311 import categories, forms, services
from smartcity.open311.formats import Open311Error, answer, check_format, in_open311_shape, render
from smartcity.open311.models import ServiceRequest
from smartcity.open311.permissions import OPEN311_MANAGE, OPEN311_SUBMIT
from smartcity.open311.schemas import CategoryIn, CategoryOut, PhotoIn, PhotoOut

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
router = APIRouter(prefix="/{municipality}/open311/v2", tags=["open311"])
staff = APIRouter(prefix="/{municipality}/api/v1/open311", tags=["open311"])
Format = Annotated[str, Path(description="json or xml")]


def _base(request: Request, municipality: Municipality) -> str:
    public_url = request.app.state.platform.settings.effective_public_url
    return f"{public_url}/{municipality.slug}/open311/v2"


async def open311_writer(request: Request, db: TenantDbDep) -> Principal:
    """Open311 puts the `api_key` in the form, not in a header: a key of this municipality
    (the tenant-scoped session finds no other) with scope open311:write."""
    fmt = request.path_params.get("fmt", "json")
    form = await forms.read_form(request, fmt)
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
        raise in_open311_shape(refused, fmt) from refused
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
    body = services.requests_out(db, found, _base(request, municipality))
    return render(fmt, body, root="service_requests", item="request")


@router.get("/discovery.{fmt}", dependencies=[Depends(public)], summary="Open311 discovery")
def discovery(
    fmt: Format, request: Request, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    def work() -> Response:
        changed = categories.last_created(db)
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

    return answer(fmt, work)


# Named "services" as before (the operation id) without hiding the module `services`.
@router.get(
    "/services.{fmt}",
    name="services",
    dependencies=[Depends(public), Depends(cacheable(60))],
    summary="Open311 service list",
)
def service_list(fmt: Format, db: TenantDbDep) -> Response:
    return answer(
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
    return answer(
        fmt,
        lambda: render(
            fmt,
            categories.definition_out(categories.by_code(db, service_code)),
            root="service_definition",
        ),
    )


@router.get(
    "/requests.{fmt}",
    # A report filed in this process drops the copies at once; elsewhere seen within 30 s.
    dependencies=[Depends(public), Depends(cacheable(30))],
    summary="Open311 service requests",
)
def list_requests(
    fmt: Format, request: Request, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    def work() -> Response:
        found = services.search(db, forms.search(request.query_params))
        return _requests(fmt, request, db, municipality, found)

    return answer(fmt, work)


@router.get(
    "/requests/{request_id}.{fmt}",
    dependencies=[Depends(public)],
    summary="Open311 one service request",
)
def get_request(
    request_id: str, fmt: Format, request: Request, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    def work() -> Response:
        return _requests(
            fmt, request, db, municipality, [services.by_id(db, forms.request_id(request_id))]
        )

    return answer(fmt, work)


@router.get(
    "/tokens/{token}.{fmt}",
    dependencies=[Depends(public)],
    summary="Open311 service request id for a token",
)
def token(token: str, fmt: Format, db: TenantDbDep) -> Response:
    def work() -> Response:
        found = services.by_token(db, token)
        body = [{"service_request_id": str(found.id), "token": found.token}]
        return render(fmt, body, root="service_requests", item="request")

    return answer(fmt, work)


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
    form = await forms.read_form(request, fmt)
    photo = await forms.photo(form, portal.limits.max_bytes, fmt)

    def work() -> Response:
        filed = services.file_report(db, portal, municipality, forms.new_report(form, photo))
        body = [
            {
                "service_request_id": str(filed.request.id),
                "token": filed.request.token,
                "service_notice": filed.notice,
                "account_id": "",
            }
        ]
        return render(fmt, body, root="service_requests", item="request", status=201)

    return await run_in_threadpool(answer, fmt, work)


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
    form = await forms.read_form(request, fmt)

    def work() -> Response:
        found = services.by_id(db, forms.request_id(request_id))
        why = str(form.get("description") or "")
        services.reopen(db, portal, municipality, found, why)
        return _requests(fmt, request, db, municipality, [found])

    return await run_in_threadpool(answer, fmt, work)


@router.get(
    "/media/{public_id}",
    dependencies=[Depends(public)],
    summary="A report's photo",
    response_class=FileResponse,
)
def media(public_id: str, db: TenantDbDep, portal: PortalDep) -> Response:
    stored = services.released_photo(db, public_id)
    return FileResponse(
        uploads.path_of(portal.data_dir, stored),
        media_type=stored.content_type,
        # Revalidated at every use (cheap with its ETag): a photo a clerk hides again must
        # not live on in caches.
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


# ---- staff: categories ------------------------------------------------------------------


Manager = Annotated[Principal, Depends(requires(OPEN311_MANAGE))]


@staff.get("/categories", summary="Report categories, with inactive ones")
def staff_categories(db: TenantDbDep, _principal: Manager) -> list[CategoryOut]:
    return [
        CategoryOut.model_validate(c) for c in categories.all_categories(db, include_inactive=True)
    ]


@staff.put("/categories", summary="Create or change a report category (by service_code)")
def save_category(category: CategoryIn, db: TenantDbDep, principal: Manager) -> CategoryOut:
    return CategoryOut.model_validate(
        categories.save(db, category.model_dump(), actor=principal.actor)
    )


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
    report = services.by_id(db, request_id)
    case_id = found_or_404(report.case_id, f"There is no service request {request_id}.")
    cases.get_case(db, principal, case_id)  # only who may work on its case
    services.show_photo(db, report, decision.public, principal.actor)
    return PhotoOut(request_id=report.id, public=report.media_public)
