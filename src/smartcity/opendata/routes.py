"""The catalogue's endpoints: `/{m}/dcat/catalog` (paged), one URI per dataset and file that
answers RDF or, to a browser, the portal page (content negotiation; an extension picks the
serialisation too), the downloads, and the region's catalogue of catalogues."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.core.errors import NotFound, ServiceError
from smartcity.core.http.caching import etag_of, matches
from smartcity.core.http.deps import (
    DbDep,
    MunicipalityDep,
    PlatformDep,
    TenantDbDep,
    public,
    reads_only,
)
from smartcity.core.tenancy.models import Municipality, Region
from smartcity.core.tenancy.services import scope_for
from smartcity.opendata import catalogue, datastreams, rdf, services
from smartcity.opendata.models import PUBLISHED, WITHDRAWN, OpenDataset
from smartcity.opendata.triples import Document

router = APIRouter(tags=["open data"], dependencies=[Depends(public)])

# What the RDF endpoints answer, so that the OpenAPI document names every media type they send.
RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "RDF in the format asked for (content negotiation or extension)",
        "content": {
            "text/turtle": {},
            "application/rdf+xml": {},
            "application/ld+json": {},
        },
    },
    303: {"description": "A browser is sent to the portal page"},
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
}
UuidPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
Extension = Annotated[str, Path(pattern=r"^(ttl|rdf|jsonld)$")]
Page = Annotated[int, Query(ge=1, le=1_000_000, description="Catalogue page (100 datasets each)")]


class NotAcceptable(ServiceError):
    status = 406
    title = "Not acceptable"
    type_slug = "not-acceptable"


class Gone(ServiceError):
    status = 410
    title = "Gone"
    type_slug = "gone"


# The routes with an extension come before the plain ones: Starlette picks the first path
# that matches, and "{uuid}" alone would take "<uuid>.ttl" and refuse it as no UUID.


def _kind(request: Request, extension: str | None) -> str:
    if extension is not None:
        return extension
    kind = rdf.negotiate(request.headers.get("accept", "*/*"))
    if kind is None:
        raise NotAcceptable("Available: text/turtle, application/rdf+xml, application/ld+json.")
    return kind


def _answer(request: Request, body: bytes, kind: str, etag: str | None = None) -> Response:
    """RDF with a strong ETag; 304 without a body when the client has it already. Harvesters
    are not told to keep it for any time (`no-cache`): they ask again with the ETag."""
    etag = etag or etag_of(body)
    headers = {
        "Vary": "Accept",
        "Access-Control-Allow-Origin": "*",
        "ETag": etag,
        "Cache-Control": "public, no-cache",
    }
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=rdf.FORMATS[kind], headers=headers)


def _rdf(request: Request, doc: Document, kind: str) -> Response:
    return _answer(request, rdf.serialise(doc, kind), kind)


def _catalog(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    page: int,
    extension: str | None,
) -> Response:
    kind = _kind(request, extension)
    if kind == "html":
        return RedirectResponse(f"/{municipality.slug}/offene-daten", status_code=303)
    kept = catalogue.catalog_page(db, platform.engine, platform.portal, municipality, page, kind)
    return _answer(request, kept.body, kind, kept.etag)


@router.get(
    "/{municipality}/dcat/catalog",
    summary="The DCAT-AP.de catalogue (paged)",
    responses=RDF_RESPONSES,
)
@reads_only
def catalog(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    page: Page = 1,
) -> Response:
    return _catalog(request, db, municipality, platform, page, None)


@router.get(
    "/{municipality}/dcat/catalog.{extension}",
    summary="The catalogue in one format",
    responses=RDF_RESPONSES,
)
@reads_only
def catalog_as(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    extension: Extension,
    page: Page = 1,
) -> Response:
    return _catalog(request, db, municipality, platform, page, extension)


def _published(db: TenantDbDep, dataset_uuid: str) -> OpenDataset:
    dataset = services.by_uuid(db, dataset_uuid)
    if dataset.status == WITHDRAWN:
        # Harvesters remove what answers 410; a draft stays unknown to them.
        raise Gone("This dataset was withdrawn.")
    if dataset.status != PUBLISHED:
        raise NotFound("There is no such dataset.")
    return dataset


def _dataset(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    dataset_uuid: str,
    extension: str | None,
) -> Response:
    dataset = _published(db, dataset_uuid)
    kind = _kind(request, extension)
    if kind == "html":
        return RedirectResponse(
            f"/{municipality.slug}/offene-daten/{dataset.uuid}", status_code=303
        )
    return _rdf(
        request, catalogue.dataset_document(db, platform.portal, municipality, dataset), kind
    )


@router.get(
    "/{municipality}/dcat/datasets/{dataset_uuid}.{extension}",
    summary="One dataset",
    responses=RDF_RESPONSES,
)
@reads_only
def dataset_as(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    dataset_uuid: UuidPath,
    extension: Extension,
) -> Response:
    return _dataset(request, db, municipality, platform, dataset_uuid, extension)


@router.get(
    "/{municipality}/dcat/datasets/{dataset_uuid}", summary="One dataset", responses=RDF_RESPONSES
)
@reads_only
def dataset(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    dataset_uuid: UuidPath,
) -> Response:
    return _dataset(request, db, municipality, platform, dataset_uuid, None)


@router.get(
    "/{municipality}/dcat/datasets/{dataset_uuid}/service",
    summary="A data service",
    responses=RDF_RESPONSES,
)
@reads_only
def data_service(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    dataset_uuid: UuidPath,
) -> Response:
    dataset = _published(db, dataset_uuid)
    if not dataset.api_path:
        raise NotFound("This dataset has no interface.")
    return _dataset(request, db, municipality, platform, dataset_uuid, None)


@router.get(
    "/{municipality}/dcat/distributions/{distribution_uuid}",
    summary="One file",
    responses=RDF_RESPONSES,
)
@reads_only
def distribution(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    distribution_uuid: UuidPath,
) -> Response:
    found = services.distribution_by_uuid(db, distribution_uuid)
    return _dataset(request, db, municipality, platform, found.dataset.uuid, None)


@router.get(
    "/{municipality}/dcat/distributions/{distribution_uuid}/{file_name}",
    summary="Download",
    responses={200: {"content": {"*/*": {}}, "description": "The file in its own format"}},
)
@reads_only
def download(
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    distribution_uuid: UuidPath,
    file_name: Annotated[str, Path(max_length=200)],
) -> Response:
    found = services.distribution_by_uuid(db, distribution_uuid)
    _published(db, found.dataset.uuid)
    if file_name != found.file_name:
        raise NotFound("There is no such file.")
    urls = catalogue.urls_of(platform.portal, municipality)
    content = services.content_of(db, found)
    if content is None:
        return RedirectResponse(urls.access(found), status_code=303)
    return Response(
        content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.file_name}"',
            "Access-Control-Allow-Origin": "*",
            "ETag": f'"{found.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _series(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    series_uuid: str,
    extension: str | None,
) -> Response:
    series = services.series_by_uuid(db, series_uuid)
    if series.status == WITHDRAWN:
        raise Gone("This series was withdrawn.")
    if not services.published_members(db, [series.id]):
        raise NotFound("There is no such series.")
    kind = _kind(request, extension)
    if kind == "html":
        return RedirectResponse(
            f"/{municipality.slug}/offene-daten?reihe={series.uuid}", status_code=303
        )
    doc = catalogue.series_document(db, platform.portal, municipality, series)
    return _rdf(request, doc, kind)


@router.get(
    "/{municipality}/dcat/series/{series_uuid}.{extension}",
    summary="A dataset series in one format",
    responses=RDF_RESPONSES,
)
@reads_only
def dataset_series_as(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    series_uuid: UuidPath,
    extension: Extension,
) -> Response:
    return _series(request, db, municipality, platform, series_uuid, extension)


@router.get(
    "/{municipality}/dcat/series/{series_uuid}",
    summary="A dataset series",
    responses=RDF_RESPONSES,
)
@reads_only
def dataset_series(
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    series_uuid: UuidPath,
) -> Response:
    return _series(request, db, municipality, platform, series_uuid, None)


@router.get(
    "/{municipality}/dcat/datastreams/{datastream_id}/observations.csv",
    summary="The Observations of a public Datastream for a time range, as CSV",
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV (RFC 4180, UTF-8), streamed"},
        422: {"description": "A range longer than 31 days or of more than 200,000 rows"},
    },
)
@reads_only
def datastream_csv(
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    datastream_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    start: Annotated[
        str, Query(alias="from", max_length=40, description="ISO 8601, inclusive")
    ] = "",
    end: Annotated[str, Query(alias="to", max_length=40, description="ISO 8601, exclusive")] = "",
) -> Response:
    stream = datastreams.stream_of(db, datastream_id)
    span = datastreams.time_range(start, end, municipality, utcnow())
    datastreams.check_size(db, stream, span)
    return StreamingResponse(
        datastreams.rows(platform.sessions, scope_for(municipality), stream, span),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{datastreams.file_name(stream, span)}"'
            ),
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _region(db: DbDep, slug: str) -> tuple[Region, list[Municipality]]:
    # Regions and municipalities are instance-wide rows: no tenant scope is involved.
    region = db.scalar(select(Region).where(Region.slug == slug))
    if region is None:
        raise NotFound("There is no such region.")
    members = list(
        db.scalars(
            select(Municipality)
            .where(Municipality.region_id == region.id)
            .order_by(Municipality.slug)
        )
    )
    return region, members


def _region_catalog(
    request: Request, db: DbDep, platform: PlatformDep, slug: str, extension: str | None
) -> Response:
    region, members = _region(db, slug)
    kind = _kind(request, extension)
    if kind == "html":
        kind = "ttl"
    doc = rdf.region_catalog(region, platform.portal.public_url, members)
    return _rdf(request, doc, kind)


@router.get(
    "/region/{region}/dcat/catalog",
    summary="The region's catalogue of catalogues",
    responses=RDF_RESPONSES,
)
@reads_only
def region_catalog(
    request: Request, db: DbDep, platform: PlatformDep, region: Annotated[str, Path(max_length=63)]
) -> Response:
    return _region_catalog(request, db, platform, region, None)


@router.get(
    "/region/{region}/dcat/catalog.{extension}",
    summary="The region's catalogue",
    responses=RDF_RESPONSES,
)
@reads_only
def region_catalog_as(
    request: Request,
    db: DbDep,
    platform: PlatformDep,
    region: Annotated[str, Path(max_length=63)],
    extension: Extension,
) -> Response:
    return _region_catalog(request, db, platform, region, extension)
