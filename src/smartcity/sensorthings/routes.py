"""The SensorThings HTTP interface: one route per method under `/{municipality}/sta/v1.1`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

import jsonpatch
import jsonpointer
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smartcity.core.http.deps import (
    MunicipalityDep,
    TenantDbDep,
    TenantPrincipalDep,
    public,
    requires,
)
from smartcity.core.identity.permissions import Principal
from smartcity.sensorthings import access, data_array
from smartcity.sensorthings.entities import ENTITY_TYPES, EntityType
from smartcity.sensorthings.errors import BadRequest, MethodNotAllowed, NotFoundError, StaError
from smartcity.sensorthings.paths import ResourcePath, parse_path
from smartcity.sensorthings.permissions import STA_READ_RESTRICTED, STA_WRITE
from smartcity.sensorthings.query import QueryOptions, parse_options
from smartcity.sensorthings.reading import (
    Links,
    Reader,
    Visibility,
    base_query,
    ensure_parents_exist,
)
from smartcity.sensorthings.writing import Writer, _inverse_nav

VERSION_PATH = "/{municipality}/sta/v1.1"
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
]

router = APIRouter(prefix=VERSION_PATH, tags=["SensorThings API"])
CanWrite = Annotated[Principal, Depends(requires(STA_WRITE))]


def sta_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StaError)
    return JSONResponse(
        {"code": exc.status, "type": "error", "message": exc.message}, status_code=exc.status
    )


def _links(request: Request, slug: str) -> Links:
    platform = request.app.state.platform
    base = platform.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return Links(f"{base}/{slug}/sta/v1.1")


def _max_top(request: Request) -> int:
    return int(request.app.state.platform.settings.sta_max_top)


@router.get("", dependencies=[Depends(public)], summary="Service root")
def service_root(request: Request, municipality: MunicipalityDep) -> dict[str, Any]:
    links = _links(request, municipality.slug)
    return {
        "value": [
            {"name": entity.plural, "url": f"{links.base}/{entity.plural}"}
            for entity in ENTITY_TYPES.values()
        ],
        "serverSettings": {"conformance": CONFORMANCE},
    }


def _next_url(request: Request, links: Links, path: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k not in ("$skip", "$top")}
    # Braces are placeholders filled in by the reader with the next page's numbers.
    query = urlencode(params, safe="$,()/'").replace("{", "%7B").replace("}", "%7D")
    extra = "&" + query if query else ""
    return f"{links.base}/{path}?$top={{top}}&$skip={{skip}}{extra}"


def _single(db: Session, path: ResourcePath, visible: Visibility = None) -> Any:
    ensure_parents_exist(db, path, visible)
    row = db.scalar(base_query(path, visible))
    if row is None:
        target = path.target
        raise NotFoundError(f"{target.entity.name} {target.id or ''} does not exist here.".strip())
    return row


@router.post("/CreateObservations", status_code=201, summary="Create many Observations (dataArray)")
async def create_observations(
    request: Request, municipality: MunicipalityDep, _: CanWrite, db: TenantDbDep
) -> Response:
    payload = await _json_body(request)
    links = _links(request, municipality.slug)

    def work() -> Response:
        return JSONResponse(data_array.create_observations(db, links, payload), status_code=201)

    return await _in_thread(work)


# SQLSTATE classes that mean "this query cannot be evaluated" (data exceptions, type errors),
# not "the database is unwell": the client asked for something impossible.
QUERY_ERROR_CLASSES = ("22", "42")


@router.get("/{path:path}", dependencies=[Depends(public)], summary="Read entities")
def read(
    path: str,
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: TenantPrincipalDep,
) -> Response:
    visible = None if principal.can(STA_READ_RESTRICTED) else access.visible
    try:
        return _read(path, request, db, municipality, visible)
    except DBAPIError as exc:
        code = str(getattr(exc.orig, "sqlstate", "") or "")
        if exc.connection_invalidated or not code.startswith(QUERY_ERROR_CLASSES):
            raise
        raise BadRequest(
            "The query cannot be evaluated (probably comparing values of different types)."
        ) from None


def _read(
    path: str, request: Request, db: Session, municipality: Any, visible: Visibility
) -> Response:
    resource = parse_path(path)
    links = _links(request, municipality.slug)
    reader = Reader(db, links, max_top=_max_top(request), visible=visible)
    entity = resource.target.entity
    options = parse_options(dict(request.query_params), entity, max_top=_max_top(request))
    if resource.ref:
        return _references(db, reader, resource, options, request, links, path, visible)
    if options.result_format not in (None, "dataArray"):
        raise BadRequest(f"Unknown $resultFormat {options.result_format!r}; known: dataArray.")
    if options.result_format == "dataArray":
        if entity.name != "Observation" or not resource.target.is_collection:
            raise BadRequest("$resultFormat=dataArray applies to collections of Observations.")
        ensure_parents_exist(db, resource, visible)
        selected = options.select
        options.select = None
        page = reader.collection(
            base_query(resource, visible),
            entity,
            options,
            _next_url(request, links, path),
            raw=True,
        )
        body = data_array.as_data_array(reader, page.pop("value"), selected)
        return JSONResponse({**page, **body})
    if resource.target.is_collection:
        ensure_parents_exist(db, resource, visible)
        body = reader.collection(
            base_query(resource, visible), entity, options, _next_url(request, links, path)
        )
        return JSONResponse(body)
    row = _single(db, resource, visible)
    if resource.prop is not None or resource.id_property:
        name = resource.prop.name if resource.prop else "id"
        value = reader.field_value(row, entity, name)
        if resource.value:
            if value is None:
                return Response(status_code=204)
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return PlainTextResponse(text)
        return JSONResponse({name: value})
    return JSONResponse(reader.entity(row, entity, options))


def _references(
    db: Session,
    reader: Reader,
    resource: ResourcePath,
    options: QueryOptions,
    request: Request,
    links: Links,
    path: str,
    visible: Visibility,
) -> Response:
    entity = resource.target.entity
    ref_options = QueryOptions(
        top=options.top,
        skip=options.skip,
        count=options.count,
        orderby=options.orderby,
        filter=options.filter,
        select=["id"],
    )
    if options.result_format not in (None, "dataArray"):
        raise BadRequest(f"Unknown $resultFormat {options.result_format!r}; known: dataArray.")
    if options.result_format == "dataArray":
        if entity.name != "Observation" or not resource.target.is_collection:
            raise BadRequest("$resultFormat=dataArray applies to collections of Observations.")
        ensure_parents_exist(db, resource, visible)
        selected = options.select
        options.select = None
        page = reader.collection(
            base_query(resource, visible),
            entity,
            options,
            _next_url(request, links, path),
            raw=True,
        )
        body = data_array.as_data_array(reader, page.pop("value"), selected)
        return JSONResponse({**page, **body})
    if resource.target.is_collection:
        ensure_parents_exist(db, resource, visible)
        body = reader.collection(
            base_query(resource, visible), entity, ref_options, _next_url(request, links, path)
        )
        body["value"] = [{"@iot.selfLink": v["@iot.selfLink"]} for v in body["value"]]
        return JSONResponse(body)
    row = _single(db, resource, visible)
    return JSONResponse({"@iot.selfLink": links.entity(entity, row.id)})


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None


@router.post("/{path:path}", status_code=201, summary="Create an entity (deep insert)")
async def create(
    path: str, request: Request, municipality: MunicipalityDep, _: CanWrite, db: TenantDbDep
) -> Response:
    payload = await _json_body(request)
    return await _in_thread(_create, db, path, payload, _links(request, municipality.slug))


def _create(db: Session, path: str, payload: Any, links: Links) -> Response:
    resource = parse_path(path)
    if resource.ref or resource.prop or resource.id_property:
        raise MethodNotAllowed("POST creates entities in a collection.")
    target = resource.target
    if not target.is_collection:
        raise MethodNotAllowed("POST goes to a collection, e.g. Things or Things(1)/Datastreams.")
    parent = None
    if len(resource.steps) > 1:
        parent_path = ResourcePath(resource.steps[:-1])
        parent_row = _single(db, parent_path)
        assert target.via is not None
        parent = (_inverse_nav(parent_path.target.entity, target.via), parent_row)
    row = Writer(db).create(target.entity, payload, parent=parent)
    location = links.entity(target.entity, row.id)
    reader = Reader(db, links, max_top=1)
    body = reader.entity(row, target.entity, QueryOptions())
    return JSONResponse(body, status_code=201, headers={"Location": location})


async def _in_thread(function: Callable[..., Response], *args: Any) -> Response:
    # The body is read asynchronously; the database work runs in the thread pool.
    return await run_in_threadpool(function, *args)


async def _update(
    path: str, request: Request, municipality: MunicipalityDep, db: Session, *, replace: bool
) -> Response:
    payload = await _json_body(request)
    is_json_patch = request.headers.get("content-type", "").startswith(JSON_PATCH)

    def work() -> Response:
        resource = parse_path(path)
        if resource.target.is_collection or resource.ref or resource.prop:
            raise MethodNotAllowed("Updates go to a single entity, e.g. Things(1).")
        row = _single(db, resource)
        entity = resource.target.entity
        links = _links(request, municipality.slug)
        reader = Reader(db, links, max_top=1)
        writer = Writer(db)
        if is_json_patch:
            writer.update(
                entity, row, apply_json_patch(reader, row, entity, payload), replace=False
            )
        else:
            writer.update(entity, row, payload, replace=replace)
        return JSONResponse(reader.entity(row, entity, QueryOptions()))

    return await _in_thread(work)


JSON_PATCH = "application/json-patch+json"


def apply_json_patch(reader: Reader, row: Any, entity: EntityType, operations: Any) -> Any:
    """RFC 6902 operations on the entity's properties; returns the properties that changed."""
    if not isinstance(operations, list):
        raise BadRequest("A JSON Patch is a JSON array of operations.")
    current = {field.name: reader.field_value(row, entity, field.name) for field in entity.fields}
    try:
        patched = jsonpatch.apply_patch(current, operations)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError) as exc:
        raise BadRequest(f"The JSON Patch cannot be applied: {exc}") from None
    unknown = set(patched) - set(current)
    if unknown:
        raise BadRequest(f"'{entity.name}' has no property {sorted(unknown)[0]!r}.")
    # A removed property becomes null, as if the client had sent null for it.
    return {name: patched.get(name) for name in current if patched.get(name) != current[name]}


@router.patch("/{path:path}", summary="Change an entity (merge, or JSON Patch)")
async def patch(
    path: str, request: Request, municipality: MunicipalityDep, _: CanWrite, db: TenantDbDep
) -> Response:
    return await _update(path, request, municipality, db, replace=False)


@router.put("/{path:path}", summary="Replace an entity")
async def put(
    path: str, request: Request, municipality: MunicipalityDep, _: CanWrite, db: TenantDbDep
) -> Response:
    return await _update(path, request, municipality, db, replace=True)


@router.delete("/{path:path}", summary="Delete an entity and what depends on it")
def delete(path: str, _: CanWrite, db: TenantDbDep) -> Response:
    resource = parse_path(path)
    if resource.target.is_collection or resource.ref or resource.prop:
        raise MethodNotAllowed("DELETE goes to a single entity, e.g. Things(1).")
    Writer(db).delete(_single(db, resource))
    return Response(status_code=200)
