"""Forecasts of a car park's free spaces from its counter Datastream's recent history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.errors import NotFound
from smartcity.parking import forecast
from smartcity.parking.models import CarPark
from smartcity.sensorthings.models import Observation

# A forecast needs a week of readings and enough of them to cover half of its slots.
MIN_SPAN = timedelta(days=7)
MIN_READINGS = int(forecast.MIN_COVERAGE * forecast.SLOTS_PER_WEEK)


@dataclass(frozen=True)
class Prediction:
    car_park: CarPark
    made_at: datetime
    based_on: datetime
    current: int
    points: list[tuple[datetime, int]]


def forecastable(db: Session, car_parks: list[CarPark]) -> set[int]:
    """Ids of the car parks whose counter has history enough for a forecast (one query)."""
    streams: dict[int, int] = {
        c.datastream_id: c.id for c in car_parks if c.datastream_id is not None
    }
    if not streams:
        return set()
    now = utcnow()
    rows = db.execute(
        select(
            Observation.datastream_id,
            func.min(Observation.phenomenon_time_start),
            func.count(),
        )
        .where(
            Observation.datastream_id.in_(streams),
            Observation.phenomenon_time_start >= now - forecast.HISTORY,
            Observation.result_number.is_not(None),
        )
        .group_by(Observation.datastream_id)
    )
    return {
        streams[stream]
        for stream, oldest, count in rows
        if stream is not None and count >= MIN_READINGS and oldest <= now - MIN_SPAN
    }


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
