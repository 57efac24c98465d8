"""The transit pages: on the portal the stop search, a stop's departure board and a kiosk
board for displays (large type, refreshes itself, no script); in the back office the
timetable versions with the validator's report, the upload and the sources."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound, ServiceError
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_page
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.transit import departures, feeds, services
from smartcity.transit.permissions import TRANSIT_MANAGE
from smartcity.transit.schemas import SourcesIn

portal_pages = APIRouter(prefix="/{municipality}/oepnv", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung/oepnv", include_in_schema=False)
Manager = Annotated[WebState, Depends(staff_page(TRANSIT_MANAGE))]
StopQuery = Annotated[str, Query(min_length=1, max_length=255)]

ROUTE_TYPES = {0: _("Tram"), 1: _("Underground"), 2: _("Train"), 3: _("Bus"), 4: _("Ferry")}
STATUS = {
    "pending": _("waiting"),
    "importing": _("being imported"),
    "active": _("active"),
    "superseded": _("replaced"),
    "rejected": _("refused"),
    "failed": _("import failed"),
}
LABELS = {
    "gtfs_url": _("Timetable (GTFS zip) address"),
    "trip_updates_url": _("Realtime trip updates (GTFS-Realtime) address"),
    "alerts_url": _("Service alerts (GTFS-Realtime) address"),
    "stale_after_seconds": _("Realtime counts as outdated after (seconds)"),
    "file": _("GTFS file (zip)"),
}


def _board_context(
    db: Any, municipality: Municipality, stop_id: str, language: str
) -> dict[str, Any]:
    board = departures.board(
        db,
        stop_id,
        now=utcnow(),
        language=language,
        fallback_timezone=municipality.timezone,
    )
    return {"board": board, "hhmm": clock(board.timezone), "route_types": ROUTE_TYPES}


def clock(zone: str) -> Callable[[datetime], str]:
    """Hours and minutes of an instant in the timetable's time zone."""
    local = ZoneInfo(zone)
    return lambda moment: moment.astimezone(local).strftime("%H:%M")


# ---- portal ------------------------------------------------------------------------------


@portal_pages.get("")
def search(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    text = q.strip()
    found = departures.search(db, text) if len(text) >= 2 else []
    return render(
        request,
        "transit/search.html",
        state,
        q=text,
        stops=found,
        too_short=0 < len(text) < 2,
        has_timetable=feeds.active_feed(db) is not None,
        **layout.portal(request, municipality, "oepnv", gettext_("Departures")),
    )


@portal_pages.get("/abfahrten")
def board_page(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    halt: StopQuery,
    aktualisieren: Annotated[bool, Query()] = False,
) -> Response:
    context = _board_context(db, municipality, halt, state.language)
    return render(
        request,
        "transit/board.html",
        state,
        refresh=aktualisieren,
        **context,
        **layout.portal(
            request,
            municipality,
            "oepnv",
            gettext_("Departures: %(stop)s") % {"stop": context["board"].stop.name},
        ),
    )


@portal_pages.get("/anzeige")
def kiosk(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    halt: Annotated[str | None, Query(max_length=255)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> Response:
    """A display's board: one stop (`halt`), or the nearest stops to a place (a bench)."""
    if halt:
        stop_ids = [halt]
    elif lat is not None and lon is not None:
        stop_ids = [s.stop_id for s in departures.nearby(db, lat, lon)]
    else:
        raise InvalidInput(gettext_("Please name a stop or a place."))
    boards = departures.boards(
        db,
        stop_ids,
        now=utcnow(),
        language=state.language,
        fallback_timezone=municipality.timezone,
        limit=8,
    )
    return render(
        request,
        "transit/kiosk.html",
        state,
        boards=boards,
        municipality=municipality,
        hhmm=clock(boards[0].timezone if boards else municipality.timezone),
        now=utcnow(),
        route_types=ROUTE_TYPES,
    )


# ---- back office -------------------------------------------------------------------------


def _overview(
    request: Request,
    state: WebState,
    db: Any,
    municipality: Municipality,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    source = feeds.source_of(db)
    return render(
        request,
        "transit/staff.html",
        state,
        status_code=status_code,
        feeds=feeds.all_feeds(db),
        active=feeds.active_feed(db),
        source=source,
        values=values
        or {
            "gtfs_url": source.gtfs_url,
            "trip_updates_url": source.trip_updates_url,
            "alerts_url": source.alerts_url,
            "stale_after_seconds": str(source.stale_after_seconds),
        },
        errors=errors or {},
        labels={k: gettext_(v) for k, v in LABELS.items()},
        realtime=services.realtime_states(db),
        status_names=STATUS,
        saved=request.query_params.get("gespeichert") is not None,
        zone=municipality.timezone,
        **layout.staff(
            request, municipality, state.principal, "oepnv", gettext_("Public transport")
        ),
    )


@staff_pages.get("")
def overview(
    request: Request, state: Manager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _overview(request, state, db, municipality)


@staff_pages.post("/fahrplan")
async def upload(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    background: BackgroundTasks,
) -> Response:
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await run_in_threadpool(
            _overview,
            request,
            state,
            db,
            municipality,
            errors={"file": gettext_("Please choose a GTFS file (zip).")},
            status_code=422,
        )
    try:
        feed = await run_in_threadpool(
            services.upload,
            db,
            data_dir=platform.settings.data_dir,
            municipality_id=municipality.id,
            filename=file.filename,
            content=file.file,
            actor=state.principal.actor,
            user_id=state.principal.id,
        )
    except ServiceError as exc:
        return await run_in_threadpool(
            _overview,
            request,
            state,
            db,
            municipality,
            errors={"file": exc.detail},
            status_code=exc.status,
        )
    background.add_task(run_in_threadpool, feeds.process_pending, platform)
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/oepnv/fahrplaene/{feed.id}", status_code=303
    )


@staff_pages.post("/quellen")
def set_sources(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    values = {name: form_text(form, name, 500) for name in LABELS if name != "file"}
    errors: dict[str, str] = {}
    seconds = values["stale_after_seconds"]
    if not seconds.isdecimal() or not 30 <= int(seconds) <= 86_400:
        errors["stale_after_seconds"] = gettext_(
            "Please enter a number of seconds from 30 to 86400."
        )
    wanted = None
    if not errors:
        wanted = SourcesIn(
            gtfs_url=values["gtfs_url"],
            trip_updates_url=values["trip_updates_url"],
            alerts_url=values["alerts_url"],
            stale_after_seconds=int(seconds),
        )
        try:
            services.set_sources(db, wanted, state.principal.actor)
        except InvalidInput as exc:
            message = gettext_("Please enter an address that starts with https://.")
            errors = dict.fromkeys(exc.errors, message)
    if errors:
        # Nothing was changed: the addresses are checked before any is set.
        return _overview(
            request, state, db, municipality, values=values, errors=errors, status_code=422
        )
    return RedirectResponse(f"/{municipality.slug}/verwaltung/oepnv?gespeichert", status_code=303)


@staff_pages.get("/fahrplaene/{feed_id}")
def feed_page(
    request: Request,
    feed_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    try:
        feed = services.feed(db, feed_id)
    except NotFound as exc:
        raise NotFound(gettext_("There is no such timetable version.")) from exc
    return render(
        request,
        "transit/feed.html",
        state,
        feed=feed,
        status_names=STATUS,
        zone=municipality.timezone,
        **layout.staff(
            request, municipality, state.principal, "oepnv", gettext_("Timetable version")
        ),
    )
