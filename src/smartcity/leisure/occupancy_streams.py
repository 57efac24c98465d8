"""Live occupancy as SensorThings data, like any sensor of the city.

Each facility is a Thing (`properties.kind = "leisure-facility"`, at the municipality's
centre: facilities have an address but no coordinates), each zone a Datastream of it
("Belegung Sauna", persons, `OM_CountObservation`). Whenever a scan lets someone in or out,
the zone's occupancy (`occupancy.occupancy`) is written as an Observation in the scan's
transaction and announced after the commit (`EntitiesCreated`), so MQTT subscribers of
`v1.1/Datastreams(id)/Observations` hear it as if a device had posted it. The periodic job
writes the zones whose count changed without a scan (a slot ended) and provisions the
facilities made before this existed — no migration: Thing and Datastreams are found by their
properties (`leisure_facility`, `leisure_zone`). The Datastreams are public city data; they
carry counts, never a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core import events
from smartcity.core.db import utcnow
from smartcity.core.tenancy.models import Municipality
from smartcity.leisure.models import Facility, Zone
from smartcity.leisure.occupancy import occupancy
from smartcity.sensorthings.created import EntitiesCreated
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.latest import newest_results
from smartcity.sensorthings.models import Datastream, ObservedProperty, Sensor, Thing
from smartcity.sensorthings.provisioning import StreamSpec, create_thing
from smartcity.sensorthings.writing import Writer

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
OCCUPANCY = "urn:smartcity:leisure:occupancy"
THING_KIND = "leisure-facility"
FACILITY_KEY = "leisure_facility"
ZONE_KEY = "leisure_zone"
PROPERTY_NAME = "Belegung"
SENSOR_NAME = "Einlasskontrolle"
UNIT = {"name": "Person", "symbol": "Pers.", "definition": "ucum:{Person}"}
ACTOR = "leisure"


def _stream(facility: Facility, zone: Zone) -> dict[str, Any]:
    return {
        "name": f"{PROPERTY_NAME} {zone.name}",
        "description": (
            f"Personen jetzt in {zone.name} ({facility.name}), Kapazität {zone.capacity}: "
            "Eintritte minus Ausgänge an der Einlasskontrolle"
        ),
        "observationType": OM + "OM_CountObservation",
        "unitOfMeasurement": UNIT,
        "properties": {ZONE_KEY: zone.id, "capacity": zone.capacity},
    }


def thing_of(db: Session, facility: Facility) -> Thing | None:
    """The facility's Thing, None before it is provisioned. Matched in Python: a Thing's
    properties are anyone's JSON, and a cast in SQL would fail on a stranger's value."""
    things = db.scalars(
        select(Thing).where(Thing.properties["kind"].as_string() == THING_KIND).order_by(Thing.id)
    )
    return next((t for t in things if (t.properties or {}).get(FACILITY_KEY) == facility.id), None)


def _streams(db: Session, thing: Thing) -> dict[int, Datastream]:
    """The Thing's Datastreams by zone id (queried: a loaded collection may be stale)."""
    found: dict[int, Datastream] = {}
    for stream in db.scalars(
        select(Datastream).where(Datastream.thing_id == thing.id).order_by(Datastream.id)
    ):
        zone_id = (stream.properties or {}).get(ZONE_KEY)
        if isinstance(zone_id, int):
            found.setdefault(zone_id, stream)
    return found


def provision(db: Session, facility: Facility) -> dict[int, int]:
    """Make sure the facility has its Thing and every zone its Datastream; returns the
    Datastream id of each zone. Creates what is missing only, so it may run any time."""
    zones = list(db.scalars(select(Zone).where(Zone.facility_id == facility.id).order_by(Zone.id)))
    if not zones:
        return {}
    _lock(db, facility)
    thing = thing_of(db, facility)
    if thing is None:
        municipality = db.get(Municipality, facility.municipality_id)
        assert municipality is not None
        thing = create_thing(
            db,
            name=facility.name,
            description=f"Belegung der Einrichtung {facility.name}",
            kind=THING_KIND,
            lat=municipality.center_lat,
            lon=municipality.center_lon,
            sensor_name=SENSOR_NAME,
            streams=[StreamSpec(_stream(facility, z), PROPERTY_NAME, OCCUPANCY) for z in zones],
        )
        thing.properties = {
            "kind": THING_KIND,
            FACILITY_KEY: facility.id,
            "address": facility.address,
        }
        db.flush()
    streams = _streams(db, thing)
    missing = [z for z in zones if z.id not in streams]
    if missing:
        writer = Writer(db)
        sensor, observed = _sensor_and_property(db, writer)
        for zone in missing:
            streams[zone.id] = writer.create(
                ENTITY_TYPES["Datastream"],
                {
                    **_stream(facility, zone),
                    "Thing": {"@iot.id": thing.id},
                    "Sensor": {"@iot.id": sensor},
                    "ObservedProperty": {"@iot.id": observed},
                },
            )
    return {zone.id: streams[zone.id].id for zone in zones}


def _sensor_and_property(db: Session, writer: Writer) -> tuple[int, int]:
    """The Sensor and ObservedProperty of a zone added later (shared like `create_thing`'s)."""
    sensor = db.scalar(select(Sensor.id).where(Sensor.name == SENSOR_NAME).limit(1))
    if sensor is None:
        sensor = writer.create(
            ENTITY_TYPES["Sensor"],
            {
                "name": SENSOR_NAME,
                "description": "Eintritte und Ausgänge der Einlasskontrolle",
                "encodingType": "text/plain",
                "metadata": "",
            },
        ).id
    observed = db.scalar(
        select(ObservedProperty.id).where(ObservedProperty.definition == OCCUPANCY).limit(1)
    )
    if observed is None:
        observed = writer.create(
            ENTITY_TYPES["ObservedProperty"],
            {"name": PROPERTY_NAME, "definition": OCCUPANCY, "description": ""},
        ).id
    return int(sensor), int(observed)


def _lock(db: Session, facility: Facility) -> None:
    """Provisioning and counting of one facility one transaction at a time (PostgreSQL: the
    second waits for the first's commit, and then sees its Thing and its scan). FOR NO KEY
    UPDATE, so that bookings inserting rows that refer to the facility do not wait."""
    db.scalar(select(Facility.id).where(Facility.id == facility.id).with_for_update(key_share=True))


def publish(
    db: Session, municipality: Municipality, facility: Facility, zone_ids: set[int]
) -> list[int]:
    """Write the occupancy of these zones of the facility now as Observations (announced
    after the commit); returns their ids."""
    if not zone_ids:
        return []
    streams = provision(db, facility)  # takes the facility's lock
    counts = {o.zone_id: o.inside for o in occupancy(db, facility)}
    return _write(db, municipality, {streams[z]: counts.get(z, 0) for z in sorted(zone_ids)})


def _write(db: Session, municipality: Municipality, values: dict[int, int]) -> list[int]:
    writer = Writer(db)
    ids = [
        writer.create(
            ENTITY_TYPES["Observation"],
            {"result": count, "Datastream": {"@iot.id": stream_id}},
        ).id
        for stream_id, count in values.items()
    ]
    if ids:
        events.raise_in(
            db,
            EntitiesCreated(
                municipality_id=municipality.id,
                actor=ACTOR,
                slug=municipality.slug,
                entity="Observation",
                ids=tuple(ids),
            ),
        )
    return ids


def after_scan(db: Session, municipality: Municipality, zone_id: int) -> list[int]:
    """A scan let someone in or out of the zone: its new occupancy as an Observation."""
    zone = db.get(Zone, zone_id)
    facility = db.get(Facility, zone.facility_id) if zone is not None else None
    if facility is None:
        return []
    return publish(db, municipality, facility, {zone_id})


def sync(db: Session, municipality: Municipality, now: datetime | None = None) -> int:
    """The periodic job's part: provision every facility and write the zones whose occupancy
    differs from their newest Observation (people stop counting when their slot ends, and a
    facility made before this existed has none yet). Returns the Observations written."""
    now = now or utcnow()
    written = 0
    for facility in db.scalars(select(Facility).order_by(Facility.id)):
        streams = provision(db, facility)
        if not streams:
            continue
        newest = newest_results(db, streams.values())
        changed = {
            streams[o.zone_id]: o.inside
            for o in occupancy(db, facility, now)
            if o.zone_id in streams
            and (streams[o.zone_id] not in newest or newest[streams[o.zone_id]][1] != o.inside)
        }
        written += len(_write(db, municipality, changed))
    return written
