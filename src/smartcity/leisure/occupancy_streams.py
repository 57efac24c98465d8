"""Live occupancy as SensorThings data, like any sensor of the city.

Each facility is a Thing (`properties.kind = "leisure-facility"`, at the municipality's
centre: facilities have an address but no coordinates), each zone a Datastream of it
("Belegung Sauna", persons, `OM_CountObservation`). Their ids are kept on the facility
(`thing_id`) and the zone (`datastream_id`): provisioned when a zone is added, or by the
periodic job for what is missing. Whenever a scan lets someone in or out, the zone's
occupancy is counted and written as an Observation in the scan's transaction (one count, one
insert) and announced after the commit (`EntitiesCreated`), so MQTT subscribers of
`v1.1/Datastreams(id)/Observations` hear it as if a device had posted it. The job also writes
the zones whose count changed without a scan (a slot ended). The Datastreams are public city
data; they carry counts, never a person."""

from __future__ import annotations

import weakref
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session

from smartcity.core import events
from smartcity.core.db import utcnow
from smartcity.core.tenancy.models import Municipality
from smartcity.leisure.models import Facility, Slot, Ticket, Zone
from smartcity.leisure.occupancy import inside_now, inside_zone
from smartcity.sensorthings.created import EntitiesCreated
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.ingest import rows
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import StreamTarget
from smartcity.sensorthings.latest import newest_results
from smartcity.sensorthings.models import (
    Datastream,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)
from smartcity.sensorthings.provisioning import StreamSpec, create_thing
from smartcity.sensorthings.writing import Writer

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
COUNT = OM + "OM_CountObservation"
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
        "observationType": COUNT,
        "unitOfMeasurement": UNIT,
        "properties": {ZONE_KEY: zone.id, "capacity": zone.capacity},
    }


def thing_of(db: Session, facility: Facility) -> Thing | None:
    """The facility's Thing, None before it is provisioned (or after it was deleted)."""
    return db.get(Thing, facility.thing_id) if facility.thing_id is not None else None


def provision(db: Session, facility: Facility) -> dict[int, int]:
    """Make sure the facility has its Thing and every zone its Datastream, and keep their ids
    on the facility and the zones; returns the Datastream id of each zone. Creates what is
    missing only, so it may run any time; runs when a zone is added and, for what is missing
    (made before, or deleted through the SensorThings API), in the periodic job — never in a
    scan."""
    _lock(db, facility)
    zones = list(
        db.scalars(
            select(Zone)
            .where(Zone.facility_id == facility.id)
            .order_by(Zone.id)
            .execution_options(populate_existing=True)
        )
    )
    if not zones:
        return {}
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
        facility.thing_id = thing.id
        # A new Thing (a deleted one took its Datastreams along): every zone gets a new one,
        # and the next scan finds the feature of the new Thing's Location.
        made = {
            (stream.properties or {}).get(ZONE_KEY): stream.id
            for stream in db.scalars(select(Datastream).where(Datastream.thing_id == thing.id))
        }
        for zone in zones:
            zone.datastream_id = made[zone.id]
            zone.feature_id = None
        db.flush()
        return {zone.id: made[zone.id] for zone in zones}
    missing = [z for z in zones if z.datastream_id is None]
    if missing:
        writer = Writer(db)
        sensor, observed = _sensor_and_property(db, writer)
        for zone in missing:
            zone.datastream_id = writer.create(
                ENTITY_TYPES["Datastream"],
                {
                    **_stream(facility, zone),
                    "Thing": {"@iot.id": thing.id},
                    "Sensor": {"@iot.id": sensor},
                    "ObservedProperty": {"@iot.id": observed},
                },
            ).id
        db.flush()
    return {zone.id: int(zone.datastream_id or 0) for zone in zones}


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
    """Provisioning of one facility one transaction at a time (PostgreSQL: the second waits
    for the first's commit, and then sees its Thing). FOR NO KEY UPDATE, so that bookings
    inserting rows that refer to the facility do not wait; scans never take it."""
    db.scalar(select(Facility.id).where(Facility.id == facility.id).with_for_update(key_share=True))
    db.refresh(facility)


def _write(db: Session, municipality: Municipality, values: dict[int, int]) -> list[int]:
    writer = Writer(db)
    ids = [
        writer.create(
            ENTITY_TYPES["Observation"],
            {"result": count, "Datastream": {"@iot.id": stream_id}},
        ).id
        for stream_id, count in values.items()
    ]
    _announce(db, municipality, ids)
    return ids


def _announce(db: Session, municipality: Municipality, ids: list[int]) -> None:
    """New Observations for the MQTT subscribers, after the commit."""
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


def after_scan(db: Session, municipality: Municipality, zone_id: int) -> list[int]:
    """A scan let someone in or out of the zone: its new occupancy as an Observation — one
    count and one insert (with its rollup), nothing looked up.

    Concurrent gates of one zone must not publish counts out of order (each transaction
    counts what it sees, and two uncommitted entries do not see each other). So the count is
    made under a row lock on the zone, taken here at the end of the scan's transaction: a
    second gate's scan of the same zone waits only for the first one's count, insert and
    commit, then counts with the first entry committed (PostgreSQL READ COMMITTED reads anew
    per statement) and stamps a later time. Gates of other zones and facilities, and
    bookings, never wait for it. SQLite has one writer at a time anyway."""
    found = db.execute(
        select(Zone.datastream_id, Zone.feature_id)
        .where(Zone.id == zone_id)
        .with_for_update(key_share=True)
    ).first()
    if found is None or found.datastream_id is None:
        return []  # not provisioned (yet, or its Datastream was deleted): the job catches up
    count = inside_zone(db, zone_id)
    if found.feature_id is None:
        # The first Observation (or its feature was deleted): the SensorThings writer finds
        # or makes the feature, which is kept for the next scans.
        ids = _write(db, municipality, {found.datastream_id: count})
        feature = db.scalar(
            select(Observation.feature_of_interest_id).where(Observation.id == ids[0])
        )
        db.execute(
            update(Zone)
            .where(Zone.id == zone_id)
            .values(feature_id=feature)
            .execution_options(synchronize_session=False)
        )
        return ids
    # The SensorThings bulk path, as for a device's CreateObservations: the row checked as
    # an Observation of a count Datastream (server time, the zone's feature), inserted with
    # its rollups in this transaction.
    target = StreamTarget.datastream(
        found.datastream_id, municipality.id, municipality.slug, COUNT, found.feature_id
    )
    row = rows.from_components(["result"], [count], target, set())
    db.flush()
    ids = _store(db).write_on(db.connection(), [row])
    _announce(db, municipality, ids)
    return ids


# One store per database: it looks up the id sequence once (PostgreSQL), not per scan.
_stores: weakref.WeakKeyDictionary[Engine, ObservationStore] = weakref.WeakKeyDictionary()


def _store(db: Session) -> ObservationStore:
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    store = _stores.get(engine)
    if store is None:
        store = _stores[engine] = ObservationStore(engine)
    return store


def sync(db: Session, municipality: Municipality, now: datetime | None = None) -> int:
    """The periodic job's part: provision the facilities that miss their Thing or a zone's
    Datastream, and write the zones whose occupancy differs from their newest Observation
    (people stop counting when their slot ends, and a zone just provisioned has none yet).
    Returns the Observations written."""
    now = now or utcnow()
    unprovisioned = select(Zone.facility_id).where(Zone.datastream_id.is_(None))
    for facility in db.scalars(
        select(Facility)
        .where(or_(Facility.thing_id.is_(None), Facility.id.in_(unprovisioned)))
        .where(Facility.id.in_(select(Zone.facility_id)))
        .order_by(Facility.id)
    ).all():
        provision(db, facility)
    # Each zone counted under its lock, as a scan counts it (see `after_scan`).
    zones = db.execute(
        select(Zone.id, Zone.datastream_id)
        .where(Zone.datastream_id.is_not(None))
        .order_by(Zone.id)
        .with_for_update(key_share=True)
    ).all()
    streams = {int(zone_id): int(stream_id) for zone_id, stream_id in zones if stream_id}
    if not streams:
        return 0
    newest = newest_results(db, streams.values())
    counts = {
        int(zone_id): int(total)
        for zone_id, total in db.execute(
            select(Ticket.zone_id, func.coalesce(func.sum(Ticket.places), 0))
            .outerjoin(Slot, Slot.id == Ticket.slot_id)
            .where(Ticket.zone_id.in_(streams), *inside_now(now))
            .group_by(Ticket.zone_id)
        )
    }
    changed = {
        stream: counts.get(zone_id, 0)
        for zone_id, stream in streams.items()
        if stream not in newest or newest[stream][1] != counts.get(zone_id, 0)
    }
    return len(_write(db, municipality, changed))
