from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep, public, requires
from smartcity.core.identity.permissions import Principal
from smartcity.parking import services
from smartcity.parking.permissions import PARKING_MANAGE
from smartcity.parking.schemas import CarParkOut, ImportResult

router = APIRouter(prefix="/{municipality}/api/v1/parking", tags=["parking"])


@router.get("/car-parks", dependencies=[Depends(public)], summary="Car parks of the municipality")
def car_parks(db: TenantDbDep) -> list[CarParkOut]:
    return [CarParkOut.model_validate(c) for c in services.list_car_parks(db)]


@router.get("/car-parks/{car_park_id}", dependencies=[Depends(public)], summary="One car park")
def car_park(car_park_id: IdPath, db: TenantDbDep) -> CarParkOut:
    return CarParkOut.model_validate(services.get_car_park(db, car_park_id))


@router.post("/car-parks/import", summary="Create or update car parks from GeoJSON")
def import_car_parks(
    db: TenantDbDep,
    municipality: MunicipalityDep,
    principal: Annotated[Principal, Depends(requires(PARKING_MANAGE))],
    document: Annotated[dict[str, Any], Body(description="GeoJSON FeatureCollection")],
) -> ImportResult:
    return services.import_geojson(db, document, city=municipality.name, actor=principal.actor)
