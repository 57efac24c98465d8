"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text

from smartcity.core.http.deps import public
from smartcity.core.platform import Platform

router = APIRouter(tags=["operations"], dependencies=[Depends(public)])

# Set (by `smartcity.workers`, or by the operator) when several worker processes serve: each
# writes its figures to files there, and /metrics sums them (prometheus_client's multiprocess
# mode).
METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"

READINESS_SECONDS = 5

READY = Gauge(
    "smartcity_ready",
    "1 when the database and the broker answer",
    ["component"],
    multiprocess_mode="livemostrecent",  # several workers: the latest check of a live one
)


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check_database(platform: Platform) -> tuple[bool, str]:
    try:
        with platform.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready", never a 500
        return False, f"unavailable: {type(exc).__name__}"
    return True, "ok"


@router.get(
    "/readyz",
    summary="Readiness: database and MQTT broker answer",
    responses={
        503: {
            "description": "A dependency is down; the checks say which",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def readyz(request: Request) -> Response:
    platform: Platform = request.app.state.platform
    checks: dict[str, Any] = {}
    try:
        # The process's own thread (not the requests' pool), so a queue of requests cannot
        # keep the answer from coming; an overloaded database is "not ready", never a 500.
        db_ok, db_detail = await asyncio.wait_for(
            asyncio.to_thread(_check_database, platform), timeout=READINESS_SECONDS
        )
    except TimeoutError:
        db_ok, db_detail = False, f"no answer within {READINESS_SECONDS} s (overloaded?)"
    checks["database"] = {"ok": db_ok, "detail": db_detail}
    broker = request.app.state.broker
    if broker is None:
        checks["broker"] = {"ok": True, "detail": "not used by this process"}
    else:
        broker_ok, broker_detail = await broker.is_ready()
        checks["broker"] = {"ok": broker_ok, "detail": broker_detail}
    for runtime in request.app.state.runtimes:
        for name, (ok, detail) in runtime.readiness().items():
            checks[name] = {"ok": ok, "detail": detail}
    ready = all(check["ok"] for check in checks.values())
    for name, check in checks.items():
        READY.labels(name).set(1 if check["ok"] else 0)
    return JSONResponse(
        {"ready": ready, "checks": checks},
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": "5"},
    )


@functools.cache
def _registry() -> CollectorRegistry:
    """This process's metrics, or with several workers (`smartcity.workers`) all of theirs."""
    if not os.environ.get(METRICS_DIRECTORY):
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
    return merged


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
