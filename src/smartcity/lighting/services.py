"""Groups and luminaires, and what the controller and the fault detector do each run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict
from smartcity.core.events import EventBus
from smartcity.core.lookup import get_or_404
from smartcity.core.tenancy.models import Municipality
from smartcity.lighting import control
from smartcity.lighting.models import LampFault, LightingGroup, Luminaire
from smartcity.lighting.program import Program
from smartcity.lighting.provisioning import create_luminaire_thing
from smartcity.sensorthings.created import EntitiesCreated
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.latest import newest_results
from smartcity.sensorthings.models import Observation
from smartcity.sensorthings.writing import Writer


def create_group(db: Session, name: str, program: Any, *, actor: str) -> LightingGroup:
    if db.scalar(select(LightingGroup.id).where(LightingGroup.name == name)) is not None:
        raise Conflict(f"There is already a lighting group {name!r}.")
    group = LightingGroup(name=name, program=Program.parse(program).as_json())
    db.add(group)
    db.flush()
    _audit(db, actor, "lighting.group.create", "lighting_group", group.id, {"name": name})
    return group


def set_program(db: Session, group: LightingGroup, program: Any, *, actor: str) -> None:
    group.program = Program.parse(program).as_json()
    _audit(db, actor, "lighting.group.program", "lighting_group", group.id, group.program)


def get_group(db: Session, group_id: int) -> LightingGroup:
    return get_or_404(db, LightingGroup, group_id, "lighting group")


def all_groups(db: Session) -> list[LightingGroup]:
    return list(
        db.scalars(
            select(LightingGroup)
            .options(selectinload(LightingGroup.luminaires))
            .order_by(LightingGroup.name)
        )
    )


def add_luminaire(
    db: Session,
    group: LightingGroup,
    *,
    name: str,
    lat: float,
    lon: float,
    rated_power_w: float,
    single_lamp: bool,
    actor: str,
) -> Luminaire:
    thing_id, streams, capability_id = create_luminaire_thing(db, name=name, lat=lat, lon=lon)
    luminaire = Luminaire(
        group_id=group.id,
        name=name,
        lat=lat,
        lon=lon,
        rated_power_w=rated_power_w,
        single_lamp=single_lamp,
        thing_id=thing_id,
        power_datastream_id=streams["power"],
        energy_datastream_id=streams["energy"],
        dim_datastream_id=streams["dim"],
        hours_datastream_id=streams["hours"],
        motion_datastream_id=streams["motion"],
        tasking_capability_id=capability_id,
    )
    db.add(luminaire)
    db.flush()
    _audit(db, actor, "lighting.luminaire.create", "luminaire", luminaire.id, {"name": name})
    return luminaire


def get_luminaire(db: Session, luminaire_id: int) -> Luminaire:
    return get_or_404(db, Luminaire, luminaire_id, "luminaire")


def place_of(municipality: Municipality, group: LightingGroup) -> control.Place:
    """Sun times at the centre of the group's luminaires (the municipality's centre while it
    has none)."""
    lamps = group.luminaires
    if lamps:
        lat = sum(lamp.lat for lamp in lamps) / len(lamps)
        lon = sum(lamp.lon for lamp in lamps) / len(lamps)
    else:
        lat, lon = municipality.center_lat, municipality.center_lon
    return control.Place(lat, lon, ZoneInfo(municipality.timezone))


def lamps_of(group: LightingGroup) -> list[control.Lamp]:
    return [control.Lamp(lum.id, lum.lat, lum.lon, lum.single_lamp) for lum in group.luminaires]


# ---- control ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    luminaire_id: int
    level: int
    task_id: int


def control_group(
    db: Session,
    bus: EventBus,
    municipality: Municipality,
    group: LightingGroup,
    now: datetime | None = None,
) -> list[Command]:
    """Send a dim-level Task to every luminaire whose target differs from what it was last
    told; returns the commands sent."""
    now = now or utcnow()
    program = Program.parse(group.program)
    luminaires = list(group.luminaires)
    if not luminaires:
        return []
    motions = _motions(db, luminaires, program, now)
    wanted = control.targets(lamps_of(group), place_of(municipality, group), program, now, motions)
    writer = Writer(db)
    commands = []
    for luminaire in luminaires:
        level = wanted[luminaire.id]
        if luminaire.commanded_level == level:
            continue
        task = writer.create(
            ENTITY_TYPES["Task"],
            {
                "taskingParameters": {"dimLevel": level},
                "TaskingCapability": {"@iot.id": luminaire.tasking_capability_id},
            },
        )
        luminaire.commanded_level = level
        luminaire.commanded_at = now
        commands.append(Command(luminaire.id, level, task.id))
    if commands:
        bus.raise_in(
            db,
            EntitiesCreated(
                municipality_id=municipality.id,
                actor="lighting",
                slug=municipality.slug,
                entity="Task",
                ids=tuple(c.task_id for c in commands),
            ),
        )
    return commands


def _motions(
    db: Session, luminaires: list[Luminaire], program: Program, now: datetime
) -> list[tuple[int, datetime]]:
    if program.on_demand is None:
        return []
    by_stream = {lum.motion_datastream_id: lum.id for lum in luminaires}
    since = now - timedelta(seconds=program.on_demand.hold_seconds)
    rows = db.execute(
        select(Observation.datastream_id, Observation.phenomenon_time_start).where(
            Observation.datastream_id.in_(by_stream),
            Observation.phenomenon_time_start >= since,
            Observation.phenomenon_time_start <= now,
            Observation.result_boolean.is_(True),
        )
    )
    return [(by_stream[ds], at) for ds, at in rows if ds is not None]


def _audit(db: Session, actor: str, action: str, kind: str, ident: int, changes: Any) -> None:
    audit.record(
        db, actor=actor, action=action, resource_type=kind, resource_id=str(ident), changes=changes
    )


def open_faults(db: Session) -> list[LampFault]:
    return list(
        db.scalars(
            select(LampFault).where(LampFault.closed_at.is_(None)).order_by(LampFault.opened_at)
        )
    )


def recent_faults(db: Session, limit: int = 1000) -> list[LampFault]:
    """Open and closed faults, newest first."""
    return list(db.scalars(select(LampFault).order_by(LampFault.opened_at.desc()).limit(limit)))


def newest_power(db: Session, luminaires: list[Luminaire]) -> dict[int, tuple[datetime, Any]]:
    return newest_results(db, [lum.power_datastream_id for lum in luminaires])
