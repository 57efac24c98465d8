"""The SensorThings HTTP interface under `/{municipality}/sta/v1.1`. Thin: every route hands
the work to a StaService in the thread pool and turns its Outcome into a response."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from smartcity.core.db import QueryBudget, transaction
from smartcity.core.http.deps import (
    MunicipalityDep,
    TenantDbDep,
    TenantPrincipalDep,
    public,
    reads_only,
    requires,
)
from smartcity.core.identity.permissions import Principal
from smartcity.core.settings import Settings
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.sensorthings import multipart_batch
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.errors import (
    BadRequest,
    StaError,
    Unavailable,
    UnsupportedMediaType,
)
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.mqtt.notifier import MqttNotifier, parent_topics
from smartcity.sensorthings.paths import parse_path
from smartcity.sensorthings.permissions import STA_WRITE
from smartcity.sensorthings.reading import links_for
from smartcity.sensorthings.runtime import SensorThingsRuntime
from smartcity.sensorthings.service import Outcome, StaService
from smartcity.sensorthings.values import refuse_lone_surrogates

VERSION_PATH = "/{municipality}/sta/v1.1"
SENSING = "http://www.opengis.net/spec/iot_sensing/1.1/req"
# 18-088, 8.2.3 and 14: each MQTT class offered names the broker's addresses in serverSettings.
MQTT_CONFORMANCE = [
    f"{SENSING}/create-observations-via-mqtt/observations-creation",
    f"{SENSING}/receive-updates-via-mqtt/receive-updates",
]
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/batch-request/batch-request",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
    f"{SENSING}/multi-datastream",
    *MQTT_CONFORMANCE,
    "http://www.opengis.net/spec/iot_tasking/1.0/req/tasking-core",
]
JSON_PATCH = "application/json-patch+json"

router = APIRouter(prefix=VERSION_PATH, tags=["SensorThings API"])
CanWrite = Annotated[Principal, Depends(requires(STA_WRITE))]


def sta_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StaError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Unavailable) else None
    return JSONResponse(
        {"code": exc.status, "type": "error", "message": exc.message},
        status_code=exc.status,
        headers=headers,
    )


def _service(
    request: Request,
    db: Any,
    municipality: Any,
    principal: Principal,
    budget: QueryBudget | None = None,
) -> StaService:
    settings = request.app.state.platform.settings
    return StaService(
        db,
        links_for(request, municipality.slug),
        max_top=settings.sta_max_top,
        principal=principal,
        estimate_count_above=settings.sta_count_estimate_above,
        max_entities=settings.sta_max_entities,
        budget=budget,
    )


def _response(outcome: Outcome) -> Response:
    if outcome.body is None:
        return Response(status_code=outcome.status, headers=outcome.headers)
    if outcome.plain_text:
        return PlainTextResponse(outcome.body, status_code=outcome.status)
    return Response(
        json_bytes(outcome.body),
        status_code=outcome.status,
        headers=outcome.headers,
        media_type="application/json",
    )


def json_bytes(body: Any) -> bytes:
    """The body as compact UTF-8 JSON, as JSONResponse writes it. orjson: the standard
    library's encoder took a sixth of a 1,000-Observation page's time. What orjson does not
    take (integers beyond 64 bits) goes to the standard library, which also refuses NaN."""
    try:
        return orjson.dumps(body)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


async def _run(work: Callable[[], Outcome]) -> Response:
    # Bodies are read asynchronously; the database work runs in the thread pool.
    return _response(await run_in_threadpool(work))


async def _write(
    request: Request,
    work: Callable[[], Outcome],
    *,
    slug: str,
    path: str | None = None,
    payload: Any = None,
) -> Response:
    outcome = await run_in_threadpool(work)
    response = _response(outcome)
    runtime: SensorThingsRuntime = request.app.state.ingest

    def after_commit() -> None:
        # Datastreams, Things, Locations or features may have changed what the ingestion path
        # cached; a new or changed Observation changes none of it.
        if path is None or not _observations_only(path):
            runtime.forget()
        notifier = runtime.notifier
        if notifier is not None and path is not None and isinstance(outcome.body, dict):
            _notify(request, notifier, slug, path, outcome.body, payload)

    # Background tasks run once the response is out, after the transaction committed: no
    # notification for a change that was rolled back.
    response.background = BackgroundTask(after_commit)
    return response


def _observations_only(path: str) -> bool:
    try:
        return parse_path(path).target.entity.name == "Observation"
    except StaError:
        return False


def _notify(
    request: Request,
    notifier: MqttNotifier,
    slug: str,
    path: str,
    body: dict[str, Any],
    payload: Any,
) -> None:
    entity = parse_path(path).target.entity
    ident = body.get("@iot.id")
    if not isinstance(ident, int):
        return
    if request.method == "POST":
        platform = request.app.state.platform
        with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
            parents = parent_topics(db, entity, ident)
        notifier.entity_written(slug, entity, body, parents=parents)
        return
    changed = (
        [key for key in payload if entity.field(key) is not None]
        if isinstance(payload, dict)
        else [field.name for field in entity.fields]
    )
    notifier.entity_written(slug, entity, body, parents=[], changed=changed or ["@iot.id"])


async def _json_body(request: Request) -> Any:
    try:
        payload = await request.json()
    except (ValueError, RecursionError):
        # RecursionError: nested deeper than the parser goes (a hostile body).
        raise BadRequest("The request body is not valid JSON.") from None
    refuse_lone_surrogates(await request.body(), payload)
    return payload


@router.get("", dependencies=[Depends(public)], summary="Service root")
@router.get("/", dependencies=[Depends(public)], include_in_schema=False)
@reads_only
def service_root(request: Request, municipality: MunicipalityDep) -> dict[str, Any]:
    links = links_for(request, municipality.slug)
    endpoints = {"endpoints": [mqtt_endpoint(request.app.state.platform.settings, links.base)]}
    return {
        "value": [
            {"name": entity.plural, "url": f"{links.base}/{entity.plural}"}
            for entity in ENTITY_TYPES.values()
        ],
        "serverSettings": {
            "conformance": CONFORMANCE,
            **dict.fromkeys(MQTT_CONFORMANCE, endpoints),
        },
    }


def mqtt_endpoint(settings: Settings, base: str) -> str:
    """Where devices reach the broker: the external broker's address (without the platform's
    own credentials), or the embedded broker's port on the host this API is reached at."""
    if settings.mqtt_url:
        broker = urlsplit(settings.mqtt_url)
        port = f":{broker.port}" if broker.port else ""
        return f"{broker.scheme}://{broker.hostname}{port}"
    host = urlsplit(base).hostname or settings.host
    if ":" in host:
        host = f"[{host}]"
    return f"mqtt://{host}:{settings.mqtt_port}"


@router.post(
    "/$batch",
    dependencies=[Depends(public)],
    summary="OData JSON batch: several requests, atomicity groups, $id references",
)
async def batch(
    request: Request, db: TenantDbDep, municipality: MunicipalityDep, principal: TenantPrincipalDep
) -> Response:
    content_type = request.headers.get("content-type", "")
    service = _service(request, db, municipality, principal)
    if content_type.startswith("multipart/mixed"):
        json_batch = multipart_batch.parse(content_type, await request.body())
        outcome = await run_in_threadpool(lambda: service.batch(json_batch))
        request.app.state.ingest.forget()  # batches are not notified one by one
        media_type, body = multipart_batch.render(json_batch, outcome.body["responses"])
        return Response(body, media_type=media_type)
    if content_type and not content_type.startswith("application/json"):
        raise UnsupportedMediaType("Send a batch as application/json or multipart/mixed.")
    payload = await _json_body(request)
    return await _write(request, lambda: service.batch(payload), slug=municipality.slug)


@router.post("/CreateObservations", status_code=201, summary="Create many Observations")
async def create_observations(
    request: Request, municipality: MunicipalityDep, principal: CanWrite, db: TenantDbDep
) -> Response:
    payload = await _json_body(request)
    runtime: SensorThingsRuntime = request.app.state.ingest
    links = links_for(request, municipality.slug)
    answers = await run_in_threadpool(
        bulk.create_in_transaction,
        db,
        runtime.targets,
        runtime.store,
        links,
        municipality.id,
        payload,
    )
    return JSONResponse(answers, status_code=201)


@router.get("/{path:path}", dependencies=[Depends(public)], summary="Read entities")
@reads_only
async def read(
    path: str,
    request: Request,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: TenantPrincipalDep,
) -> Response:
    budget = QueryBudget(request.app.state.platform.settings.sta_read_timeout_seconds)
    service = _service(request, db, municipality, principal, budget)
    params = dict(request.query_params)
    watcher = asyncio.create_task(_stop_when_disconnected(request, budget))
    try:
        return await _run(lambda: service.read(path, params))
    finally:
        watcher.cancel()


async def _stop_when_disconnected(request: Request, budget: QueryBudget) -> None:
    """Cancels the read's budget when its client goes away, so the database stops working
    for nobody (the next statement step sees it)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            budget.cancel()
            return


@router.post("/{path:path}", status_code=201, summary="Create an entity (deep insert)")
async def create(
    path: str, request: Request, municipality: MunicipalityDep, principal: CanWrite, db: TenantDbDep
) -> Response:
    payload = await _json_body(request)
    service = _service(request, db, municipality, principal)
    return await _write(
        request, lambda: service.create(path, payload), slug=municipality.slug, path=path
    )


async def _update(
    path: str, request: Request, municipality: Any, principal: Principal, db: Any, *, replace: bool
) -> Response:
    payload = await _json_body(request)
    json_patch = request.headers.get("content-type", "").startswith(JSON_PATCH)
    service = _service(request, db, municipality, principal)
    return await _write(
        request,
        lambda: service.update(path, payload, replace=replace, json_patch=json_patch),
        slug=municipality.slug,
        path=path,
        payload=payload,
    )


@router.patch("/{path:path}", summary="Change an entity (merge, or JSON Patch)")
async def patch(
    path: str, request: Request, municipality: MunicipalityDep, principal: CanWrite, db: TenantDbDep
) -> Response:
    return await _update(path, request, municipality, principal, db, replace=False)


@router.put("/{path:path}", summary="Replace an entity")
async def put(
    path: str, request: Request, municipality: MunicipalityDep, principal: CanWrite, db: TenantDbDep
) -> Response:
    return await _update(path, request, municipality, principal, db, replace=True)


@router.delete("/{path:path}", summary="Delete an entity and what depends on it")
async def delete(
    path: str, request: Request, municipality: MunicipalityDep, principal: CanWrite, db: TenantDbDep
) -> Response:
    service = _service(request, db, municipality, principal)
    return await _write(request, lambda: service.delete(path), slug=municipality.slug)
