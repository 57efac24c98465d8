"""Creating the Things of a city-operations device (a car-park counter, a bench) in one call,
for the modules that register such devices. ObservedProperties are shared by definition and
Sensors by name within a municipality, so that a hundred benches do not bring a hundred
copies of "PM10"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.models import ObservedProperty, Sensor, Thing
from smartcity.sensorthings.writing import Writer


@dataclass(frozen=True)
class StreamSpec:
    # name, description, observationType, unitOfMeasurement (SensorThings JSON)
    datastream: dict[str, Any]
    property_name: str
    definition: str


def create_thing(
    db: Session,
    *,
    name: str,
    description: str,
    kind: str,
    lat: float,
    lon: float,
    sensor_name: str,
    streams: list[StreamSpec],
) -> Thing:
    writer = Writer(db)
    sensor = db.scalar(select(Sensor).where(Sensor.name == sensor_name).limit(1))
    if sensor is None:
        sensor = writer.create(
            ENTITY_TYPES["Sensor"],
            {
                "name": sensor_name,
                "description": description,
                "encodingType": "text/plain",
                "metadata": "",
            },
        )
    definitions = [spec.definition for spec in streams]
    observed = {
        p.definition: p
        for p in db.scalars(
            select(ObservedProperty).where(ObservedProperty.definition.in_(definitions))
        )
    }
    for spec in streams:
        if spec.definition not in observed:
            observed[spec.definition] = writer.create(
                ENTITY_TYPES["ObservedProperty"],
                {"name": spec.property_name, "definition": spec.definition, "description": ""},
            )
    payload = {
        "name": name,
        "description": description,
        "properties": {"kind": kind},
        "Locations": [
            {
                "name": name,
                "description": "",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ],
        "Datastreams": [
            {
                **spec.datastream,
                "Sensor": {"@iot.id": sensor.id},
                "ObservedProperty": {"@iot.id": observed[spec.definition].id},
            }
            for spec in streams
        ],
    }
    thing: Thing = writer.create(ENTITY_TYPES["Thing"], payload)
    return thing
