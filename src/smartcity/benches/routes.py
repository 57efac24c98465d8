from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from smartcity.benches import air_quality, services
from smartcity.benches.permissions import BENCHES_MANAGE
from smartcity.benches.schemas import (
    AirQualityOut,
    AlertSettings,
    BenchIn,
    BenchOut,
    IndexOut,
    MunicipalityAirQuality,
)
from smartcity.core.audit import services as audit
from smartcity.core.http.caching import cacheable
from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep, public, requires
from smartcity.core.identity.permissions import Principal

HERE = Path(__file__).parent
router = APIRouter(prefix="/{municipality}/api/v1", tags=["benches"])
pages = APIRouter(tags=["benches"])
Manager = Annotated[Principal, Depends(requires(BENCHES_MANAGE))]
_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
)


def _index(index: air_quality.Index | None) -> IndexOut | None:
    if index is None:
        return None
    level = index.level
    return IndexOut(
        level=level.key,
        rank=level.rank,
        label=level.de,
        label_en=level.en,
        colour=level.colour,
        text_colour=level.text_colour,
        pollutant=index.pollutant,
    )


def _number(value: float | bool | None) -> float | None:
    return None if value is None or isinstance(value, bool) else float(value)


def _flag(value: float | bool | None) -> bool | None:
    return None if value is None else bool(value)


def bench_out(status: services.BenchStatus) -> BenchOut:
    values = status.values
    return BenchOut(
        id=status.bench.id,
        name=status.bench.name,
        thing_id=status.bench.thing_id,
        datastreams=status.datastreams,
        updated_at=status.updated_at,
        temperature_c=_number(values.get("temperature")),
        humidity_percent=_number(values.get("humidity")),
        pollutants={
            key: _number(values.get(key))
            for key in ("pm25", "pm10", "no2", "o3", "so2")
            if key in status.datastreams
        },
        air_quality=AirQualityOut(eaqi=_index(status.eaqi), uba=_index(status.uba)),
        charging_available=_flag(values.get("charging")),
        wifi_online=_flag(values.get("wifi")),
    )


@router.get("/benches", dependencies=[Depends(public)], summary="Smart benches and their readings")
def benches(db: TenantDbDep) -> list[BenchOut]:
    return [bench_out(s) for s in services.statuses(db, services.all_benches(db))]


@router.post("/benches", status_code=201, summary="Register a bench (creates its Thing)")
def create_bench(bench: BenchIn, db: TenantDbDep, principal: Manager) -> BenchOut:
    created = services.create_bench(
        db, name=bench.name, lat=bench.lat, lon=bench.lon, actor=principal.actor
    )
    return bench_out(services.statuses(db, [created])[0])


@router.get(
    "/benches/{bench_id}",
    dependencies=[Depends(public)],
    summary="One bench: what its display shows",
)
def bench(bench_id: IdPath, db: TenantDbDep) -> BenchOut:
    return bench_out(services.statuses(db, [services.get_bench(db, bench_id)])[0])


@router.get(
    "/air-quality",
    # Benches report every few minutes: an answer may be reused for a minute.
    dependencies=[Depends(public), Depends(cacheable(60))],
    summary="The municipality's air quality (its worst bench) and every bench's",
)
def municipality_air_quality(db: TenantDbDep) -> MunicipalityAirQuality:
    found = services.statuses(db, services.all_benches(db))
    bad = services.worst(found)
    return MunicipalityAirQuality(
        air_quality=AirQualityOut(
            eaqi=_index(bad.eaqi) if bad else None, uba=_index(bad.uba) if bad else None
        ),
        worst_bench_id=bad.bench.id if bad else None,
        benches=[bench_out(s) for s in found],
    )


@router.get("/air-quality/settings", summary="Who is alerted when the air turns poor")
def alert_settings(db: TenantDbDep, _principal: Manager) -> AlertSettings:
    return AlertSettings(alert_email=services.state_of(db).alert_email)


@router.put("/air-quality/settings", summary="Set who is alerted when the air turns poor")
def change_alert_settings(
    settings: AlertSettings, db: TenantDbDep, principal: Manager
) -> AlertSettings:
    state = services.state_of(db)
    state.alert_email = settings.alert_email
    audit.record(
        db,
        actor=principal.actor,
        action="benches.alert_settings",
        resource_type="air_quality",
        resource_id="*",
        changes={"alert_email": "set" if settings.alert_email else "none"},
    )
    return AlertSettings(alert_email=state.alert_email)


@pages.get(
    "/{municipality}/benches/{bench_id}/display",
    dependencies=[Depends(public)],
    response_class=HTMLResponse,
    summary="Kiosk page of a bench (German, large type, readings renew every minute)",
)
def display(
    bench_id: IdPath, db: TenantDbDep, municipality: MunicipalityDep, request: Request
) -> HTMLResponse:
    status = bench_out(services.statuses(db, [services.get_bench(db, bench_id)])[0])
    html = _templates.get_template("display.html").render(
        bench=status,
        municipality=municipality,
        zone=ZoneInfo(municipality.timezone),
        stylesheet=request.url_for("bench_display_css").path,
        script=request.url_for("bench_display_js").path,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@pages.get(
    "/static/benches/display.css",
    include_in_schema=False,
    name="bench_display_css",
    dependencies=[Depends(public)],
)
def display_css() -> Response:
    return FileResponse(HERE / "static" / "display.css", media_type="text/css")


@pages.get(
    "/static/benches/display.js",
    include_in_schema=False,
    name="bench_display_js",
    dependencies=[Depends(public)],
)
def display_js() -> Response:
    return FileResponse(HERE / "static" / "display.js", media_type="text/javascript")
