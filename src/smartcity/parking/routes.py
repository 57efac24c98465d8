from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from smartcity.core.errors import InvalidInput
from smartcity.core.http.caching import cacheable
from smartcity.core.http.deps import (
    ContextDep,
    DbDep,
    IdPath,
    MunicipalityDep,
    TenantDbDep,
    public,
    requires,
)
from smartcity.core.identity.permissions import Principal
from smartcity.core.tenancy import services as tenancy
from smartcity.parking import datex, occupancy, parkendd, predictions, sensors, services
from smartcity.parking.permissions import PARKING_MANAGE
from smartcity.parking.schemas import (
    CarParkChange,
    CarParkOut,
    ForecastOut,
    ForecastPoint,
    ImportResult,
    NearbyOut,
    SpaceIn,
    SpaceOut,
)

router = APIRouter(prefix="/{municipality}/api/v1/parking", tags=["parking"])
Manager = Annotated[Principal, Depends(requires(PARKING_MANAGE))]
# Occupancy changes by the minute: clients and proxies may reuse an answer this long.
LIVE_SECONDS = 10
XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "DATEX II v3 XML"}
}


@router.get(
    "/car-parks",
    dependencies=[Depends(public), Depends(cacheable(LIVE_SECONDS))],
    summary="Car parks with free spaces",
)
def car_parks(db: TenantDbDep) -> list[CarParkOut]:
    return services.statuses(db, occupancy.all_car_parks(db))


@router.get("/car-parks/{car_park_id}", dependencies=[Depends(public)], summary="One car park")
def car_park(car_park_id: IdPath, db: TenantDbDep) -> CarParkOut:
    return services.statuses(db, [services.get_car_park(db, car_park_id)])[0]


@router.get(
    "/free-spaces",
    dependencies=[Depends(public)],
    summary="Car parks near a point, nearest first",
)
def free_spaces(
    db: TenantDbDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius: Annotated[float, Query(gt=0, le=20_000, description="Metres")] = 1_000,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    only_free: Annotated[bool, Query(description="Only open lots with a free space")] = True,
) -> list[NearbyOut]:
    found = occupancy.near(db, lat, lon, radius, limit=limit, only_free=only_free)
    ready = predictions.forecastable(db, [n.occupancy.car_park for n in found])
    return [
        NearbyOut(
            distance_m=round(n.distance_m, 1),
            car_park=services.status_out(n.occupancy, n.occupancy.car_park.id in ready),
        )
        for n in found
    ]


@router.get(
    "/car-parks/{car_park_id}/forecast",
    dependencies=[Depends(public)],
    summary="Forecast of free spaces for the next hours",
)
def forecast(
    car_park_id: IdPath,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    hours: Annotated[float, Query(gt=0, le=24)] = 4,
) -> ForecastOut:
    found = services.get_car_park(db, car_park_id)
    prediction = predictions.predict(
        db, found, ZoneInfo(municipality.timezone), timedelta(hours=hours)
    )
    return ForecastOut(
        car_park_id=found.id,
        made_at=prediction.made_at,
        based_on=prediction.based_on,
        current=prediction.current,
        points=[ForecastPoint(time=moment, free=free) for moment, free in prediction.points],
    )


@router.get(
    "/datex2",
    dependencies=[Depends(public)],
    summary="DATEX II v3 ParkingStatusPublication",
    response_class=Response,
    responses=XML,
)
def datex2(db: TenantDbDep, municipality: MunicipalityDep) -> Response:
    found = occupancy.of_car_parks(db, occupancy.all_car_parks(db))
    body = datex.status_publication(found, publisher=municipality.name)
    return Response(body, media_type="application/xml")


@router.patch("/car-parks/{car_park_id}", summary="Close or open a car park, link its counter")
def change_car_park(
    car_park_id: IdPath, changes: CarParkChange, db: TenantDbDep, principal: Manager
) -> CarParkOut:
    found = services.get_car_park(db, car_park_id)
    services.change(db, found, changes, actor=principal.actor)
    return services.statuses(db, [found])[0]


@router.post(
    "/car-parks/{car_park_id}/counter",
    status_code=201,
    summary="Create the counter Thing and Datastream of a car park",
)
def create_counter(car_park_id: IdPath, db: TenantDbDep, principal: Manager) -> CarParkOut:
    found = sensors.provision_counter(
        db, services.get_car_park(db, car_park_id), actor=principal.actor
    )
    return services.statuses(db, [found])[0]


@router.post(
    "/car-parks/{car_park_id}/spaces",
    status_code=201,
    summary="Add a sensed space (its sensor Thing is created unless a Datastream is given)",
)
def add_space(car_park_id: IdPath, space: SpaceIn, db: TenantDbDep, principal: Manager) -> SpaceOut:
    created = sensors.add_space(
        db,
        services.get_car_park(db, car_park_id),
        label=space.label,
        lat=space.lat,
        lon=space.lon,
        datastream_id=space.datastream_id,
        actor=principal.actor,
    )
    return SpaceOut.model_validate(created)


@router.delete(
    "/car-parks/{car_park_id}/spaces/{space_id}", status_code=204, summary="Remove a space"
)
def remove_space(
    car_park_id: IdPath, space_id: IdPath, db: TenantDbDep, principal: Manager
) -> Response:
    sensors.remove_space(
        db, services.get_car_park(db, car_park_id), space_id, actor=principal.actor
    )
    return Response(status_code=204)


@router.post(
    "/car-parks/import",
    dependencies=[Depends(requires(PARKING_MANAGE))],
    summary="Create or update car parks from GeoJSON",
)
def import_car_parks(
    context: ContextDep,
    document: Annotated[dict[str, Any], Body(description="GeoJSON FeatureCollection")],
) -> ImportResult:
    return services.import_geojson(
        context.db, document, city=context.municipality.name, actor=context.actor
    )


# ---- ParkenDD --------------------------------------------------------------------------
# At /{municipality}/parkendd/ as documented, and under /parkendd/ in ParkAPI's own layout
# (GET / lists the cities, GET /{city} its lots), so that a ParkenDD app configured with
# https://<host>/parkendd as its server works unchanged.

parkendd_router = APIRouter(tags=["parking"])


@parkendd_router.get("/parkendd/", dependencies=[Depends(public)], summary="ParkenDD: cities")
def parkendd_cities(db: DbDep) -> dict[str, Any]:
    municipalities = tenancy.list_municipalities(db)
    return {
        "api_version": parkendd.API_VERSION,
        "server_version": parkendd.SERVER_VERSION,
        "reference": parkendd.REFERENCE,
        "cities": {m.name: m.slug for m in municipalities},
    }


@parkendd_router.get(
    "/{municipality}/parkendd/",
    dependencies=[Depends(public), Depends(cacheable(LIVE_SECONDS))],
    summary="ParkenDD: lots of a municipality",
)
@parkendd_router.get(
    "/parkendd/{municipality}",
    dependencies=[Depends(public), Depends(cacheable(LIVE_SECONDS))],
    summary="ParkenDD: lots of a municipality (ParkAPI layout)",
)
def parkendd_lots(request: Request, db: TenantDbDep) -> dict[str, Any]:
    found = occupancy.all_car_parks(db)
    source = str(request.url_for("car_parks", municipality=request.path_params["municipality"]))
    return parkendd.city(
        occupancy.of_car_parks(db, found), predictions.forecastable(db, found), source
    )


@parkendd_router.get(
    "/{municipality}/parkendd/{lot_id}/timespan",
    dependencies=[Depends(public)],
    summary="ParkenDD: free spaces between two times (history, then forecast)",
)
@parkendd_router.get(
    "/parkendd/{municipality}/{lot_id}/timespan",
    dependencies=[Depends(public)],
    summary="ParkenDD: free spaces between two times (ParkAPI layout)",
)
def parkendd_timespan(
    lot_id: Annotated[str, Path(max_length=100)],
    db: TenantDbDep,
    municipality: MunicipalityDep,
    start: Annotated[str, Query(alias="from", description="e.g. 2026-11-20T00:00:00 (UTC)")],
    end: Annotated[str, Query(alias="to", description="e.g. 2026-11-27T00:00:00 (UTC)")],
    version: Annotated[str, Query(description="1.1, the version served")] = "1.1",
) -> dict[str, Any]:
    if version != "1.1":
        raise InvalidInput("Only version 1.1 of the timespan call is served.")
    found = services.by_external_id(db, lot_id)
    points = services.timespan(
        db, found, ZoneInfo(municipality.timezone), _utc(start, "from"), _utc(end, "to")
    )
    return {"data": [{"timestamp": parkendd.timestamp(t), "free": free} for t, free in points]}


def _utc(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"'{name}' must be an ISO date and time, e.g. 2026-11-20T18:00:00."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
