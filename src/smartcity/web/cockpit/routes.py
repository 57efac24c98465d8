"""City cockpit pages: the live map, Datastream charts, the lighting energy report and the
region overview."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select

from smartcity.benches import services as benches
from smartcity.benches.quantities import quantity_name
from smartcity.core.db import utcnow
from smartcity.core.errors import NotAuthenticated, NotFound, PermissionDenied, ServiceError
from smartcity.core.http.deps import DbDep, IdPath, MunicipalityDep, PlatformDep, TenantDbDep
from smartcity.core.identity.models import RoleAssignment
from smartcity.core.identity.permissions import Role
from smartcity.core.modules import registry_of
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.core.web import layout
from smartcity.core.web.dates import field_value, parse_day
from smartcity.core.web.deps import PageDep, staff_page, staff_principal
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.lighting import energy
from smartcity.lighting import services as lighting
from smartcity.lighting.faults import kind_name
from smartcity.lighting.permissions import LIGHTING_OPERATE
from smartcity.open311 import services as reports
from smartcity.parking import occupancy
from smartcity.sensorthings.aggregation import Interval, aggregate
from smartcity.sensorthings.models import Datastream, Thing
from smartcity.web import maplayers
from smartcity.web.cockpit import live
from smartcity.web.cockpit.charts import Point, line_chart
from smartcity.web.permissions import COCKPIT_VIEW

router = APIRouter(include_in_schema=False)
Viewer = Annotated[WebState, Depends(staff_page(COCKPIT_VIEW))]
Operator = Annotated[WebState, Depends(staff_page(LIGHTING_OPERATE))]
BASE = "/{municipality}/verwaltung/cockpit"

RANGES = {
    "6h": (timedelta(hours=6), "PT5M", _("last 6 hours")),
    "24h": (timedelta(hours=24), "PT15M", _("last 24 hours")),
    "7d": (timedelta(days=7), "PT1H", _("last 7 days")),
    "30d": (timedelta(days=30), "P1D", _("last 30 days")),
}
INTERVALS = {
    "PT5M": _("5 minutes"),
    "PT15M": _("15 minutes"),
    "PT1H": _("hour"),
    "P1D": _("day"),
}


@router.get(BASE)
def cockpit(
    request: Request, state: Viewer, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    parks = occupancy.of_car_parks(db, occupancy.all_car_parks(db))
    open_parks = [p for p in parks if p.state == "open" and p.free is not None]
    statuses = benches.statuses(db, benches.all_benches(db))
    faults = lighting.open_faults(db)
    open_reports = reports.search(db, reports.Search(statuses=["open"]))
    lamps = [lamp for group in lighting.all_groups(db) for lamp in group.luminaires]
    base = f"/{municipality.slug}/verwaltung/cockpit"
    return render(
        request,
        "cockpit/cockpit.html",
        state,
        layers=[
            f"{base}/{layer.name}.geojson"
            for layer in maplayers.visible_layers(request, state.principal)
        ],
        free_spaces=sum(p.free or 0 for p in open_parks),
        open_parks=len(open_parks),
        benches=statuses,
        quantity_name=quantity_name,
        lamps=len(lamps),
        faults=faults,
        fault_name=kind_name,
        lamp_names={lamp.id: lamp.name for lamp in lamps},
        open_reports=len(open_reports),
        recent=live.recent(
            db, live.start_cursor(db, registry_of(request), []), municipality.timezone
        ),
        can_operate=state.principal.can(LIGHTING_OPERATE),
        zone=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "cockpit", gettext_("City cockpit")),
    )


@router.get(BASE + "/{name}.geojson")
def map_layer(name: str, request: Request, state: Viewer, db: TenantDbDep) -> Response:
    """A map layer the member of staff may see (the cockpit's map shows them all)."""
    return maplayers.layer_response(request, db, name, state.principal)


@router.get(BASE + "/live")
def live_updates(
    request: Request, state: Viewer, municipality: MunicipalityDep, platform: PlatformDep
) -> Response:
    shown = maplayers.visible_layers(request, state.principal)
    return StreamingResponse(
        live.stream(platform, registry_of(request), municipality, state.language, shown),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@router.get(BASE + "/datenstroeme/{datastream_id}")
def datastream_chart(
    datastream_id: IdPath,
    request: Request,
    state: Viewer,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    range: Annotated[str, Query(pattern=r"^(6h|24h|7d|30d|custom)$")] = "24h",
    interval: Annotated[str, Query(pattern=r"^(|PT5M|PT15M|PT1H|P1D)$")] = "",
    von: Annotated[str, Query(max_length=10)] = "",
    bis: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    stream = db.get(Datastream, datastream_id)
    if stream is None:
        raise NotFound(gettext_("This page or entry does not exist."))
    thing = db.get(Thing, stream.thing_id)
    zone = ZoneInfo(municipality.timezone)
    now = utcnow()
    errors: dict[str, str] = {}
    # ISO from a date picker, or typed as DD.MM.YYYY where the browser draws none.
    start, end = parse_day(von), parse_day(bis)
    for name, text, day in (("von", von, start), ("bis", bis, end)):
        if text and day is None:
            errors[name] = gettext_("Please enter the date as DD.MM.YYYY.")
    if range == "custom" and start and end and start <= end:
        begin = datetime.combine(start, datetime.min.time(), zone)
        finish = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
        chosen = interval or ("PT1H" if (end - start).days <= 7 else "P1D")
    else:
        if range == "custom" and not errors:
            errors["von"] = gettext_("Please give a start date on or before the end date.")
        span, default_interval, _label = RANGES.get(range, RANGES["24h"])
        finish, begin = now, now - span
        chosen = interval or default_interval
    result: dict[str, Any] = {"value": []}
    try:
        result = aggregate(db, stream, begin, finish, Interval.parse(chosen))
    except ServiceError as exc:
        errors["interval"] = exc.detail
    points = [
        Point(
            datetime.fromisoformat(row["phenomenonTime"].split("/")[0].replace("Z", "+00:00")),
            row["avg"],
            row["min"],
            row["max"],
        )
        for row in result["value"]
        if row.get("avg") is not None
    ]
    unit = stream.unit_of_measurement or {}
    return render(
        request,
        "cockpit/chart.html",
        state,
        status_code=422 if errors else 200,
        stream=stream,
        thing=thing,
        unit=unit.get("symbol", "") if isinstance(unit, dict) else "",
        chart=line_chart(points, begin, finish, municipality.timezone, state.language == "de"),
        points=points,
        range=range,
        interval=chosen,
        ranges=[(key, gettext_(label)) for key, (_s, _i, label) in RANGES.items()],
        intervals=[(key, gettext_(label)) for key, label in INTERVALS.items()],
        start=field_value(von),
        end=field_value(bis),
        errors=errors,
        labels={"von": gettext_("From"), "bis": gettext_("To"), "interval": gettext_("Interval")},
        zone=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "cockpit", stream.name),
    )


@router.get(BASE + "/energie")
def energy_report(
    request: Request,
    state: Viewer,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    monat: Annotated[str, Query(pattern=r"^(|20[0-9]{2}-(0[1-9]|1[0-2]))$")] = "",
) -> Response:
    zone = ZoneInfo(municipality.timezone)
    today = utcnow().astimezone(zone).date()
    reports_by_group = []
    problem = ""
    for group in lighting.all_groups(db):
        try:
            if monat:
                year, month = (int(part) for part in monat.split("-"))
                report = energy.month_report(db, municipality, group, year, month)
            else:
                report = energy.night_report(db, municipality, group, today - timedelta(days=1))
        except ServiceError as exc:
            problem = exc.detail
            continue
        reports_by_group.append((group, report))
    return render(
        request,
        "cockpit/energy.html",
        state,
        reports=reports_by_group,
        month=monat,
        night=today - timedelta(days=1),
        problem=problem,
        **layout.staff(
            request, municipality, state.principal, "cockpit", gettext_("Lighting energy report")
        ),
    )


def _region_places(request: Request, db: Any, state: WebState) -> list[Municipality]:
    principal = staff_principal(request, db, state)
    if principal is None or state.user is None:
        raise NotAuthenticated(gettext_("Please log in."))
    regions = set(
        db.scalars(
            select(RoleAssignment.region_id).where(
                RoleAssignment.user_id == state.user.id,
                RoleAssignment.role == Role.REGION_ADMIN,
                RoleAssignment.municipality_id.is_(None),
            )
        )
    )
    if not regions:
        raise PermissionDenied(gettext_("You are not allowed to do this."))
    return list(
        db.scalars(
            select(Municipality)
            .where(Municipality.region_id.in_(regions))
            .order_by(Municipality.name)
        )
    )


@router.get("/region/cockpit")
def region_cockpit(request: Request, state: PageDep, db: DbDep, platform: PlatformDep) -> Response:
    """Key figures of every municipality of the region admin's regions, side by side."""
    places = _region_places(request, db, state)
    rows = []
    for place in places:
        db.info[SCOPE_KEY] = scope_for(place)
        parks = occupancy.of_car_parks(db, occupancy.all_car_parks(db))
        worst = benches.worst(benches.statuses(db, benches.all_benches(db)))
        rows.append(
            {
                "municipality": place,
                "free": sum(p.free or 0 for p in parks if p.state == "open"),
                "car_parks": len(parks),
                "faults": len(lighting.open_faults(db)),
                "reports": len(reports.search(db, reports.Search(statuses=["open"]))),
                "air": worst.eaqi.level if worst is not None and worst.eaqi else None,
            }
        )
    return render(
        request,
        "cockpit/region.html",
        state,
        rows=rows,
        site_name=gettext_("Region overview"),
        home_url="/verwaltung",
        page_title=gettext_("Region overview"),
        # The same header as every back-office page: who is logged in, the way out, and the
        # way back to the choice of municipalities.
        nav=[
            layout.NavItem("/verwaltung", gettext_("Administration"), False),
            layout.NavItem("/region/cockpit", gettext_("Region overview"), True),
        ],
    )
