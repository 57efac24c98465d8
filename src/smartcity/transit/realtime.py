"""GTFS-Realtime: reading a FeedMessage (protobuf, gtfs-realtime-bindings) and keeping the
trip updates and service alerts it carries as the municipality's current realtime state.

Each poll replaces the previous state in one transaction; a feed that is not GTFS-Realtime
leaves it untouched and is reported to the operator. Trip updates for trips the active
timetable does not know are skipped and counted; extra trips (ADDED/NEW) are kept with their
route and stops when the timetable knows those, else skipped and counted too. Copies of a
timetabled trip (DUPLICATED) are not kept (they are not shown yet) and are counted with the
ignored extra trips: their updates are about the copy, never about the original trip."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2
from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from smartcity.core.db import among, table_of
from smartcity.transit.models import (
    Alert,
    RealtimeFeed,
    Route,
    Stop,
    StopTime,
    Trip,
    TripUpdate,
)

TRIP_UPDATES = "trip_updates"
ALERTS = "alerts"
KINDS = (TRIP_UPDATES, ALERTS)

_TRIP_RELATIONSHIP = gtfs_realtime_pb2.TripDescriptor.ScheduleRelationship
_STOP_RELATIONSHIP = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.ScheduleRelationship
_CAUSE = gtfs_realtime_pb2.Alert.Cause
_EFFECT = gtfs_realtime_pb2.Alert.Effect


class RealtimeBroken(Exception):
    """The payload is not a GTFS-Realtime FeedMessage."""


@dataclass(frozen=True)
class Stored:
    produced_at: datetime
    entities: int
    unknown_trips: int


def parse(payload: bytes) -> Any:
    """The FeedMessage in `payload`; RealtimeBroken when it is none."""
    message = gtfs_realtime_pb2.FeedMessage()
    try:
        message.ParseFromString(payload)
    except DecodeError as exc:
        raise RealtimeBroken("not a GTFS-Realtime protobuf message") from exc
    if not message.IsInitialized() or not message.header.gtfs_realtime_version:
        raise RealtimeBroken("not a GTFS-Realtime protobuf message (no feed header)")
    return message


def _produced(message: Any, received_at: datetime) -> datetime:
    if message.header.HasField("timestamp") and message.header.timestamp > 0:
        return datetime.fromtimestamp(message.header.timestamp, UTC)
    return received_at


def _opt(holder: Any, name: str) -> int | None:
    return int(getattr(holder, name)) if holder.HasField(name) else None


def _stop_update(update: Any) -> dict[str, Any]:
    arrival = update.arrival if update.HasField("arrival") else None
    departure = update.departure if update.HasField("departure") else None
    return {
        "seq": _opt(update, "stop_sequence"),
        "stop_id": update.stop_id,
        "arrival_delay": _opt(arrival, "delay") if arrival is not None else None,
        "arrival_time": _opt(arrival, "time") if arrival is not None else None,
        "departure_delay": _opt(departure, "delay") if departure is not None else None,
        "departure_time": _opt(departure, "time") if departure is not None else None,
        "relationship": _STOP_RELATIONSHIP.Name(update.schedule_relationship),
    }


def _sequences(
    db: Session, feed_id: int, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """stop_sequence of (trip_id, stop_id) pairs (updates that name the stop only)."""
    found: dict[tuple[str, str], int] = {}
    pairs = sorted(wanted)
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        rows = db.execute(
            select(StopTime.trip_id, StopTime.stop_id, StopTime.stop_sequence).where(
                StopTime.feed_id == feed_id,
                tuple_(StopTime.trip_id, StopTime.stop_id).in_(chunk),
            )
        )
        for trip_id, stop_id, sequence in rows:
            found.setdefault((trip_id, stop_id), sequence)
    return found


def _known_trips(db: Session, feed_id: int, trip_ids: Iterable[str]) -> set[str]:
    ids = sorted(set(trip_ids))
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        known.update(
            db.scalars(
                select(Trip.trip_id).where(
                    Trip.feed_id == feed_id, Trip.trip_id.in_(ids[start : start + 500])
                )
            )
        )
    return known


# Extra trips that are not in the timetable: ADDED, and NEW where the feed uses the newer name.
EXTRA = ("ADDED", "NEW")
# A copy of a timetabled trip at another time: its update (the copy's delays) must not be
# applied to the original trip. Not shown yet: counted with the ignored extra trips.
DUPLICATED = "DUPLICATED"


def store_trip_updates(
    db: Session, message: Any, *, feed_id: int | None, municipality_id: int, received_at: datetime
) -> Stored:
    """Replace the trip updates with those of `message` (for the active timetable)."""
    updates: list[Any] = []
    extra: list[Any] = []
    duplicated = 0
    for entity in message.entity:
        if entity.HasField("trip_update"):
            update = entity.trip_update
            name = _TRIP_RELATIONSHIP.Name(update.trip.schedule_relationship)
            if name == DUPLICATED:
                duplicated += 1
            else:
                (extra if name in EXTRA else updates).append(update)
    known = _known_trips(db, feed_id, (u.trip.trip_id for u in updates)) if feed_id else set[str]()
    rows: list[dict[str, Any]] = []
    unknown = 0
    missing: set[tuple[str, str]] = set()
    for update in updates:
        trip_id = update.trip.trip_id
        relationship = _TRIP_RELATIONSHIP.Name(update.trip.schedule_relationship)
        if trip_id not in known:
            unknown += 1
            continue
        stops = [_stop_update(s) for s in update.stop_time_update]
        missing.update((trip_id, s["stop_id"]) for s in stops if s["seq"] is None and s["stop_id"])
        rows.append(
            {
                "trip_id": trip_id,
                "start_date": update.trip.start_date[:8],
                "start_time": update.trip.start_time[:8],
                "relationship": relationship[:12],
                "route_id": "",
                "headsign": "",
                "delay": _opt(update, "delay"),
                "stops": stops,
                "municipality_id": municipality_id,
            }
        )
    if missing and feed_id:
        sequences = _sequences(db, feed_id, missing)
        for row in rows:
            for stop in row["stops"]:
                if stop["seq"] is None:
                    stop["seq"] = sequences.get((row["trip_id"], stop["stop_id"]))
            row["stops"] = sorted(
                (s for s in row["stops"] if s["seq"] is not None), key=lambda s: s["seq"]
            )
    added = _extra_trips(db, feed_id, extra, municipality_id) if feed_id else []
    ignored = len(extra) - len(added) + duplicated
    rows += added
    db.execute(delete(TripUpdate))
    if rows:
        db.execute(table_of(TripUpdate).insert(), rows)
    produced = _produced(message, received_at)
    _record(db, TRIP_UPDATES, produced, received_at, len(rows), unknown, "", ignored, len(added))
    return Stored(produced, len(rows), unknown)


def _extra_trips(
    db: Session, feed_id: int, updates: list[Any], municipality_id: int
) -> list[dict[str, Any]]:
    """The rows of the extra trips that can be shown: a route of the timetable, every stop
    named by a stop_id of the timetable, and a time at one stop at least. Their stops are
    ordered by stop_sequence, or as the update lists them when it gives none."""
    stop_ids = {s.stop_id for u in updates for s in u.stop_time_update if s.stop_id}
    route_ids = {u.trip.route_id for u in updates if u.trip.route_id}
    names = _stop_names(db, feed_id, stop_ids)
    routes = set(
        db.scalars(
            select(Route.route_id).where(
                Route.feed_id == feed_id, Route.route_id.in_(sorted(route_ids))
            )
        )
    )
    rows: list[dict[str, Any]] = []
    for number, update in enumerate(updates):
        stops = [_stop_update(s) for s in update.stop_time_update]
        for position, stop in enumerate(stops, start=1):
            if stop["seq"] is None:
                stop["seq"] = position
        stops.sort(key=lambda s: s["seq"])
        timed = any(s["departure_time"] or s["arrival_time"] for s in stops)
        if (
            update.trip.route_id not in routes
            or not stops
            or any(s["stop_id"] not in names for s in stops)
            or not timed
        ):
            continue
        headsign = ""
        if update.HasField("trip_properties"):
            headsign = update.trip_properties.trip_headsign
        rows.append(
            {
                # The bindings allow an extra trip without an id; it still needs a key.
                "trip_id": (update.trip.trip_id or f"added-{number}")[:255],
                "start_date": update.trip.start_date[:8],
                "start_time": update.trip.start_time[:8],
                "relationship": _TRIP_RELATIONSHIP.Name(update.trip.schedule_relationship),
                "route_id": update.trip.route_id,
                "headsign": (headsign or names[stops[-1]["stop_id"]])[:255],
                "delay": _opt(update, "delay"),
                "stops": stops,
                "municipality_id": municipality_id,
            }
        )
    return rows


def _stop_names(db: Session, feed_id: int, stop_ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    if not stop_ids:
        return names
    for stop_id, name in db.execute(
        select(Stop.stop_id, Stop.name).where(
            Stop.feed_id == feed_id, among(db, Stop.stop_id, stop_ids)
        )
    ):
        names[stop_id] = name
    return names


def _texts(translated: Any) -> dict[str, str]:
    return {t.language or "": t.text[:2000] for t in translated.translation}


def store_alerts(
    db: Session, message: Any, *, municipality_id: int, received_at: datetime
) -> Stored:
    """Replace the service alerts with those of `message`."""
    rows: list[dict[str, Any]] = []
    for entity in message.entity:
        if not entity.HasField("alert"):
            continue
        alert = entity.alert
        rows.append(
            {
                "entity_id": entity.id[:255],
                "cause": _CAUSE.Name(alert.cause) if alert.HasField("cause") else "UNKNOWN_CAUSE",
                "effect": (
                    _EFFECT.Name(alert.effect) if alert.HasField("effect") else "UNKNOWN_EFFECT"
                ),
                "header": _texts(alert.header_text),
                "description": _texts(alert.description_text),
                "periods": [[p.start, p.end] for p in alert.active_period],
                "informed": [
                    {
                        "agency_id": e.agency_id,
                        "route_id": e.route_id,
                        "stop_id": e.stop_id,
                        "trip_id": e.trip.trip_id if e.HasField("trip") else "",
                    }
                    for e in alert.informed_entity
                ],
                "municipality_id": municipality_id,
            }
        )
    db.execute(delete(Alert))
    if rows:
        db.execute(table_of(Alert).insert(), rows)
    produced = _produced(message, received_at)
    _record(db, ALERTS, produced, received_at, len(rows), 0, "", 0, 0)
    return Stored(produced, len(rows), 0)


def _state(db: Session, kind: str) -> RealtimeFeed:
    state = db.scalar(select(RealtimeFeed).where(RealtimeFeed.kind == kind))
    if state is None:
        state = RealtimeFeed(kind=kind)
        db.add(state)
    return state


def _record(
    db: Session,
    kind: str,
    produced: datetime | None,
    checked: datetime,
    entities: int,
    unknown: int,
    problem: str,
    ignored_added: int,
    extra_trips: int,
) -> None:
    state = _state(db, kind)
    if produced is not None:
        state.produced_at = produced
        state.entities = entities
        state.unknown_trips = unknown
        state.ignored_added = ignored_added
        state.extra_trips = extra_trips
    state.checked_at = checked
    state.problem = problem[:500]


def record_problem(db: Session, kind: str, problem: str, checked: datetime) -> None:
    """A poll that failed: the state we hold stays as it was (and grows stale)."""
    _record(db, kind, None, checked, 0, 0, problem, 0, 0)
