from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.http.deps import (
    ContextDep,
    IdPath,
    MunicipalityDep,
    TenantDbDep,
    public,
    requires,
)
from smartcity.core.identity.permissions import Principal
from smartcity.core.tenancy.models import Municipality
from smartcity.lighting import control, energy, services
from smartcity.lighting.models import LightingGroup, Luminaire
from smartcity.lighting.permissions import LIGHTING_OPERATE
from smartcity.lighting.program import Program
from smartcity.lighting.schemas import (
    EnergyLineOut,
    EnergyOut,
    FaultOut,
    GroupIn,
    GroupOut,
    LuminaireIn,
    LuminaireOut,
    ProgramIn,
)

router = APIRouter(prefix="/{municipality}/api/v1/lighting", tags=["lighting"])
Operator = Annotated[Principal, Depends(requires(LIGHTING_OPERATE))]


def _open_faults(db: TenantDbDep) -> dict[int, list[str]]:
    """Open fault kinds by luminaire (one query for a whole answer)."""
    faults: dict[int, list[str]] = {}
    for fault in services.open_faults(db):
        faults.setdefault(fault.luminaire_id, []).append(fault.kind)
    return faults


def _luminaires_out(
    db: TenantDbDep, luminaires: list[Luminaire], faults: dict[int, list[str]] | None = None
) -> list[LuminaireOut]:
    power = services.newest_power(db, luminaires)
    faults = _open_faults(db) if faults is None else faults
    out = []
    for lum in luminaires:
        reading = power.get(lum.power_datastream_id)
        watts = reading[1] if reading and isinstance(reading[1], int | float) else None
        out.append(
            LuminaireOut(
                id=lum.id,
                group_id=lum.group_id,
                name=lum.name,
                lat=lum.lat,
                lon=lum.lon,
                rated_power_w=lum.rated_power_w,
                single_lamp=lum.single_lamp,
                thing_id=lum.thing_id,
                datastreams={
                    "power": lum.power_datastream_id,
                    "energy": lum.energy_datastream_id,
                    "dim": lum.dim_datastream_id,
                    "hours": lum.hours_datastream_id,
                    "motion": lum.motion_datastream_id,
                },
                tasking_capability_id=lum.tasking_capability_id,
                commanded_level=lum.commanded_level,
                commanded_at=lum.commanded_at,
                power_w=float(watts) if watts is not None else None,
                power_at=reading[0] if reading else None,
                open_faults=faults.get(lum.id, []),
            )
        )
    return out


def _group_out(
    db: TenantDbDep,
    municipality: Municipality,
    group: LightingGroup,
    faults: dict[int, list[str]] | None = None,
) -> GroupOut:
    place, program = services.place_of(municipality, group), Program.parse(group.program)
    now = utcnow()
    start, end = control.night(place, program, now)
    return GroupOut(
        id=group.id,
        name=group.name,
        program=group.program,
        active_now=start <= now < end,
        switch_on=start,
        switch_off=end,
        luminaires=_luminaires_out(db, list(group.luminaires), faults),
    )


@router.get("/groups", dependencies=[Depends(public)], summary="Lighting groups and their lamps")
def groups(db: TenantDbDep, municipality: MunicipalityDep) -> list[GroupOut]:
    faults = _open_faults(db)
    return [_group_out(db, municipality, g, faults) for g in services.all_groups(db)]


@router.post(
    "/groups",
    status_code=201,
    dependencies=[Depends(requires(LIGHTING_OPERATE))],
    summary="Create a lighting group with its program",
)
def create_group(group: GroupIn, context: ContextDep) -> GroupOut:
    created = services.create_group(context.db, group.name, group.program, actor=context.actor)
    return _group_out(context.db, context.municipality, created)


@router.get("/groups/{group_id}", dependencies=[Depends(public)], summary="One lighting group")
def group(group_id: IdPath, db: TenantDbDep, municipality: MunicipalityDep) -> GroupOut:
    return _group_out(db, municipality, services.get_group(db, group_id))


@router.put(
    "/groups/{group_id}/program",
    dependencies=[Depends(requires(LIGHTING_OPERATE))],
    summary="Replace a group's control program",
)
def set_program(group_id: IdPath, body: ProgramIn, context: ContextDep) -> GroupOut:
    found = services.get_group(context.db, group_id)
    services.set_program(context.db, found, body.program, actor=context.actor)
    return _group_out(context.db, context.municipality, found)


@router.post(
    "/groups/{group_id}/luminaires",
    status_code=201,
    summary="Add a luminaire (creates its Thing, Datastreams and TaskingCapability)",
)
def add_luminaire(
    group_id: IdPath, luminaire: LuminaireIn, db: TenantDbDep, principal: Operator
) -> LuminaireOut:
    created = services.add_luminaire(
        db,
        services.get_group(db, group_id),
        name=luminaire.name,
        lat=luminaire.lat,
        lon=luminaire.lon,
        rated_power_w=luminaire.rated_power_w,
        single_lamp=luminaire.single_lamp,
        actor=principal.actor,
    )
    return _luminaires_out(db, [created])[0]


@router.get("/luminaires/{luminaire_id}", dependencies=[Depends(public)], summary="One luminaire")
def luminaire(luminaire_id: IdPath, db: TenantDbDep) -> LuminaireOut:
    return _luminaires_out(db, [services.get_luminaire(db, luminaire_id)])[0]


@router.get("/faults", summary="Faults (open ones unless `all`)")
def faults(
    db: TenantDbDep,
    _principal: Operator,
    all: bool = False,
) -> list[FaultOut]:
    if not all:
        return [FaultOut.model_validate(f) for f in services.open_faults(db)]
    return [FaultOut.model_validate(f) for f in services.recent_faults(db)]


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@router.get(
    "/groups/{group_id}/energy",
    dependencies=[Depends(public)],
    summary="Energy of a night (`night=YYYY-MM-DD`, the night beginning that evening) "
    "or a month (`month=YYYY-MM`) against the full-power baseline",
)
def energy_report(
    group_id: IdPath,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    night: Annotated[date | None, Query()] = None,
    month: Annotated[str | None, Query(description="YYYY-MM")] = None,
) -> EnergyOut:
    found = services.get_group(db, group_id)
    if (night is None) == (month is None):
        raise InvalidInput("Ask for either a night (night=YYYY-MM-DD) or a month (month=YYYY-MM).")
    if night is not None:
        report = energy.night_report(db, municipality, found, night)
    else:
        match = _MONTH.match(month or "")
        if match is None:
            raise InvalidInput("month must look like 2026-11.")
        report = energy.month_report(db, municipality, found, int(match[1]), int(match[2]))
    return EnergyOut(
        group_id=found.id,
        first_night=report.first_night,
        last_night=report.last_night,
        nights=report.nights,
        hours=report.hours,
        kwh=round(report.kwh, 3),
        baseline_kwh=round(report.baseline_kwh, 3),
        savings_percent=report.savings_percent,
        luminaires=[
            EnergyLineOut(
                luminaire_id=line.luminaire_id,
                name=line.name,
                kwh=line.kwh,
                baseline_kwh=line.baseline_kwh,
                measured_hours=line.measured_hours,
            )
            for line in report.lines
        ],
    )
