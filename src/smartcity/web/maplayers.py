"""What the maps show, as GeoJSON FeatureCollections built on the server: defect reports,
car parks with free spaces, benches with their air-quality colour, lamps with state and
faults, and every located sensor. The map script only draws them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.benches import services as benches
from smartcity.cases.models import Case
from smartcity.core.db import utcnow
from smartcity.core.web.i18n import gettext_
from smartcity.lighting import services as lighting
from smartcity.open311 import reports
from smartcity.parking import occupancy
from smartcity.sensorthings.models import Datastream, Location, Thing, thing_location

REPORTS_SHOWN_FOR = timedelta(days=89)


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def geojson_response(features: list[dict[str, Any]]) -> Response:
    return JSONResponse(
        collection(features),
        media_type="application/geo+json",
        headers={"Cache-Control": "no-store"},
    )


def point(lat: float, lon: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }


def report_features(db: Session) -> list[dict[str, Any]]:
    found = reports.search(db, reports.Search(start=utcnow() - REPORTS_SHOWN_FOR))
    case_ids = [r.case_id for r in found if r.case_id is not None]
    closed = set(
        db.scalars(select(Case.id).where(Case.id.in_(case_ids), Case.closed_at.is_not(None)))
    )
    features = []
    for report in found:
        if report.lat is None or report.lon is None:
            continue
        is_closed = report.case_id in closed
        features.append(
            point(
                report.lat,
                report.lon,
                {
                    "kind": "report",
                    "id": report.id,
                    "title": report.category.name,
                    "state": "closed" if is_closed else "open",
                    "text": (gettext_("done") if is_closed else gettext_("open"))
                    + " · "
                    + report.requested_at.date().isoformat(),
                },
            )
        )
    return features


def car_park_features(db: Session) -> list[dict[str, Any]]:
    features = []
    for found in occupancy.of_car_parks(db, occupancy.all_car_parks(db)):
        park = found.car_park
        if found.state == "open" and found.free is not None:
            text = gettext_("%(free)s of %(total)s free") % {
                "free": found.free,
                "total": found.total if found.total is not None else "?",
            }
        elif found.state == "closed":
            text = gettext_("closed")
        else:
            text = gettext_("no current data")
        features.append(
            point(
                park.lat,
                park.lon,
                {
                    "kind": "parking",
                    "id": park.id,
                    "title": park.name,
                    "state": found.state,
                    "free": found.free,
                    "total": found.total,
                    "text": text,
                },
            )
        )
    return features


def thing_points(db: Session, thing_ids: list[int] | None = None) -> dict[int, tuple[float, float]]:
    """Where things stand (their first Location that is a GeoJSON Point)."""
    query = select(thing_location.c.thing_id, Location.location).join(
        Location, Location.id == thing_location.c.location_id
    )
    if thing_ids is not None:
        query = query.where(thing_location.c.thing_id.in_(thing_ids))
    points: dict[int, tuple[float, float]] = {}
    for thing_id, geometry in db.execute(query):
        if thing_id in points or not isinstance(geometry, dict):
            continue
        if geometry.get("type") == "Feature":
            geometry = geometry.get("geometry") or {}
        coordinates = geometry.get("coordinates")
        if geometry.get("type") == "Point" and isinstance(coordinates, list | tuple):
            points[thing_id] = (float(coordinates[1]), float(coordinates[0]))
    return points


def bench_features(db: Session, language: str) -> list[dict[str, Any]]:
    statuses = benches.statuses(db, benches.all_benches(db))
    where = thing_points(db, [s.bench.thing_id for s in statuses])
    features = []
    for status in statuses:
        place = where.get(status.bench.thing_id)
        if place is None:
            continue
        level = status.eaqi.level if status.eaqi is not None else None
        temperature = status.values.get("temperature")
        parts = []
        if isinstance(temperature, float | int):
            parts.append(f"{temperature:.1f} °C".replace(".", "," if language == "de" else "."))
        if level is not None:
            parts.append(gettext_("air: %(level)s") % {"level": getattr(level, language)})
        features.append(
            point(
                *place,
                {
                    "kind": "bench",
                    "id": status.bench.id,
                    "title": status.bench.name,
                    "state": level.key if level is not None else "unknown",
                    "colour": level.colour if level is not None else "#c8c8c8",
                    "text": " · ".join(parts) or gettext_("no current data"),
                    "link": f"benches/{status.bench.id}/display",
                },
            )
        )
    return features


def lamp_features(db: Session) -> list[dict[str, Any]]:
    faults: dict[int, list[str]] = {}
    for fault in lighting.open_faults(db):
        faults.setdefault(fault.luminaire_id, []).append(fault.kind)
    features = []
    for group in lighting.all_groups(db):
        for lamp in group.luminaires:
            level = lamp.commanded_level
            state = "fault" if lamp.id in faults else ("on" if level else "off")
            text = (
                gettext_("fault: %(kinds)s") % {"kinds": ", ".join(faults[lamp.id])}
                if lamp.id in faults
                else gettext_("dimmed to %(level)s %%") % {"level": level}
                if level
                else gettext_("off")
            )
            features.append(
                point(
                    lamp.lat,
                    lamp.lon,
                    {
                        "kind": "lamp",
                        "id": lamp.id,
                        "title": f"{lamp.name} ({group.name})",
                        "state": state,
                        "text": text,
                        "datastream": lamp.power_datastream_id,
                    },
                )
            )
    return features


def sensor_features(db: Session) -> list[dict[str, Any]]:
    """Located things with their datastreams (each links to its chart); lamps and benches
    have their own layers."""
    skip = {b.thing_id for b in benches.all_benches(db)}
    for group in lighting.all_groups(db):
        skip.update(lamp.thing_id for lamp in group.luminaires)
    where = thing_points(db)
    streams: dict[int, list[tuple[int, str]]] = {}
    for stream_id, thing_id, name in db.execute(
        select(Datastream.id, Datastream.thing_id, Datastream.name).order_by(Datastream.id)
    ):
        streams.setdefault(thing_id, []).append((stream_id, name))
    features = []
    names: dict[int, str] = {row.id: row.name for row in db.execute(select(Thing.id, Thing.name))}
    for thing_id, place in where.items():
        if thing_id in skip or thing_id not in streams:
            continue
        features.append(
            point(
                *place,
                {
                    "kind": "sensor",
                    "id": thing_id,
                    "title": names.get(thing_id, ""),
                    "state": "ok",
                    "text": "",
                    "datastreams": [{"id": i, "name": n} for i, n in streams[thing_id]],
                },
            )
        )
    return features
