"""The transit API: stops and departures (public, cacheable for a few seconds), timetable
versions with the validator's report, and the sources (Stadtwerke staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.http.caching import cacheable
from smartcity.core.http.deps import ContextDep, IdPath, TenantDbDep, public, requires
from smartcity.core.web.i18n import gettext_
from smartcity.transit import departures, feeds, services, views
from smartcity.transit.permissions import TRANSIT_MANAGE
from smartcity.transit.schemas import (
    BoardOut,
    FeedOut,
    RealtimeStateOut,
    SourcesIn,
    SourcesOut,
    StopOut,
)

router = APIRouter(prefix="/{municipality}/api/v1/transit", tags=["transit"])
Manage = Depends(requires(TRANSIT_MANAGE))


@router.get(
    "/stops",
    dependencies=[Depends(public), Depends(cacheable(60))],
    summary="Stations and stops whose name contains the text",
)
def stops(db: TenantDbDep, q: Annotated[str, Query(min_length=2, max_length=100)]) -> list[StopOut]:
    return [views.stop_out(s) for s in departures.search(db, q)]


@router.get(
    "/stops/{stop_id}/departures",
    # Kiosk boards refresh every 30 s; realtime changes by the minute.
    dependencies=[Depends(public), Depends(cacheable(15))],
    summary="Next departures at a stop or station (timetable, realtime delays, alerts)",
)
def stop_departures(
    ctx: ContextDep,
    stop_id: str,
    minutes: Annotated[int, Query(ge=5, le=180)] = 60,
    lang: Annotated[str, Query(pattern="^(de|en)$")] = "de",
) -> BoardOut:
    found = departures.board(
        ctx.db,
        stop_id,
        now=utcnow(),
        minutes=minutes,
        language=lang,
        fallback_timezone=ctx.municipality.timezone,
    )
    return views.board_out(found)


@router.get("/feeds", dependencies=[Manage], summary="Timetable versions, newest first")
def list_feeds(db: TenantDbDep) -> list[FeedOut]:
    return [views.feed_out(f) for f in feeds.all_feeds(db)]


@router.get("/feeds/{feed_id}", dependencies=[Manage], summary="A timetable version")
def get_feed(db: TenantDbDep, feed_id: IdPath) -> FeedOut:
    return views.feed_out(services.feed(db, feed_id))


@router.post(
    "/feeds",
    dependencies=[Manage],
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload a GTFS zip: validated and imported in the background; active once valid",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    },
)
async def upload_feed(request: Request, ctx: ContextDep) -> FeedOut:
    # The body is read here, after the permission check: this path may be larger than the
    # platform's request limit (module.py), and nobody else may make us spool it.
    form = await request.form(max_files=1, max_fields=1)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InvalidInput(gettext_("Send the GTFS zip as the form field 'file'."))
    feed = await run_in_threadpool(
        services.upload,
        ctx.db,
        data_dir=ctx.platform.settings.data_dir,
        municipality_id=ctx.municipality.id,
        filename=file.filename or "gtfs.zip",
        content=file.file,
        actor=ctx.actor,
        user_id=ctx.principal.id if ctx.principal.kind == "user" else None,
    )
    ctx.background.add_task(run_in_threadpool, feeds.process_pending, ctx.platform)
    return views.feed_out(feed)


def _sources_out(ctx_db: TenantDbDep) -> SourcesOut:
    source = feeds.source_of(ctx_db)
    return SourcesOut(
        gtfs_url=source.gtfs_url,
        trip_updates_url=source.trip_updates_url,
        alerts_url=source.alerts_url,
        stale_after_seconds=source.stale_after_seconds,
        gtfs_last_modified=source.gtfs_last_modified,
        gtfs_checked_at=source.gtfs_checked_at,
        gtfs_result=source.gtfs_result,
        realtime=[
            RealtimeStateOut(
                kind=s.kind,
                produced_at=s.produced_at,
                checked_at=s.checked_at,
                problem=s.problem,
                entities=s.entities,
                unknown_trips=s.unknown_trips,
                ignored_extra_trips=s.ignored_added,
            )
            for s in services.realtime_states(ctx_db)
        ],
    )


@router.get("/sources", dependencies=[Manage], summary="Timetable URL and realtime sources")
def get_sources(db: TenantDbDep) -> SourcesOut:
    return _sources_out(db)


@router.put("/sources", dependencies=[Manage], summary="Set the timetable URL and realtime sources")
def put_sources(ctx: ContextDep, wanted: SourcesIn) -> SourcesOut:
    services.set_sources(ctx.db, wanted, ctx.actor)
    return _sources_out(ctx.db)
