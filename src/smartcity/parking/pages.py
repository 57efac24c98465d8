"""The portal's parking page: car parks with their free spaces, on a map and in a table."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smartcity.core.geojson import geojson_response
from smartcity.core.http.deps import MunicipalityDep, TenantDbDep
from smartcity.core.web import layout
from smartcity.core.web.deps import PageDep
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.parking import occupancy
from smartcity.parking.map import car_park_features

router = APIRouter(prefix="/{municipality}", include_in_schema=False)


@router.get("/parken")
def parking(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    found = occupancy.of_car_parks(db, occupancy.all_car_parks(db))
    return render(
        request,
        "parking/parking.html",
        state,
        car_parks=found,
        zone=municipality.timezone,
        **layout.portal(request, municipality, "parken", gettext_("Parking")),
    )


@router.get("/parken/karte.geojson")
def parking_layer(state: PageDep, db: TenantDbDep) -> Response:
    return geojson_response(car_park_features(db))
