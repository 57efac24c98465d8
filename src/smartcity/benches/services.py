"""Benches: registration, their current readings and air-quality indices, and the
municipality-wide air-quality check that raises alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.benches import air_quality
from smartcity.benches.models import AirQualityState, Bench
from smartcity.benches.quantities import BY_DEFINITION, POLLUTANT_KEYS, QUANTITIES, SO2_DEFINITION
from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.lookup import get_or_404
from smartcity.sensorthings.latest import newest_results
from smartcity.sensorthings.models import Datastream, Observation, ObservedProperty
from smartcity.sensorthings.provisioning import StreamSpec, create_thing

# Readings older than this say nothing about now (an hourly mean needs the last hour anyway).
FRESH = timedelta(hours=1)


def create_bench(db: Session, *, name: str, lat: float, lon: float, actor: str) -> Bench:
    """A bench with its Thing and one Datastream per quantity, ready for its sensor box."""
    thing = create_thing(
        db,
        name=name,
        description="Smarte Sitzbank mit Umweltsensoren, Ladeanschluss und WLAN",
        kind="bench",
        lat=lat,
        lon=lon,
        sensor_name="Sensorbox Smarte Bank",
        streams=[StreamSpec(q.datastream(name), q.name, q.definition) for q in QUANTITIES],
    )
    bench = Bench(name=name, thing_id=thing.id)
    db.add(bench)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="benches.create",
        resource_type="bench",
        resource_id=str(bench.id),
        changes={"name": name, "thing": thing.id},
    )
    return bench


def get_bench(db: Session, bench_id: int) -> Bench:
    return get_or_404(db, Bench, bench_id, "bench")


def all_benches(db: Session) -> list[Bench]:
    return list(db.scalars(select(Bench).order_by(Bench.name)))


@dataclass
class BenchStatus:
    bench: Bench
    datastreams: dict[str, int] = field(default_factory=dict)
    # Hourly means of pollutants, newest values of the rest; None: no fresh reading.
    values: dict[str, float | bool | None] = field(default_factory=dict)
    updated_at: datetime | None = None
    eaqi: air_quality.Index | None = None
    uba: air_quality.Index | None = None


def statuses(db: Session, benches: list[Bench]) -> list[BenchStatus]:
    """Current readings of the benches: three queries whatever their number."""
    found = {bench.thing_id: BenchStatus(bench) for bench in benches}
    if not found:
        return []
    streams = db.execute(
        select(Datastream.thing_id, Datastream.id, ObservedProperty.definition)
        .join(ObservedProperty, Datastream.observed_property_id == ObservedProperty.id)
        .where(Datastream.thing_id.in_(found))
    )
    for thing_id, datastream_id, definition in streams:
        quantity = BY_DEFINITION.get(definition)
        key = quantity.key if quantity else ("so2" if definition == SO2_DEFINITION else None)
        if key is not None:
            found[thing_id].datastreams.setdefault(key, datastream_id)
    now = utcnow()
    pollutant_streams = [
        ds for s in found.values() for key, ds in s.datastreams.items() if key in POLLUTANT_KEYS
    ]
    means = _hourly_means(db, pollutant_streams, now)
    newest = newest_results(
        db,
        [ds for s in found.values() for k, ds in s.datastreams.items() if k not in POLLUTANT_KEYS],
    )
    for status in found.values():
        times: list[datetime] = []
        for key, datastream_id in status.datastreams.items():
            if key in POLLUTANT_KEYS:
                mean = means.get(datastream_id)
                status.values[key] = mean[0] if mean else None
                if mean:
                    times.append(mean[1])
                continue
            reading = newest.get(datastream_id)
            fresh = reading is not None and reading[0] >= now - FRESH
            status.values[key] = reading[1] if reading is not None and fresh else None
            if reading is not None and fresh:
                times.append(reading[0])
        status.updated_at = max(times, default=None)
        pollutants = {
            k: float(v)
            for k, v in status.values.items()
            if k in POLLUTANT_KEYS and isinstance(v, int | float) and not isinstance(v, bool)
        }
        status.eaqi = air_quality.eaqi(pollutants)
        status.uba = air_quality.uba(pollutants)
    return [found[bench.thing_id] for bench in benches]


def _hourly_means(
    db: Session, datastream_ids: list[int], now: datetime
) -> dict[int, tuple[float, datetime]]:
    if not datastream_ids:
        return {}
    rows = db.execute(
        select(
            Observation.datastream_id,
            func.avg(Observation.result_number),
            func.max(Observation.phenomenon_time_start),
        )
        .where(
            Observation.datastream_id.in_(datastream_ids),
            Observation.phenomenon_time_start > now - FRESH,
            Observation.phenomenon_time_start <= now,
            Observation.result_number.is_not(None),
        )
        .group_by(Observation.datastream_id)
    )
    return {
        ds: (round(float(mean), 1), newest)
        for ds, mean, newest in rows
        if ds is not None and mean is not None
    }


def worst(found: list[BenchStatus]) -> BenchStatus | None:
    rated = [s for s in found if s.eaqi is not None]
    return max(rated, key=lambda s: s.eaqi.level.rank if s.eaqi else 0, default=None)


def state_of(db: Session) -> AirQualityState:
    state = db.scalar(select(AirQualityState))
    if state is None:
        state = AirQualityState(eaqi_rank=0)
        db.add(state)
        db.flush()
    return state
