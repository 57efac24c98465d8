"""Located Things on the map: where a Thing stands, and the layer of sensors (each with its
Datastreams, which the cockpit links to their charts)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.geojson import Feature, point
from smartcity.sensorthings.models import Datastream, Location, Thing, thing_location


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


def sensor_features(db: Session) -> list[Feature]:
    """Located Things with Datastreams; `id` is the Thing's id, so that the layer can leave
    out the Things other layers draw (`MapLayer.of_things`)."""
    where = thing_points(db)
    streams: dict[int, list[tuple[int, str]]] = {}
    for stream_id, thing_id, name in db.execute(
        select(Datastream.id, Datastream.thing_id, Datastream.name).order_by(Datastream.id)
    ):
        streams.setdefault(thing_id, []).append((stream_id, name))
    features = []
    names: dict[int, str] = {row.id: row.name for row in db.execute(select(Thing.id, Thing.name))}
    for thing_id, place in where.items():
        if thing_id not in streams:
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
