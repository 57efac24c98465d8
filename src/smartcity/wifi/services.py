"""Hotspots: the municipality's source settings, applying a node list (new routers become
Things with three Datastreams; changed values become Observations), and the current state of
every hotspot read from the newest Observations.

The state is read from the Datastreams, not from columns of our own, so a hotspot that
reports over MQTT or HTTP (an Observation of its online Datastream, as any SensorThings device
does) is shown, mapped and alerted on exactly as one from the node list."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from smartcity.core import events
from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput
from smartcity.core.spatial import great_circle_m
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_noop as _
from smartcity.sensorthings import latest
from smartcity.sensorthings.created import EntitiesCreated
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache
from smartcity.sensorthings.provisioning import StreamSpec, create_thing
from smartcity.wifi.models import Hotspot, WifiSource
from smartcity.wifi.nodelist import NodeList, NodeListBroken

SYSTEM_ACTOR = "system:wifi"
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
ONLINE = "urn:smartcity:wifi:online"
CLIENTS = "urn:smartcity:wifi:clients"
LAST_SEEN = "urn:smartcity:wifi:last-seen"
NO_UNIT = {"name": "", "symbol": "", "definition": ""}
MIN_OFFLINE_MINUTES, MAX_OFFLINE_MINUTES = 5, 10_080


# ---- the source --------------------------------------------------------------------------


def source_of(db: Session) -> WifiSource:
    found = db.scalar(select(WifiSource))
    if found is None:
        found = WifiSource(node_salt=secrets.token_hex(32))
        db.add(found)
        db.flush()
    return found


def node_key(source: WifiSource, node_id: str) -> str:
    """What we keep of a router's id (derived from its MAC): a keyed hash, enough to know it
    again in the next list and useless for finding the router anywhere else."""
    return hmac.new(source.node_salt.encode(), node_id.encode(), hashlib.sha256).hexdigest()


def neutral_name(key: str) -> str:
    """The name of a router whose list gives none we may keep (none, or one holding its
    MAC): a piece of its keyed hash, which tells nothing about the router."""
    return f"Hotspot {key[:8]}"


def set_source(
    db: Session, *, url: str, name_prefix: str, offline_minutes: int, actor: str
) -> WifiSource:
    url = url.strip()
    parts = urlsplit(url)
    errors = {}
    if "@" in parts.netloc:
        # user:password@ (checked first, so that no refused address is shown again with its
        # password): never stored, audited or shown; a node list is public anyway.
        errors["url"] = "credentials"
    elif url and (parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500):
        errors["url"] = "invalid"
    if len(name_prefix.strip()) > 50:
        errors["name_prefix"] = "too long"
    if not MIN_OFFLINE_MINUTES <= offline_minutes <= MAX_OFFLINE_MINUTES:
        errors["offline_minutes"] = "out of range"
    if errors:
        raise InvalidInput("Please check the settings of the node list.", errors=errors)
    source = source_of(db)
    if url != source.url:
        # Another server's validators mean nothing for the new one.
        source.etag = source.last_modified = ""
    source.url = url
    source.name_prefix = name_prefix.strip()
    source.offline_minutes = offline_minutes
    audit.record(
        db,
        actor=actor,
        action="wifi.source",
        resource_type="wifi_source",
        resource_id=str(source.id),
        changes={"url": url, "name_prefix": source.name_prefix, "offline_minutes": offline_minutes},
    )
    return source


def record_problem(
    db: Session, problem: NodeListBroken, now: datetime, *, actor: str = SYSTEM_ACTOR
) -> None:
    """A list we could not fetch or read: said to the operator; hotspots stay as they were."""
    source = source_of(db)
    source.checked_at = now
    source.ok = False
    source.result = problem.message[:300]
    source.result_values = {k: str(v)[:200] for k, v in problem.values.items()}
    audit.record(
        db,
        actor=actor,
        action="wifi.list_refused",
        resource_type="wifi_source",
        resource_id=str(source.id),
        changes={"problem": str(problem)[:300]},
    )


def record_unchanged(db: Session, now: datetime) -> None:
    source = source_of(db)
    source.checked_at = now
    source.ok = True
    source.result = _("The node list has not changed since the last download.")
    source.result_values = {}


# ---- applying a node list ----------------------------------------------------------------


@dataclass
class Applied:
    new: int = 0
    known: int = 0
    left_out: int = 0
    # Known hotspots the list no longer names: written as offline.
    missing: int = 0
    observations: int = 0


def _streams(name: str) -> list[StreamSpec]:
    return [
        StreamSpec(
            {
                "name": f"Online {name}",
                "description": "Ob der Hotspot erreichbar ist",
                "observationType": OM + "OM_TruthObservation",
                "unitOfMeasurement": NO_UNIT,
            },
            "Hotspot online",
            ONLINE,
        ),
        StreamSpec(
            {
                "name": f"Verbundene Geräte {name}",
                "description": "Anzahl der verbundenen Geräte (nur die Zahl)",
                "observationType": OM + "OM_CountObservation",
                "unitOfMeasurement": {
                    "name": "Anzahl",
                    "symbol": "{count}",
                    "definition": "http://unitsofmeasure.org/ucum.html#para-50",
                },
            },
            "Verbundene Geräte",
            CLIENTS,
        ),
        StreamSpec(
            {
                "name": f"Zuletzt gesehen {name}",
                "description": "Wann der Hotspot zuletzt erreichbar war (ISO 8601, UTC)",
                "observationType": OM + "OM_Observation",
                "unitOfMeasurement": NO_UNIT,
            },
            "Zuletzt gesehen",
            LAST_SEEN,
        ),
    ]


def add_hotspot(db: Session, *, key: str, name: str, lat: float, lon: float) -> Hotspot:
    thing = create_thing(
        db,
        name=f"WLAN-Hotspot {name}",
        description=f"Öffentlicher WLAN-Hotspot {name}",
        kind="wifi-hotspot",
        lat=lat,
        lon=lon,
        sensor_name="Knotenliste des WLAN-Netzes",
        streams=_streams(name),
    )
    by_definition = {ds.observed_property.definition: ds.id for ds in thing.datastreams}
    hotspot = Hotspot(
        node_key=key,
        name=name,
        lat=lat,
        lon=lon,
        thing_id=thing.id,
        online_datastream_id=by_definition[ONLINE],
        clients_datastream_id=by_definition[CLIENTS],
        last_seen_datastream_id=by_definition[LAST_SEEN],
    )
    db.add(hotspot)
    db.flush()
    return hotspot


def apply(
    db: Session,
    municipality: Municipality,
    listing: NodeList,
    *,
    actor: str,
    now: datetime | None = None,
) -> Applied:
    """Take a node list in: new routers become hotspots, and each hotspot's online state,
    clients and last-seen time are written as Observations where they changed. A list is
    the whole network: a known hotspot it does not name (any more) is written as offline,
    its last-seen time unchanged, so it is no longer shown online and its outage opens."""
    now = now or utcnow()
    at = min(listing.timestamp or now, now)
    source = source_of(db)
    prefix = source.name_prefix.lower()
    known = {h.node_key: h for h in db.scalars(select(Hotspot))}
    applied = Applied(left_out=listing.skipped)
    wanted: list[tuple[Hotspot, bool, int, datetime | None]] = []
    for node in listing.nodes:
        if prefix and not node.name.lower().startswith(prefix):
            applied.left_out += 1
            continue
        key = node_key(source, node.node_id)
        name = node.name or neutral_name(key)
        hotspot = known.get(key)
        if hotspot is None:
            hotspot = add_hotspot(db, key=key, name=name, lat=node.lat, lon=node.lon)
            known[key] = hotspot
            applied.new += 1
        else:
            applied.known += 1
            if (hotspot.name, hotspot.lat, hotspot.lon) != (name, node.lat, node.lon):
                hotspot.name, hotspot.lat, hotspot.lon = name, node.lat, node.lon
                hotspot.updated_at = now
        wanted.append((hotspot, node.online, node.clients, node.last_seen))
    named = {entry[0].id for entry in wanted}
    for hotspot in known.values():
        if hotspot.id not in named:
            applied.missing += 1
            wanted.append((hotspot, False, 0, None))
    ids = _write_changes(db, municipality.id, wanted, at)
    applied.observations = len(ids)
    if ids:
        events.raise_in(
            db,
            EntitiesCreated(
                municipality_id=municipality.id,
                actor=actor,
                slug=municipality.slug,
                entity="Observation",
                ids=tuple(ids),
            ),
        )
    source.checked_at = source.imported_at = now
    source.ok = True
    source.result = _(
        "Read %(format)s: %(nodes)s hotspots (%(new)s new), %(left_out)s nodes left out."
    )
    source.result_values = {
        "format": listing.format,
        "nodes": str(applied.new + applied.known),
        "new": str(applied.new),
        "left_out": str(applied.left_out),
    }
    audit.record(
        db,
        actor=actor,
        action="wifi.list_read",
        resource_type="wifi_source",
        resource_id=str(source.id),
        changes={
            "format": listing.format,
            "new": applied.new,
            "known": applied.known,
            "missing": applied.missing,
        },
    )
    return applied


def _write_changes(
    db: Session,
    municipality_id: int,
    wanted: list[tuple[Hotspot, bool, int, datetime | None]],
    at: datetime,
) -> list[int]:
    """The values that differ from each Datastream's newest Observation, written through the
    SensorThings bulk path (COPY on PostgreSQL, executemany on SQLite, rollups kept), which
    writes a network's thousand values in one go where one entity at a time took seconds."""
    streams = [
        ds
        for hotspot, *_ in wanted
        for ds in (hotspot.online_datastream_id, hotspot.clients_datastream_id)
        if ds is not None
    ]
    values = latest.newest_results(db, streams)
    seen = latest.newest_texts(
        db, [h.last_seen_datastream_id for h, *_ in wanted if h.last_seen_datastream_id]
    )
    stamp = at.isoformat().replace("+00:00", "Z")
    rows: dict[int, list[list[Any]]] = {}

    def write(datastream_id: int | None, result: Any) -> None:
        if datastream_id is not None:
            rows.setdefault(datastream_id, []).append([stamp, result])

    for hotspot, online, clients, last_seen in wanted:
        before_online = values.get(hotspot.online_datastream_id or 0)
        if before_online is None or before_online[1] != online:
            write(hotspot.online_datastream_id, online)
        before_clients = values.get(hotspot.clients_datastream_id or 0)
        if before_clients is None or before_clients[1] != clients:
            write(hotspot.clients_datastream_id, clients)
        if last_seen is not None:
            text = min(last_seen, at).isoformat().replace("+00:00", "Z")
            before_seen = seen.get(hotspot.last_seen_datastream_id or 0)
            if before_seen is None or before_seen[1] != text:
                write(hotspot.last_seen_datastream_id, text)
    if not rows:
        return []
    db.flush()
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    payload = [
        {
            "Datastream": {"@iot.id": datastream_id},
            "components": ["phenomenonTime", "result"],
            "dataArray": found,
        }
        for datastream_id, found in rows.items()
    ]
    # With the session given, the cache looks up in this transaction (new Datastreams too).
    targets = TargetCache(sessionmaker(bind=engine), 0)
    store = ObservationStore(engine)
    ids: list[int] = []
    # Each group is one value; a list of up to MAX_NODES routers (three values each) is
    # written in pieces of what one bulk write takes.
    step = bulk.MAX_ROWS
    for start in range(0, len(payload), step):
        _answers, good = bulk.prepare(
            payload[start : start + step], targets, municipality_id, db, max_rows=step
        )
        ids += store.write_on(db.connection(), [o for _, o in good])
    return ids


# ---- current state -----------------------------------------------------------------------


@dataclass
class HotspotState:
    hotspot: Hotspot
    # None: no report yet.
    online: bool | None = None
    online_at: datetime | None = None
    clients: int | None = None
    last_seen: datetime | None = None

    @property
    def offline_since(self) -> datetime | None:
        """Since when an offline hotspot is unreachable: its last-seen time, else the time
        of the report that said it is offline."""
        if self.online is not False:
            return None
        return self.last_seen or self.online_at


def states(db: Session, hotspot_ids: list[int] | None = None) -> list[HotspotState]:
    """Every hotspot (or those named) with its newest reports: three queries."""
    query = select(Hotspot).order_by(Hotspot.name, Hotspot.id)
    if hotspot_ids is not None:
        query = query.where(Hotspot.id.in_(hotspot_ids))
    hotspots = list(db.scalars(query))
    numbers = latest.newest_results(
        db,
        [
            ds
            for h in hotspots
            for ds in (h.online_datastream_id, h.clients_datastream_id)
            if ds is not None
        ],
    )
    texts = latest.newest_texts(
        db, [h.last_seen_datastream_id for h in hotspots if h.last_seen_datastream_id]
    )
    found = []
    for hotspot in hotspots:
        state = HotspotState(hotspot)
        online = numbers.get(hotspot.online_datastream_id or 0)
        if online is not None and isinstance(online[1], bool):
            state.online, state.online_at = online[1], online[0]
        clients = numbers.get(hotspot.clients_datastream_id or 0)
        if clients is not None and isinstance(clients[1], int | float):
            state.clients = max(0, int(clients[1]))
        seen = texts.get(hotspot.last_seen_datastream_id or 0)
        if seen is not None:
            state.last_seen = _instant(seen[1]) or seen[0]
        if (
            state.online
            and state.online_at
            and (state.last_seen is None or state.online_at > state.last_seen)
        ):
            # A device that only reports "online" was seen when it said so.
            state.last_seen = state.online_at
        found.append(state)
    return found


def _instant(text: str) -> datetime | None:
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


# ---- near a place ------------------------------------------------------------------------


@dataclass
class Nearby:
    state: HotspotState
    distance_m: float


def nearest(
    db: Session, lat: float, lon: float, *, only_online: bool, limit: int = 10
) -> list[Nearby]:
    found = [
        Nearby(state, great_circle_m(lat, lon, state.hotspot.lat, state.hotspot.lon))
        for state in states(db)
        if state.online or not only_online
    ]
    return sorted(found, key=lambda n: n.distance_m)[:limit]


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float


def places_named(db: Session, text: str, limit: int = 8) -> list[Place]:
    pattern = "%" + text.strip().lower().replace("%", "").replace("_", "") + "%"
    rows = db.scalars(
        select(Hotspot)
        .where(func.lower(Hotspot.name).like(pattern))
        .order_by(Hotspot.name)
        .limit(limit)
    )
    return [Place(r.name, r.lat, r.lon) for r in rows]


@dataclass
class Summary:
    total: int = 0
    online: int = 0
    clients: int = 0
    states: list[HotspotState] = field(default_factory=list)


def summary(db: Session) -> Summary:
    found = states(db)
    return Summary(
        total=len(found),
        online=sum(1 for s in found if s.online),
        clients=sum(s.clients or 0 for s in found if s.online),
        states=found,
    )
