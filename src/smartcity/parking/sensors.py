"""Connecting car parks to their sensors.

A counter or a space sensor is a SensorThings Thing like any other device: its readings arrive
over HTTP or MQTT and nothing in this module sits on that path. An integrator either links a
Datastream created through the SensorThings API, or lets us create the Thing (named after
the car park, at its position) and gets the Datastream id to publish to."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.lookup import found_or_404
from smartcity.parking.models import CarPark, ParkingSpace
from smartcity.sensorthings.models import Datastream, Thing
from smartcity.sensorthings.provisioning import StreamSpec, create_thing
from smartcity.sensorthings.results import short_type

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
FREE_SPACES = "urn:smartcity:parking:free-spaces"
SPACE_OCCUPIED = "urn:smartcity:parking:space-occupied"
COUNTER_TYPES = frozenset({"OM_CountObservation", "OM_Measurement"})
SPACE_TYPES = frozenset({"OM_TruthObservation", "OM_CountObservation", "OM_Measurement"})
MAX_SPACES = 2_000


def provision_counter(db: Session, car_park: CarPark, *, actor: str) -> CarPark:
    """Create the counter Thing and Datastream of a car park (free spaces, integer)."""
    if car_park.datastream_id is not None:
        raise Conflict(f"Car park {car_park.name!r} already has a counter.")
    if car_park.spaces:
        raise Conflict("A car park counts either with a counter or with its spaces, not both.")
    thing = _create_thing(
        db,
        name=f"Parkhaus-Zähler {car_park.name}",
        kind="parking-counter",
        lat=car_park.lat,
        lon=car_park.lon,
        datastream={
            "name": f"Freie Stellplätze {car_park.name}",
            "description": "Anzahl freier Stellplätze",
            "observationType": OM + "OM_CountObservation",
            "unitOfMeasurement": {"name": "Stellplatz", "symbol": "", "definition": "ucum:1"},
        },
        definition=FREE_SPACES,
        property_name="Freie Stellplätze",
    )
    car_park.datastream_id = thing.datastreams[0].id
    _record(db, car_park, actor, "parking.counter.create", {"datastream": car_park.datastream_id})
    return car_park


def link_counter(db: Session, car_park: CarPark, datastream_id: int | None, *, actor: str) -> None:
    if datastream_id is not None:
        _datastream(db, datastream_id, COUNTER_TYPES, "a counter (integer or number)")
        if car_park.spaces:
            raise Conflict("A car park counts either with a counter or with its spaces, not both.")
    car_park.datastream_id = datastream_id
    _record(db, car_park, actor, "parking.counter.link", {"datastream": datastream_id})


def add_space(
    db: Session,
    car_park: CarPark,
    *,
    label: str,
    lat: float,
    lon: float,
    datastream_id: int | None,
    actor: str,
) -> ParkingSpace:
    if car_park.datastream_id is not None:
        raise Conflict("A car park counts either with a counter or with its spaces, not both.")
    if len(car_park.spaces) >= MAX_SPACES:
        raise InvalidInput(f"A car park has at most {MAX_SPACES} sensed spaces.")
    if any(space.label == label for space in car_park.spaces):
        raise Conflict(f"Car park {car_park.name!r} already has a space {label!r}.")
    if datastream_id is None:
        thing = _create_thing(
            db,
            name=f"Stellplatzsensor {car_park.name} {label}",
            kind="parking-space-sensor",
            lat=lat,
            lon=lon,
            datastream={
                "name": f"Stellplatz {label} belegt",
                "description": "true, solange ein Fahrzeug auf dem Stellplatz steht",
                "observationType": OM + "OM_TruthObservation",
                "unitOfMeasurement": {"name": "", "symbol": "", "definition": ""},
            },
            definition=SPACE_OCCUPIED,
            property_name="Stellplatz belegt",
        )
        datastream_id = thing.datastreams[0].id
    else:
        _datastream(db, datastream_id, SPACE_TYPES, "a space sensor (true/false or 0/1)")
    space = ParkingSpace(label=label, lat=lat, lon=lon, datastream_id=datastream_id)
    car_park.spaces.append(space)
    db.flush()
    _record(db, car_park, actor, "parking.space.add", {"space": label, "datastream": datastream_id})
    return space


def remove_space(db: Session, car_park: CarPark, space_id: int, *, actor: str) -> None:
    space = found_or_404(
        next((s for s in car_park.spaces if s.id == space_id), None),
        f"Car park {car_park.name!r} has no space {space_id}.",
    )
    car_park.spaces.remove(space)
    _record(db, car_park, actor, "parking.space.remove", {"space": space.label})


def _datastream(db: Session, ident: int, types: frozenset[str], what: str) -> Datastream:
    datastream = db.get(Datastream, ident)
    if datastream is None:
        raise InvalidInput(f"There is no Datastream {ident} in this municipality.")
    if short_type(datastream.observation_type) not in types:
        raise InvalidInput(
            f"Datastream {ident} records {short_type(datastream.observation_type)}, "
            f"which cannot serve as {what}."
        )
    return datastream


def _create_thing(
    db: Session,
    *,
    name: str,
    kind: str,
    lat: float,
    lon: float,
    datastream: dict[str, Any],
    definition: str,
    property_name: str,
) -> Thing:
    return create_thing(
        db,
        name=name,
        description=property_name,
        kind=kind,
        lat=lat,
        lon=lon,
        sensor_name=f"Sensor {property_name}",
        streams=[StreamSpec(datastream, property_name, definition)],
    )


def _record(db: Session, car_park: CarPark, actor: str, action: str, changes: Any) -> None:
    audit.record(
        db,
        actor=actor,
        action=action,
        resource_type="car_park",
        resource_id=str(car_park.id),
        changes=changes,
    )
