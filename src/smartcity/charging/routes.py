"""OCPI 2.2.1 for roaming partners at /{municipality}/ocpi (versions, version details, the
Locations and Tariffs sender interfaces; every request with a partner token), the public
charging API with the AFIR data points, and the staff API (operators, tariffs, locations,
EVSEs, partners)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request, Response, status
from sqlalchemy.orm import Session

from smartcity.charging import ocpi, services, views
from smartcity.charging.ocpi import OcpiError
from smartcity.charging.permissions import CHARGING_MANAGE
from smartcity.charging.schemas import (
    CreatedOut,
    EvseIn,
    LocationIn,
    LocationOut,
    OperatorIn,
    PartnerCreatedOut,
    PartnerIn,
    PartnerOut,
    TariffIn,
)
from smartcity.core.errors import NotFound
from smartcity.core.http.caching import cacheable
from smartcity.core.http.deps import ContextDep, DbDep, IdPath, TenantDbDep, public, requires
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.services import enter_municipality

# OCPI answers its errors in its envelope (application/json); the platform's own (a rate
# limit, an unavailable database) stay problem details.
_OCPI_ERROR = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["status_code", "timestamp"],
            "properties": {
                "status_code": {"type": "integer"},
                "status_message": {"type": "string"},
                "timestamp": {"type": "string"},
            },
        }
    },
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}},
}
OCPI_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A parameter OCPI cannot read (status_code 2001)", "content": _OCPI_ERROR},
    401: {"description": "No, an unknown or a revoked token (2000)", "content": _OCPI_ERROR},
    404: {
        "description": "Unknown municipality, Location, EVSE or Connector (2000, 2003)",
        "content": _OCPI_ERROR,
    },
}
ocpi_router = APIRouter(prefix="/{municipality}/ocpi", tags=["ocpi"], responses=OCPI_ERRORS)
router = APIRouter(prefix="/{municipality}/api/v1/charging", tags=["charging"])
Manage = Depends(requires(CHARGING_MANAGE))
Segment = Annotated[str, Path()]
T = TypeVar("T")


# ---- OCPI -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partnership:
    """An OCPI request of a known partner, with the session in its municipality's scope."""

    db: Session
    municipality: Municipality
    base: str


def partner(request: Request, db: DbDep, municipality: Segment) -> Partnership:
    """The partner's token decides: a municipality's token opens only its own data."""
    try:
        found = enter_municipality(db, municipality)
    except NotFound:
        raise OcpiError(404, ocpi.CLIENT_ERROR, "There is no such municipality.") from None
    request.state.municipality = found
    token = ocpi.token_from(request.headers.get("authorization", ""))
    if services.authenticate(db, token) is None:
        raise OcpiError(401, ocpi.CLIENT_ERROR, "The token is unknown or has been revoked.")
    public_url = request.app.state.platform.settings.effective_public_url
    return Partnership(db, found, f"{public_url}/{found.slug}/ocpi")


PartnerDep = Annotated[Partnership, Depends(partner)]
# The partner's token is checked by `partner`; to the platform's roles these are public.
OCPI = [Depends(public)]


@ocpi_router.get("/versions", dependencies=OCPI, summary="OCPI versions this platform offers")
def versions(request: Request, found: PartnerDep) -> Response:
    return ocpi.envelope(request, [{"version": ocpi.VERSION, "url": f"{found.base}/2.2.1"}])


@ocpi_router.get("/2.2.1", dependencies=OCPI, summary="OCPI 2.2.1 endpoints")
def version_details(request: Request, found: PartnerDep) -> Response:
    base = f"{found.base}/2.2.1"
    return ocpi.envelope(
        request,
        {
            "version": ocpi.VERSION,
            "endpoints": [
                {"identifier": "locations", "role": "SENDER", "url": f"{base}/locations"},
                {"identifier": "tariffs", "role": "SENDER", "url": f"{base}/tariffs"},
            ],
        },
    )


def _window(request: Request) -> tuple[datetime | None, datetime | None, int, int]:
    params = request.query_params
    date_from = ocpi.parse_timestamp("date_from", params.get("date_from"))
    date_to = ocpi.parse_timestamp("date_to", params.get("date_to"))
    numbers = []
    for name, default in (("offset", 0), ("limit", ocpi.MAX_LIMIT)):
        text = params.get(name, "")
        if text == "":
            numbers.append(default)
        elif text.isascii() and text.isdecimal() and len(text) <= 9:
            numbers.append(int(text))
        else:
            raise OcpiError(400, ocpi.INVALID_PARAMETERS, f"{name} must be a whole number ≥ 0.")
    return date_from, date_to, numbers[0], min(numbers[1], ocpi.MAX_LIMIT)


def _within(moment: datetime, date_from: datetime | None, date_to: datetime | None) -> bool:
    return (date_from is None or moment >= date_from) and (date_to is None or moment < date_to)


def _page(
    request: Request, items: Sequence[T], offset: int, limit: int, shape: Callable[[T], Any]
) -> Response:
    """One page (only its items shaped as OCPI objects) with OCPI's pagination headers;
    `Link` to the next page if there is one."""
    shown = [shape(item) for item in items[offset : offset + limit]]
    headers = {"X-Total-Count": str(len(items)), "X-Limit": str(limit)}
    if offset + limit < len(items):
        query = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}
        query.update(offset=str(offset + limit), limit=str(limit))
        public_url = request.app.state.platform.settings.effective_public_url
        headers["Link"] = f'<{public_url}{request.url.path}?{urlencode(query)}>; rel="next"'
    return ocpi.envelope(request, shown, headers=headers)


@ocpi_router.get("/2.2.1/locations", dependencies=OCPI, summary="OCPI Locations (paginated)")
def locations(request: Request, found: PartnerDep) -> Response:
    date_from, date_to, offset, limit = _window(request)
    items = [
        state
        for state in services.states(found.db)
        if state.evses and state.last_updated and _within(state.last_updated, date_from, date_to)
    ]
    return _page(request, items, offset, limit, ocpi.location_object)


def _location(found: Partnership, location_id: str) -> services.LocationState:
    state = services.location_by_ocpi_id(found.db, location_id) if len(location_id) <= 36 else None
    if state is None:
        raise OcpiError(404, ocpi.UNKNOWN_LOCATION, f"There is no location {location_id[:36]!r}.")
    return state


def _evse(state: services.LocationState, evse_uid: str) -> services.EvseState:
    for evse in state.evses:
        if evse.evse.uid.lower() == evse_uid.lower():
            return evse
    raise OcpiError(404, ocpi.UNKNOWN_LOCATION, f"There is no EVSE {evse_uid[:36]!r} here.")


@ocpi_router.get("/2.2.1/locations/{location_id}", dependencies=OCPI, summary="OCPI Location")
def location(request: Request, found: PartnerDep, location_id: Segment) -> Response:
    return ocpi.envelope(request, ocpi.location_object(_location(found, location_id)))


@ocpi_router.get(
    "/2.2.1/locations/{location_id}/{evse_uid}", dependencies=OCPI, summary="OCPI EVSE"
)
def evse(request: Request, found: PartnerDep, location_id: Segment, evse_uid: Segment) -> Response:
    state = _location(found, location_id)
    return ocpi.envelope(request, ocpi.evse_object(_evse(state, evse_uid), state.location))


@ocpi_router.get(
    "/2.2.1/locations/{location_id}/{evse_uid}/{connector_id}",
    dependencies=OCPI,
    summary="OCPI Connector",
)
def connector(
    request: Request,
    found: PartnerDep,
    location_id: Segment,
    evse_uid: Segment,
    connector_id: Segment,
) -> Response:
    chosen = _evse(_location(found, location_id), evse_uid).evse
    for item in chosen.connectors:
        if item.connector_id.lower() == connector_id.lower():
            return ocpi.envelope(request, ocpi.connector_object(item, chosen.tariff))
    raise OcpiError(404, ocpi.UNKNOWN_LOCATION, f"There is no connector {connector_id[:36]!r}.")


@ocpi_router.get("/2.2.1/tariffs", dependencies=OCPI, summary="OCPI Tariffs (paginated)")
def tariffs(request: Request, found: PartnerDep) -> Response:
    date_from, date_to, offset, limit = _window(request)
    items = [
        tariff
        for tariff in services.all_tariffs(found.db)
        if _within(tariff.updated_at, date_from, date_to)
    ]
    return _page(request, items, offset, limit, ocpi.tariff_object)


# ---- public API -------------------------------------------------------------------------


@router.get(
    "/locations",
    dependencies=[Depends(public), Depends(cacheable(15))],
    summary="Charging locations with status, ad-hoc price and renewable energy (AFIR)",
)
def public_locations(db: TenantDbDep) -> list[LocationOut]:
    return [views.location_out(s) for s in services.states(db) if s.in_service]


# ---- staff API --------------------------------------------------------------------------


@router.post("/operators", dependencies=[Manage], status_code=status.HTTP_201_CREATED)
def add_operator(ctx: ContextDep, wanted: OperatorIn) -> CreatedOut:
    return CreatedOut(id=services.create_operator(ctx.db, wanted, actor=ctx.actor).id)


@router.post("/tariffs", dependencies=[Manage], status_code=status.HTTP_201_CREATED)
def add_tariff(ctx: ContextDep, wanted: TariffIn) -> CreatedOut:
    return CreatedOut(id=services.create_tariff(ctx.db, wanted, actor=ctx.actor).id)


@router.post("/locations", dependencies=[Manage], status_code=status.HTTP_201_CREATED)
def add_location(ctx: ContextDep, wanted: LocationIn) -> CreatedOut:
    return CreatedOut(id=services.create_location(ctx.db, wanted, actor=ctx.actor).id)


@router.post(
    "/locations/{location_id}/evses", dependencies=[Manage], status_code=status.HTTP_201_CREATED
)
def add_evse(ctx: ContextDep, location_id: IdPath, wanted: EvseIn) -> CreatedOut:
    found = services.get_location(ctx.db, location_id)
    return CreatedOut(id=services.add_evse(ctx.db, found, wanted, actor=ctx.actor).id)


@router.delete("/evses/{evse_id}", dependencies=[Manage], status_code=status.HTTP_204_NO_CONTENT)
def remove_evse(ctx: ContextDep, evse_id: IdPath) -> Response:
    services.remove_evse(ctx.db, services.get_evse(ctx.db, evse_id), actor=ctx.actor)
    return Response(status_code=204)


@router.get("/partners", dependencies=[Manage], summary="Roaming partners (OCPI)")
def partners(db: TenantDbDep) -> list[PartnerOut]:
    return [views.partner_out(p) for p in services.all_partners(db)]


@router.post(
    "/partners",
    dependencies=[Manage],
    status_code=status.HTTP_201_CREATED,
    summary="A roaming partner and its OCPI token (shown once)",
)
def add_partner(ctx: ContextDep, wanted: PartnerIn) -> PartnerCreatedOut:
    made, token = services.create_partner(ctx.db, wanted.name, actor=ctx.actor)
    return PartnerCreatedOut(**views.partner_out(made).model_dump(), token=token)


@router.post("/partners/{partner_id}/revoke", dependencies=[Manage])
def revoke_partner(ctx: ContextDep, partner_id: IdPath) -> PartnerOut:
    return views.partner_out(services.revoke_partner(ctx.db, partner_id, actor=ctx.actor))
