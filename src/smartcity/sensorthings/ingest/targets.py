"""What the ingestion path needs to know about a (Multi)Datastream, cached per process.

Looking these facts up per Observation (municipality, observationType, the FeatureOfInterest
made from the Thing's Location) cost more than writing the Observation. They change rarely:
writes through this process's SensorThings API clear the cache, and entries expire after
`SMARTCITY_INGEST_CACHE_SECONDS` so that changes made through other instances arrive too.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from smartcity.core.db import MAX_ROW_ID, transaction
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.tenancy.services import scope_for
from smartcity.sensorthings import models
from smartcity.sensorthings.writing import Writer

StreamKind = Literal["Datastream", "MultiDatastream"]
# Above this many Datastreams the facts are loaded one by one, as they are used.
SNAPSHOT_LIMIT = 500_000


@dataclass(frozen=True)
class StreamTarget:
    kind: StreamKind
    id: int
    municipality_id: int
    municipality_slug: str
    observation_type: str
    # MultiDatastreams: one observation type per ObservedProperty, in result order.
    component_types: tuple[Any, ...]
    # The FeatureOfInterest made from the Thing's Location; None when the Thing has none.
    feature_id: int | None

    @classmethod
    def datastream(
        cls,
        ident: int,
        municipality_id: int,
        municipality_slug: str,
        observation_type: str,
        feature_id: int | None,
    ) -> StreamTarget:
        """A Datastream's target (one result type, no components)."""
        return cls(
            "Datastream",
            ident,
            municipality_id,
            municipality_slug,
            observation_type,
            (),
            feature_id,
        )

    @property
    def is_multi(self) -> bool:
        return self.kind == "MultiDatastream"


class Targets(Protocol):
    """Where the ingestion path looks up a stream's facts: `TargetCache`, or its
    `CachedTargets` where no I/O may happen."""

    def stream(
        self, kind: StreamKind, ident: int, db: Session | None = None
    ) -> StreamTarget | None: ...

    def feature_municipality(self, ident: int, db: Session | None = None) -> int | None: ...


class CacheMiss(Exception):
    """`CachedTargets` would have to ask the database."""


class TargetCache:
    def __init__(self, sessions: sessionmaker[Session], ttl_seconds: float) -> None:
        self._sessions = sessions
        self._ttl = ttl_seconds
        self._streams: dict[tuple[StreamKind, int], tuple[float, StreamTarget | None]] = {}
        self._features: dict[int, tuple[float, int | None]] = {}
        self._owners: dict[tuple[str, int], tuple[float, int | None]] = {}
        self._lock = threading.Lock()
        self._snapshot_expires = 0.0

    def clear(self) -> None:
        with self._lock:
            self._streams.clear()
            self._features.clear()
            self._owners.clear()
            self._snapshot_expires = 0.0

    def cached_only(self) -> CachedTargets:
        """The same answers where they are cached; `CacheMiss` where the database would be
        asked (for the event loop, which must not wait for it)."""
        return CachedTargets(self)

    def cached_stream(self, kind: StreamKind, ident: int) -> StreamTarget | None:
        """`stream` from the cache; `CacheMiss` where it would ask the database."""
        if not 0 < ident <= MAX_ROW_ID:
            return None
        cached = self._streams.get((kind, ident))
        if cached is None or cached[0] <= time.monotonic():
            raise CacheMiss
        return cached[1]

    def cached_feature_municipality(self, ident: int) -> int | None:
        """`feature_municipality` from the cache; `CacheMiss` where it would ask the
        database."""
        if not 0 < ident <= MAX_ROW_ID:
            return None
        cached = self._features.get(ident)
        if cached is None or cached[0] <= time.monotonic():
            raise CacheMiss
        return cached[1]

    def stream(
        self, kind: StreamKind, ident: int, db: Session | None = None
    ) -> StreamTarget | None:
        """The target, or None when no such (Multi)Datastream exists in any municipality.
        With `db` (a request's tenant-scoped session) a cache miss is looked up in that
        session's transaction, and only that municipality's streams are found."""
        try:
            return self.cached_stream(kind, ident)
        except CacheMiss:
            pass
        now = time.monotonic()
        if now > self._snapshot_expires and db is None:
            self._load_snapshot(now)
            cached = self._streams.get((kind, ident))
            if cached is not None and cached[0] > now:
                return cached[1]
        if db is not None:
            return self._load_stream(db, kind, ident)
        siblings: list[StreamTarget] = []
        with self._lock, transaction(self._sessions, **{SCOPE_KEY: SYSTEM}) as own:
            target = self._load_stream(own, kind, ident, siblings)
        expires = now + self._ttl
        self._streams[(kind, ident)] = (expires, target)
        for sibling in siblings:
            self._streams[(sibling.kind, sibling.id)] = (expires, sibling)
        return target

    def _load_snapshot(self, now: float) -> None:
        """All Datastreams whose facts can be read without writing, in two queries: with
        thousands of devices, loading them one by one on first use (and again after each
        expiry) took longer than storing their Observations. Streams whose Thing has several
        Locations, or whose FeatureOfInterest is still to be made, are loaded one by one."""
        with self._lock:
            if now <= self._snapshot_expires:
                return
            with transaction(self._sessions, **{SCOPE_KEY: SYSTEM}) as db:
                if (db.scalar(select(func.count()).select_from(models.Datastream)) or 0) > (
                    SNAPSHOT_LIMIT
                ):
                    self._snapshot_expires = now + self._ttl
                    return
                link = models.thing_location
                single = (
                    select(link.c.thing_id, func.min(link.c.location_id).label("location_id"))
                    .group_by(link.c.thing_id)
                    .having(func.count() == 1)
                    .subquery()
                )
                features: dict[int, int] = dict(
                    db.execute(
                        select(single.c.thing_id, models.FeatureOfInterest.id).join(
                            models.FeatureOfInterest,
                            models.FeatureOfInterest.source_location_id == single.c.location_id,
                        )
                    ).all()
                )
                located = set(db.scalars(select(link.c.thing_id)))
                d = models.Datastream
                rows = db.execute(
                    select(
                        d.id, d.municipality_id, Municipality.slug, d.observation_type, d.thing_id
                    ).join(Municipality, Municipality.id == d.municipality_id)
                ).all()
            expires = now + self._ttl
            for ident, municipality_id, slug, observation_type, thing_id in rows:
                if thing_id in located and thing_id not in features:
                    continue  # several Locations, or the feature is still to be made
                target = StreamTarget.datastream(
                    ident, municipality_id, slug, observation_type, features.get(thing_id)
                )
                self._streams[("Datastream", ident)] = (expires, target)
            self._snapshot_expires = expires

    def feature_municipality(self, ident: int, db: Session | None = None) -> int | None:
        """The municipality of a FeatureOfInterest, or None when there is none."""
        try:
            return self.cached_feature_municipality(ident)
        except CacheMiss:
            pass
        now = time.monotonic()
        query = select(models.FeatureOfInterest.municipality_id).where(
            models.FeatureOfInterest.id == ident
        )
        if db is not None:
            return db.scalar(query)
        with transaction(self._sessions, **{SCOPE_KEY: SYSTEM}) as own:
            owner = own.scalar(query)
        self._features[ident] = (now + self._ttl, owner)
        return owner

    def owner(self, model: Any, ident: int) -> int | None:
        """The municipality of any SensorThings entity (for MQTT subscriptions)."""
        if not 0 < ident <= MAX_ROW_ID:
            return None
        key = (model.__tablename__, ident)
        now = time.monotonic()
        cached = self._owners.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        with transaction(self._sessions, **{SCOPE_KEY: SYSTEM}) as own:
            found = own.scalar(select(model.municipality_id).where(model.id == ident))
        self._owners[key] = (now + self._ttl, found)
        return found

    @staticmethod
    def _load_stream(
        db: Session, kind: StreamKind, ident: int, siblings: list[StreamTarget] | None = None
    ) -> StreamTarget | None:
        """The facts of one stream, its FeatureOfInterest made if it is still to be made.
        With `siblings`, the other Datastreams of a Thing with one Location are added to it:
        they share the feature, which the snapshot could not know of yet (a gateway's
        hundreds of Datastreams were otherwise loaded one by one until the next snapshot)."""
        model = models.MultiDatastream if kind == "MultiDatastream" else models.Datastream
        owner = db.scalar(select(model.municipality_id).where(model.id == ident))
        if owner is None:
            return None
        municipality = db.get(Municipality, owner)
        assert municipality is not None
        if db.info.get(SCOPE_KEY) is SYSTEM:
            # From here on the session acts for the stream's municipality, as a request of
            # that municipality would.
            db.info[SCOPE_KEY] = scope_for(municipality)
        stream: Any = db.get(model, ident)
        feature_id = None
        if stream.thing.locations:
            feature = Writer(db).feature_from_location(stream)
            db.flush()
            feature_id = feature.id
        types: tuple[Any, ...] = ()
        if isinstance(stream, models.MultiDatastream):
            types = tuple(stream.multi_observation_data_types or ())
        if siblings is not None and len(stream.thing.locations) == 1:
            d = models.Datastream
            for sibling_id, observation_type in db.execute(
                select(d.id, d.observation_type).where(d.thing_id == stream.thing_id, d.id != ident)
            ):
                siblings.append(
                    StreamTarget.datastream(
                        sibling_id, municipality.id, municipality.slug, observation_type, feature_id
                    )
                )
        return StreamTarget(
            kind=kind,
            id=ident,
            municipality_id=municipality.id,
            municipality_slug=municipality.slug,
            observation_type=stream.observation_type,
            component_types=types,
            feature_id=feature_id,
        )


class CachedTargets:
    """What `TargetCache` knows without asking the database (see `cached_only`)."""

    def __init__(self, cache: TargetCache) -> None:
        self._cache = cache

    def stream(
        self, kind: StreamKind, ident: int, db: Session | None = None
    ) -> StreamTarget | None:
        return self._cache.cached_stream(kind, ident)

    def feature_municipality(self, ident: int, db: Session | None = None) -> int | None:
        return self._cache.cached_feature_municipality(ident)
