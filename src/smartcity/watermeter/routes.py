"""Water-meter readings over HTTP: the citizen's form post (works without JavaScript, photo
optional), the receipt, and the Stadtwerke's registry import, review queue and exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    Form,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from starlette.concurrency import run_in_threadpool

from smartcity.core.db import utcnow
from smartcity.core.documents import PDF_RESPONSE, pdf_response
from smartcity.core.errors import InvalidInput
from smartcity.core.http.deps import (
    IdPath,
    MunicipalityDep,
    PlatformDep,
    PortalDep,
    TenantDbDep,
    public,
    requires,
)
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.identity.permissions import Principal
from smartcity.core.mail.services import deliver_pending
from smartcity.core.uploads import services as uploads
from smartcity.watermeter import services
from smartcity.watermeter.permissions import WATERMETER_EXPORT, WATERMETER_MANAGE
from smartcity.watermeter.schemas import (
    ImportResult,
    MeterOut,
    ReadingOut,
    ReadingReceipt,
    ReviewIn,
)

router = APIRouter(prefix="/{municipality}/api/v1/watermeter", tags=["water meters"])

Manager = Annotated[Principal, Depends(requires(WATERMETER_MANAGE))]
Exporter = Annotated[Principal, Depends(requires(WATERMETER_EXPORT))]
Code = Annotated[str, Path(min_length=12, max_length=20)]
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.post(
    "/readings",
    dependencies=[Depends(public), Depends(anonymous_submission)],
    status_code=status.HTTP_201_CREATED,
    summary="Submit a meter reading (form fields; a photo of the meter is optional)",
)
def submit(
    meter_number: Annotated[str, Form(min_length=1, max_length=40)],
    reading: Annotated[str, Form(min_length=1, max_length=20, description="m³, e.g. 1234,567")],
    read_on: Annotated[str, Form(max_length=10, description="YYYY-MM-DD or DD.MM.YYYY")],
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    background: BackgroundTasks,
    email: Annotated[str | None, Form(max_length=320)] = None,
    photo: Annotated[UploadFile | None, File()] = None,
) -> ReadingReceipt:
    picture = None
    if photo is not None and photo.filename:
        picture = (photo.filename, photo.file.read(portal.limits.max_bytes + 1))
    today = utcnow().astimezone(ZoneInfo(municipality.timezone)).date()
    entry, meter = services.submit_reading(
        db,
        portal,
        municipality,
        meter_number=meter_number,
        reading_text=reading,
        read_on_text=read_on,
        email=email,
        photo=picture,
        today=today,
    )
    if entry.contact_email:
        background.add_task(deliver_pending, platform)
    return services.receipt_of(portal, municipality, entry, meter)


@router.get(
    "/readings/{code}", dependencies=[Depends(public)], summary="A submitted reading by its code"
)
def reading(
    code: Code, db: TenantDbDep, municipality: MunicipalityDep, portal: PortalDep
) -> ReadingReceipt:
    entry, meter = services.reading_by_code(db, code)
    return services.receipt_of(portal, municipality, entry, meter)


@router.get(
    "/readings/{code}/receipt.pdf",
    dependencies=[Depends(public)],
    summary="The receipt as PDF",
    response_class=Response,
    responses=PDF_RESPONSE,
)
def receipt_pdf(
    code: Code, db: TenantDbDep, municipality: MunicipalityDep, portal: PortalDep
) -> Response:
    entry, meter = services.reading_by_code(db, code)
    return pdf_response(
        services.receipt_pdf(portal, municipality, entry, meter),
        f"zaehlerstand-{entry.tracking_code}.pdf",
    )


@router.post(
    "/meters/import",
    summary="Create or update meters from CSV (all rows or none)",
    openapi_extra=CSV_BODY,
)
async def import_meters(
    request: Request, db: TenantDbDep, municipality: MunicipalityDep, who: Manager
) -> ImportResult:
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The CSV must be UTF-8.") from None
    # The session is synchronous: the import runs in the thread pool, not in the event loop.
    return await run_in_threadpool(services.import_csv, db, municipality, text, who.actor)


@router.get("/meters", summary="The meter registry")
def meters(
    db: TenantDbDep,
    _: Manager,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[MeterOut]:
    return [services.meter_out(m) for m in services.meters(db, limit, offset)]


@router.get("/review", summary="Readings by status (default: flagged, waiting for review)")
def review_queue(
    db: TenantDbDep,
    _: Manager,
    status_: Annotated[
        str, Query(alias="status", pattern="^(accepted|flagged|confirmed|rejected)$")
    ] = "flagged",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ReadingOut]:
    return services.readings(db, status_, limit, offset)


@router.post("/review/{reading_id}", summary="Confirm or reject a flagged reading")
def review(reading_id: IdPath, body: ReviewIn, db: TenantDbDep, who: Manager) -> ReadingOut:
    return services.review(db, reading_id, body.decision, body.note, body.consumption_m3, who.actor)


@router.get(
    "/review/{reading_id}/photo",
    summary="The photo sent with a reading",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def photo(reading_id: IdPath, db: TenantDbDep, portal: PortalDep, _: Manager) -> Response:
    stored = services.photo_of(db, reading_id)
    return Response(
        uploads.read(portal.data_dir, stored),
        media_type=stored.content_type,
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/export.csv",
    summary="Accepted readings of a period for billing (CSV, `;`, decimal comma)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export(
    db: TenantDbDep,
    _: Exporter,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> Response:
    _period(from_, to)
    return Response(
        services.billing_csv(db, from_, to),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="zaehlerstaende-{from_}-{to}.csv"'},
    )


@router.get("/missing", summary="Meters without an accepted reading in a period")
def missing(
    db: TenantDbDep,
    _: Exporter,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> list[MeterOut]:
    _period(from_, to)
    return [services.meter_out(m) for m in services.without_reading(db, from_, to)]


def _period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("'to' must not be before 'from'.")
