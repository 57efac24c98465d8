"""The car-park registry and its GeoJSON import."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.lookup import found_or_404, get_or_404
from smartcity.parking import occupancy, predictions, sensors
from smartcity.parking.models import CarPark
from smartcity.parking.schemas import CarParkChange, CarParkOut, ImportResult, SpaceOut
from smartcity.sensorthings.models import Observation

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
LOT_TYPES = frozenset({"Parkhaus", "Tiefgarage", "Parkplatz", "Park-Ride", "Straße"})
MAX_FEATURES = 100_000


def external_id(city: str, name: str) -> str:
    """The id ParkenDD clients know a lot by: city and name, lower-case ASCII letters/digits."""
    text = (city + name).lower().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", text)


def list_car_parks(db: Session) -> list[CarPark]:
    return list(db.scalars(select(CarPark).order_by(CarPark.name)))


def get_car_park(db: Session, car_park_id: int) -> CarPark:
    return get_or_404(db, CarPark, car_park_id, "car park")


def by_external_id(db: Session, lot_id: str) -> CarPark:
    return found_or_404(
        db.scalar(select(CarPark).where(CarPark.external_id == lot_id)),
        f"There is no car park {lot_id!r}.",
    )


def statuses(db: Session, car_parks: list[CarPark]) -> list[CarParkOut]:
    ready = predictions.forecastable(db, car_parks)
    return [status_out(o, o.car_park.id in ready) for o in occupancy.of_car_parks(db, car_parks)]


def status_out(found: occupancy.Occupancy, forecast: bool) -> CarParkOut:
    car_park = found.car_park
    return CarParkOut(
        id=car_park.id,
        external_id=car_park.external_id,
        name=car_park.name,
        lot_type=car_park.lot_type,
        address=car_park.address,
        lat=car_park.lat,
        lon=car_park.lon,
        total=found.total,
        free=found.free,
        state=found.state,
        measured_at=found.measured_at,
        occupancy_source=found.source,
        datastream_id=car_park.datastream_id,
        closed=car_park.closed,
        forecast=forecast,
        spaces=[SpaceOut.model_validate(space) for space in car_park.spaces],
    )


def change(db: Session, car_park: CarPark, changes: CarParkChange, *, actor: str) -> None:
    given = changes.model_fields_set
    if "datastream_id" in given:
        sensors.link_counter(db, car_park, changes.datastream_id, actor=actor)
    if "closed" in given:
        if changes.closed is None:
            raise InvalidInput("'closed' is true or false.")
        car_park.closed = changes.closed
    if "total" in given:
        car_park.total = changes.total
    audit.record(
        db,
        actor=actor,
        action="parking.car_park.change",
        resource_type="car_park",
        resource_id=str(car_park.id),
        changes=changes.model_dump(exclude_unset=True),
    )


MAX_TIMESPAN = timedelta(days=7)


def timespan(
    db: Session, car_park: CarPark, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, int]]:
    """Free spaces between two times: what the counter reported, and the forecast for the
    part that lies ahead (ParkenDD's timespan call)."""
    if end <= start:
        raise InvalidInput("'to' must lie after 'from'.")
    if end - start > MAX_TIMESPAN:
        raise InvalidInput("A timespan covers at most 7 days.")
    if car_park.datastream_id is None:
        return []
    now = utcnow()
    points: list[tuple[datetime, int]] = []
    if start < now:
        rows = db.execute(
            select(Observation.phenomenon_time_start, Observation.result_number)
            .where(
                Observation.datastream_id == car_park.datastream_id,
                Observation.phenomenon_time_start.between(start, min(end, now)),
                Observation.result_number.is_not(None),
            )
            .order_by(Observation.phenomenon_time_start)
        )
        points.extend((moment, max(0, round(value or 0))) for moment, value in rows)
    if end > now and car_park.id in predictions.forecastable(db, [car_park]):
        ahead = predictions.predict(db, car_park, zone, end - now)
        points.extend((moment, free) for moment, free in ahead.points if start <= moment <= end)
    return points


def import_geojson(db: Session, document: dict[str, Any], *, city: str, actor: str) -> ImportResult:
    """Create or update car parks from a GeoJSON FeatureCollection of points.

    Features need `name`, `type` (one of LOT_TYPES) and point coordinates; others (such as the
    city's own point) are skipped and counted. Runs in the caller's transaction: a broken
    document changes nothing.
    """
    if document.get("type") != "FeatureCollection" or not isinstance(
        document.get("features"), list
    ):
        raise InvalidInput("Expected a GeoJSON FeatureCollection.")
    features = document["features"]
    if len(features) > MAX_FEATURES:
        raise InvalidInput(f"At most {MAX_FEATURES} features can be imported at once.")
    existing = {c.external_id: c for c in list_car_parks(db)}
    created = updated = skipped = duplicates = 0
    seen: set[str] = set()
    for index, feature in enumerate(features):
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        lot_type = props.get("type")
        if lot_type not in LOT_TYPES or geometry.get("type") != "Point":
            skipped += 1
            continue
        try:
            lon, lat = (float(v) for v in geometry["coordinates"][:2])
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(f"Feature {index} has no valid point coordinates.") from None
        name = str(props.get("name") or "").strip()
        if not name or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput(f"Feature {index} needs a name and coordinates on Earth.")
        total = props.get("total")
        if total is not None and (not isinstance(total, int) or total < 0):
            raise InvalidInput(f"Feature {index}: 'total' must be a non-negative integer.")
        key = external_id(city, name)
        if key in seen:
            # The same lot listed twice under slightly different names: the first one counts.
            duplicates += 1
            continue
        seen.add(key)
        values = {
            "name": name,
            "lot_type": lot_type,
            "address": str(props.get("address") or ""),
            "lat": lat,
            "lon": lon,
            "total": total,
        }
        car_park = existing.get(key)
        if car_park is None:
            car_park = CarPark(external_id=key, **values)
            db.add(car_park)
            existing[key] = car_park
            created += 1
        elif any(getattr(car_park, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(car_park, k, v)
            updated += 1
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="parking.import",
        resource_type="car_park",
        resource_id="*",
        changes={
            "created": created,
            "updated": updated,
            "skipped": skipped,
            "duplicates": duplicates,
        },
    )
    return ImportResult(created=created, updated=updated, skipped=skipped, duplicates=duplicates)


def import_geojson_file(db: Session, path: Path, *, city: str, actor: str) -> ImportResult:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"Cannot read {path.name}: {exc}") from exc
    return import_geojson(db, document, city=city, actor=actor)
