"""The portal's environment page: the benches with temperature and air-quality colour, on a
map and in a table, each linking to its kiosk page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smartcity.benches import services as benches
from smartcity.benches.map import bench_features
from smartcity.core.geojson import geojson_response
from smartcity.core.http.deps import MunicipalityDep, TenantDbDep
from smartcity.core.web import layout
from smartcity.core.web.deps import PageDep
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render

router = APIRouter(prefix="/{municipality}", include_in_schema=False)


@router.get("/umwelt")
def environment(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    statuses = benches.statuses(db, benches.all_benches(db))
    return render(
        request,
        "benches/environment.html",
        state,
        benches=statuses,
        zone=municipality.timezone,
        **layout.portal(request, municipality, "umwelt", gettext_("Air and climate")),
    )


@router.get("/umwelt/karte.geojson")
def benches_layer(state: PageDep, db: TenantDbDep) -> Response:
    return geojson_response(bench_features(db))
