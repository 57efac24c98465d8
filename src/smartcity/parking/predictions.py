"""Forecasts of a car park's free spaces from its counter Datastream's recent history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import NotFound
from smartcity.parking import forecast
from smartcity.parking.models import CarPark
from smartcity.sensorthings.models import Datastream, Observation

# A forecast needs a week of readings (and `forecast.Profile` half of the week's slots).
MIN_SPAN = timedelta(days=7)


@dataclass(frozen=True)
class Prediction:
    car_park: CarPark
    made_at: datetime
    based_on: datetime
    current: int
    points: list[tuple[datetime, int]]


def forecastable(db: Session, car_parks: list[CarPark]) -> set[int]:
    """Ids of the car parks whose counter reaches back a week into the forecast's history.
    Every car-park list (and ParkenDD, which apps poll) asks this, so it is one index probe
    per counter rather than a count of its readings; `predict` checks the coverage itself."""
    streams: dict[int, int] = {
        c.datastream_id: c.id for c in car_parks if c.datastream_id is not None
    }
    if not streams:
        return set()
    now = utcnow()
    old_enough = (
        select(Observation.id)
        .where(
            Observation.datastream_id == Datastream.id,
            Observation.phenomenon_time_start.between(now - forecast.HISTORY, now - MIN_SPAN),
        )
        .limit(1)
        .correlate(Datastream)
        .exists()
    )
    found = db.scalars(select(Datastream.id).where(Datastream.id.in_(streams), old_enough))
    return {streams[stream] for stream in found}


def predict(db: Session, car_park: CarPark, zone: ZoneInfo, horizon: timedelta) -> Prediction:
    if car_park.datastream_id is None:
        raise NotFound(f"Car park {car_park.name!r} has no counter, so there is no forecast.")
    now = utcnow()
    found = db.execute(
        select(Observation.phenomenon_time_start, Observation.result_number)
        .where(
            Observation.datastream_id == car_park.datastream_id,
            Observation.phenomenon_time_start >= now - forecast.HISTORY,
            Observation.phenomenon_time_start <= now,
            Observation.result_number.is_not(None),
        )
        .order_by(Observation.phenomenon_time_start)
    )
    rows = [(moment, value) for moment, value in found if value is not None]
    profile = forecast.Profile.learn((t.astimezone(zone), v) for t, v in rows)
    if profile is None or rows[0][0] > now - MIN_SPAN:
        raise NotFound(
            f"Car park {car_park.name!r} has too little history for a forecast yet "
            "(it needs a week of readings)."
        )
    based_on, current = rows[-1]
    points = forecast.forecast(
        profile,
        based_on.astimezone(zone),
        current,
        horizon + (now - based_on),
        highest=car_park.total,
    )
    return Prediction(
        car_park=car_park,
        made_at=now,
        based_on=based_on,
        current=round(current),
        points=[(moment, round(value)) for moment, value in points if moment > now],
    )
