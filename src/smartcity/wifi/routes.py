"""The public list of hotspots with their state, and the staff upload of a node list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from smartcity.core.errors import InvalidInput
from smartcity.core.http.caching import cacheable
from smartcity.core.http.deps import ContextDep, TenantDbDep, public, requires
from smartcity.wifi import nodelist, services, views
from smartcity.wifi.permissions import WIFI_MANAGE
from smartcity.wifi.schemas import HotspotOut, ImportOut

router = APIRouter(prefix="/{municipality}/api/v1/wifi", tags=["wifi"])


@router.get(
    "/hotspots",
    dependencies=[Depends(public), Depends(cacheable(15))],
    summary="Public WiFi hotspots with online state and number of connected devices",
)
def hotspots(db: TenantDbDep) -> list[HotspotOut]:
    return [views.hotspot_out(s) for s in services.states(db)]


@router.post(
    "/nodelist",
    dependencies=[Depends(requires(WIFI_MANAGE))],
    summary="Read a node list (meshviewer.json or nodes.json) sent as the request body",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    responses={422: {"description": "Not a node list; nothing was changed"}},
)
async def upload(request: Request, ctx: ContextDep) -> ImportOut:
    body = await request.body()
    try:
        listing = await run_in_threadpool(nodelist.parse, body)
    except nodelist.NodeListBroken as exc:
        raise InvalidInput(str(exc)) from None
    applied = await run_in_threadpool(
        services.apply, ctx.db, ctx.municipality, listing, actor=ctx.actor
    )
    return ImportOut(
        format=listing.format,
        new=applied.new,
        known=applied.known,
        left_out=applied.left_out,
        observations=applied.observations,
    )
