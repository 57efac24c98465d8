"""OParl 1.1: the System of the instance, its Bodies (one per municipality), their object lists
and objects, and the files' content. All public: OParl shows what the portal shows."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from smartcity.core.http.deps import (
    DbDep,
    IdPath,
    MunicipalityDep,
    PlatformDep,
    TenantDbDep,
    public,
    reads_only,
)
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.uploads import services as uploads
from smartcity.council import oparl
from smartcity.council import services as council
from smartcity.council.models import CouncilFile
from smartcity.council.oparl import KINDS, ListQuery, Urls, Writer

# OParl's own error object (oparl.OParlError) answers what the API cannot serve; what the
# platform refuses before (an unknown municipality) is a problem document as everywhere.
_ERROR_TYPES = {
    "application/json": {},
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}},
}
OPARL_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "A filter or page the API cannot read (an OParl error object)",
        "content": _ERROR_TYPES,
    },
    404: {
        "description": "Unknown, not public, or of another Body (an OParl error object)",
        "content": _ERROR_TYPES,
    },
}

router = APIRouter(dependencies=[Depends(public)], tags=["OParl 1.1"], responses=OPARL_ERRORS)


def _json(document: dict[str, Any], status: int = 200) -> Response:
    return Response(
        orjson.dumps(document),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers={"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"},
    )


def _writer(db: Any, platform: Any, municipality: Municipality, request: Request) -> Writer:
    query = ListQuery.parse(request.query_params)
    return Writer(
        db,
        Urls.of(platform.settings.effective_public_url, municipality),
        omit_internal=query.omit_internal,
    )


@router.get("/oparl/v1.1", summary="The OParl System of this instance")
@reads_only
def system(platform: PlatformDep) -> Response:
    public_url = platform.settings.effective_public_url
    document = {
        "id": f"{public_url}/oparl/v1.1",
        "type": oparl.SCHEMA + "System",
        "oparlVersion": oparl.SCHEMA,
        "body": f"{public_url}/oparl/v1.1/body",
        "name": "Ratsinformationen",
        "website": public_url + "/",
    }
    return _json(document)


@router.get("/oparl/v1.1/body", summary="The Bodies (one per municipality)")
@reads_only
def bodies(request: Request, db: DbDep, platform: PlatformDep) -> Response:
    db.info[SCOPE_KEY] = SYSTEM  # the instance's list of municipalities, each one Body
    query = ListQuery.parse(request.query_params)
    public_url = platform.settings.effective_public_url
    found = []
    for municipality in db.scalars(select(Municipality).order_by(Municipality.id)):
        modified = oparl.body_modified(db, municipality)
        if not _within(query, municipality.created_at, modified):
            continue
        found.append((municipality, modified))
    total = len(found)
    pages = max(1, -(-total // query.limit))
    chosen = found[(query.page - 1) * query.limit : query.page * query.limit]
    data = [
        Writer(db, Urls.of(public_url, m), omit_internal=query.omit_internal).body(m, modified)
        for m, modified in chosen
    ]
    base = f"{public_url}/oparl/v1.1/body"
    links = {"first": query.link(base, 1), "self": query.link(base, query.page)}
    if query.page > 1:
        links["prev"] = query.link(base, min(query.page - 1, pages))
    if query.page < pages:
        links["next"] = query.link(base, query.page + 1)
    links["last"] = query.link(base, pages)
    return _json(
        {
            "data": data,
            "pagination": {
                "totalElements": total,
                "elementsPerPage": query.limit,
                "currentPage": query.page,
                "totalPages": pages,
            },
            "links": links,
        }
    )


def _within(query: ListQuery, created: Any, modified: Any) -> bool:
    return not (
        (query.created_since and created < query.created_since)
        or (query.created_until and created > query.created_until)
        or (query.modified_since and modified < query.modified_since)
        or (query.modified_until and modified > query.modified_until)
    )


@router.get("/{municipality}/oparl/v1.1/body", summary="The municipality's Body")
@reads_only
def body(
    request: Request, db: TenantDbDep, municipality: MunicipalityDep, platform: PlatformDep
) -> Response:
    writer = _writer(db, platform, municipality, request)
    return _json(writer.body(municipality, oparl.body_modified(db, municipality)))


@router.get(
    "/{municipality}/oparl/v1.1/organization/{organization_id}/meeting",
    summary="The meetings of an organization",
)
@reads_only
def organization_meetings(
    organization_id: IdPath,
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    oparl.one(
        db, _writer(db, platform, municipality, request), KINDS["organization"], organization_id
    )
    writer = _writer(db, platform, municipality, request)
    base = f"{writer.urls.object('organization', organization_id)}/meeting"
    return _json(
        oparl.list_page(
            db,
            writer,
            KINDS["meeting"],
            ListQuery.parse(request.query_params),
            base,
            narrow=oparl.organization_meetings(organization_id),
            web=writer.urls.web(f"/gremien/{organization_id}"),
        )
    )


def _file(db: Any, file_id: int) -> CouncilFile:
    kind = KINDS["file"]
    row = db.scalar(select(CouncilFile).where(CouncilFile.id == file_id, kind.listed()))
    if row is None or row.stored_file_id is None:
        raise oparl.OParlError(f"Eine Datei {file_id} gibt es nicht.")
    assert isinstance(row, CouncilFile)
    return row


def _content(db: Any, platform: Any, row: CouncilFile, disposition: str) -> Response:
    stored = council.stored_of(db, row)
    data = uploads.read(platform.settings.data_dir, stored)
    return Response(
        data,
        media_type=row.mime_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''" + _quoted(row.file_name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=300",
            "Access-Control-Allow-Origin": "*",
        },
    )


def _quoted(name: str) -> str:
    return quote(name, safe="")


@router.get("/{municipality}/oparl/v1.1/file/{file_id}/access", summary="A file's content")
@reads_only
def file_access(
    file_id: IdPath, db: TenantDbDep, municipality: MunicipalityDep, platform: PlatformDep
) -> Response:
    return _content(db, platform, _file(db, file_id), "inline")


@router.get(
    "/{municipality}/oparl/v1.1/file/{file_id}/download/{name}",
    summary="A file's content as a download",
)
@reads_only
def file_download(
    file_id: IdPath,
    name: str,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    return _content(db, platform, _file(db, file_id), "attachment")


@router.get("/{municipality}/oparl/v1.1/{segment}", summary="An object list of the Body")
@reads_only
def object_list(
    segment: str,
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    kind = oparl.kind_of(segment)
    writer = _writer(db, platform, municipality, request)
    web = {"meeting": "/sitzungen", "paper": "/vorlagen", "organization": "/gremien"}.get(segment)
    return _json(
        oparl.list_page(
            db,
            writer,
            kind,
            ListQuery.parse(request.query_params),
            writer.urls.list(segment),
            web=writer.urls.web(web) if web else None,
        )
    )


@router.get("/{municipality}/oparl/v1.1/{segment}/{object_id}", summary="An object of the Body")
@reads_only
def object_one(
    segment: str,
    object_id: IdPath,
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    kind = oparl.kind_of(segment)
    return _json(oparl.one(db, _writer(db, platform, municipality, request), kind, object_id))


def oparl_error(request: Request, error: Exception) -> Response:
    """OParl's error object for the OParl paths' own errors."""
    assert isinstance(error, oparl.OParlError)
    response = _json(oparl.error_document(error), error.status)
    response.headers["Cache-Control"] = "no-store"
    return response
