"""Free spaces and state of car parks, read from the newest Observations of their sensors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.db import utcnow
from smartcity.core.spatial import around, great_circle_m
from smartcity.parking.models import CarPark
from smartcity.sensorthings.latest import newest_results

State = Literal["open", "closed", "nodata"]
# A reading older than this says nothing about now: the lot shows "nodata".
STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Occupancy:
    car_park: CarPark
    total: int | None
    free: int | None
    state: State
    # Time of the newest reading that went into `free`.
    measured_at: datetime | None
    source: Literal["counter", "spaces", "none"]


def of_car_parks(db: Session, car_parks: Sequence[CarPark]) -> list[Occupancy]:
    """Occupancy of each car park, in the given order, with one query for all readings."""
    counters = [c.datastream_id for c in car_parks if c.datastream_id is not None]
    spaces = [s.datastream_id for c in car_parks for s in c.spaces]
    newest = newest_results(db, [*counters, *spaces])
    now = utcnow()
    return [_occupancy(car_park, newest, now) for car_park in car_parks]


def _occupancy(
    car_park: CarPark, newest: dict[int, tuple[datetime, float | bool | None]], now: datetime
) -> Occupancy:
    fresh_after = now - STALE_AFTER
    if car_park.datastream_id is not None:
        total = car_park.total
        reading = newest.get(car_park.datastream_id)
        free: int | None = None
        measured_at = None
        if reading is not None and isinstance(reading[1], int | float):
            measured_at = reading[0]
            free = max(0, round(reading[1]))
            if total is not None:
                free = min(free, total)
        fresh = measured_at is not None and measured_at >= fresh_after
        return Occupancy(
            car_park=car_park,
            total=total,
            free=free if fresh else None,
            state=_state(car_park, fresh),
            measured_at=measured_at,
            source="counter",
        )
    if car_park.spaces:
        readings = [newest.get(space.datastream_id) for space in car_park.spaces]
        known = [r for r in readings if r is not None and r[1] is not None and r[0] >= fresh_after]
        free_spaces = sum(1 for _, value in known if not value)
        return Occupancy(
            car_park=car_park,
            total=car_park.total or len(car_park.spaces),
            # Spaces without a fresh reading count as taken: better to send a driver elsewhere.
            free=free_spaces if known else None,
            state=_state(car_park, bool(known)),
            measured_at=max((r[0] for r in known), default=None),
            source="spaces",
        )
    return Occupancy(
        car_park=car_park,
        total=car_park.total,
        free=None,
        state=_state(car_park, fresh=False),
        measured_at=None,
        source="none",
    )


def _state(car_park: CarPark, fresh: bool) -> State:
    if car_park.closed:
        return "closed"
    return "open" if fresh else "nodata"


def all_car_parks(db: Session) -> list[CarPark]:
    return list(
        db.scalars(select(CarPark).options(selectinload(CarPark.spaces)).order_by(CarPark.name))
    )


@dataclass(frozen=True)
class Nearby:
    occupancy: Occupancy
    distance_m: float


def near(
    db: Session, lat: float, lon: float, radius_m: float, *, limit: int, only_free: bool
) -> list[Nearby]:
    """Car parks within `radius_m` of a point, nearest first. A bounding box narrows the
    rows in SQL; the great-circle distance decides."""
    south, north, west, east = around(lat, lon, radius_m)
    candidates = list(
        db.scalars(
            select(CarPark)
            .options(selectinload(CarPark.spaces))
            .where(
                CarPark.lat.between(south, north),
                CarPark.lon.between(west, east),
            )
        )
    )
    found = []
    for occupancy in of_car_parks(db, candidates):
        distance = great_circle_m(lat, lon, occupancy.car_park.lat, occupancy.car_park.lon)
        if distance > radius_m:
            continue
        if only_free and not (occupancy.state == "open" and occupancy.free):
            continue
        found.append(Nearby(occupancy=occupancy, distance_m=distance))
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]
