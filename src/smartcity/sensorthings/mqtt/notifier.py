"""Notifications (OGC 18-088, 14): the platform publishes every created or changed entity on
its topics, and why a device's message was refused on that message's error topic. They go out
on a connection of their own (`MqttPublisher`, QoS 0) on the event loop: a notification is a
hint to subscribers; the data is in the database."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from prometheus_client import Counter
from sqlalchemy.orm import Session, sessionmaker

from smartcity.core.db import transaction
from smartcity.core.mqtt import MqttEndpoint
from smartcity.core.mqtt_publisher import MqttPublisher
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.sensorthings.created import EntitiesCreated
from smartcity.sensorthings.entities import ENTITY_TYPES, EntityType
from smartcity.sensorthings.ingest.rows import NewObservation
from smartcity.sensorthings.mqtt import topics
from smartcity.sensorthings.mqtt.messages import MESSAGES, BadMessage
from smartcity.sensorthings.query import QueryOptions
from smartcity.sensorthings.reading import Links, Reader, plain_entity
from smartcity.sensorthings.writing import inverse_nav

log = logging.getLogger(__name__)

NOTIFY_SLICE = 200
NOTIFY_QUEUE_LIMIT = 100_000
# Above this many Observations waiting for notification, writing waits (`notifications_caught_up`).
NOTIFY_BACKLOG = 20_000
NOTIFICATIONS_DROPPED = Counter(
    "smartcity_mqtt_notifications_dropped_total",
    "New Observations not notified because the notifier fell behind",
)
OBSERVATION = ENTITY_TYPES["Observation"]
FEATURE = ENTITY_TYPES["FeatureOfInterest"]


class MqttNotifier:
    def __init__(
        self,
        endpoint: MqttEndpoint,
        *,
        client_id: str,
        public_url: str,
        observation_topics: frozenset[str],
        wanted: Callable[[str], bool] = lambda _topic: True,
    ) -> None:
        self.endpoint = endpoint
        self.client_id = client_id
        # Whether anyone listens on a topic: building and sending notifications nobody reads
        # cost more than storing the Observations.
        self.wanted = wanted
        self._public = public_url
        # Subscriptions with $select seen by the embedded broker: base topic → topic → names.
        self._selections: dict[str, dict[str, list[str]]] = {}
        self.observation_topics = observation_topics
        self._outbox: deque[NewObservation] = deque()
        self._notifier: asyncio.Task[None] | None = None
        self._outbox_low = asyncio.Event()
        self._outbox_low.set()
        self._publisher: MqttPublisher | None = None

    # ---- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        # Notifications published before the connection is up would be lost; a broker that
        # is down does not hold up the start (the connection keeps reconnecting).
        self._publisher = MqttPublisher(self.endpoint, f"{self.client_id}-notify")
        await self._publisher.start(wait=3)

    async def stop(self) -> None:
        deadline = time.monotonic() + 2  # notifications are hints: do not hold up a stop
        while self._outbox and self._notifier is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self._outbox.clear()
        self._outbox_low.set()
        if self._notifier is not None:
            self._notifier.cancel()
            await asyncio.gather(self._notifier, return_exceptions=True)
        if self._publisher is not None:
            await self._publisher.stop()
            self._publisher = None

    # ---- what is said ------------------------------------------------------------------

    def report(self, topic: str, bad: BadMessage, slug: str | None) -> None:
        """Count a rejected message and say why on its error topic."""
        MESSAGES.labels(f"rejected_{bad.reason}").inc()
        if bad.reason == "wrong_municipality":
            return  # the publisher cannot read that topic; its owner need not hear of it
        create = topics.create_topic(topic)
        if create is not None and not create.names_municipality:
            # The collection and bulk topics name no municipality; their errors go to the one
            # the publisher (or the linked Datastream) belongs to.
            slug = slug or (bad.target.municipality_slug if bad.target else None)
            if slug is None:
                return
            topic = f"{slug}/{topic}"
        self._publish(
            topics.error_topic(topic),
            {"code": 400, "type": "error", "reason": bad.reason, "message": bad.message},
        )

    def observations_stored(self, observations: Sequence[NewObservation]) -> None:
        """Pipeline listener (in the event loop, after the commit): queue the new Observations
        for notification. They are notified in slices between other work of the loop, so a
        large batch never holds up requests for long. A notifier thread was tried: competing
        for the interpreter lock with the loop cost three quarters of the single-POST rate.
        If the queue grows past its bound, notifications are dropped and counted: they are
        hints; the Observations are stored."""
        if len(self._outbox) + len(observations) > NOTIFY_QUEUE_LIMIT:
            NOTIFICATIONS_DROPPED.inc(len(observations))
            return
        self._outbox.extend(observations)
        if len(self._outbox) > NOTIFY_BACKLOG:
            self._outbox_low.clear()
        if self._notifier is None:
            self._notifier = asyncio.create_task(self._notify(), name="mqtt-notifier")

    async def _notify(self) -> None:
        """Notify what waits, a slice per turn of the event loop; while the broker reads
        slower than we publish, wait for it (the Observations wait here, compactly, and the
        pipeline's throttle holds up writing)."""
        try:
            while self._outbox:
                if self._publisher is not None:
                    await self._publisher.caught_up()
                count = min(NOTIFY_SLICE, len(self._outbox))
                batch = [self._outbox.popleft() for _ in range(count)]
                try:
                    self._notify_observations(batch)
                except Exception:
                    log.exception("notifying new observations failed")
                if len(self._outbox) <= NOTIFY_BACKLOG:
                    self._outbox_low.set()
                await asyncio.sleep(0)
        finally:
            self._notifier = None

    async def notifications_caught_up(self) -> None:
        """Pipeline throttle: wait while notifications fall behind the writes. Dropping them
        instead cost subscribers a third of them in the benchmark (the broker shares two
        cores with everything); waiting slows ingestion to what the broker delivers, and the
        devices' messages wait at the broker meanwhile."""
        await self._outbox_low.wait()

    def _notify_observations(self, observations: Sequence[NewObservation]) -> None:
        """Every new Observation on its Datastream's, its feature's and its municipality's
        topic (those of `SMARTCITY_MQTT_OBSERVATION_TOPICS`, and with the embedded broker only
        where someone listens)."""
        kinds = self.observation_topics
        for observation in observations:
            row = observation.row
            target = observation.target
            candidates = []
            if "datastream" in kinds:
                candidates.append(
                    topics.entity_topic(ENTITY_TYPES[target.kind], target.id, "Observations")
                )
            if "feature" in kinds:
                candidates.append(
                    topics.entity_topic(FEATURE, row["feature_of_interest_id"], "Observations")
                )
            if "municipality" in kinds:
                candidates.append(topics.collection_topic(target.municipality_slug, OBSERVATION))
            wanted = [t for t in candidates if self.wanted(t) or t in self._selections]
            if not wanted:
                continue
            links = Links(f"{self._public}/{target.municipality_slug}/sta/v1.1")
            body = plain_entity(links, _Row(row), OBSERVATION)
            payload = _encode(body)
            for topic in wanted:
                self._publish(topic, body, payload)

    def entity_written(
        self,
        slug: str,
        entity: EntityType,
        body: dict[str, Any],
        *,
        parents: Sequence[str],
        changed: Sequence[str] = (),
    ) -> None:
        """After an HTTP write: a new entity on its set's topic and on the navigation topics
        of the entities it belongs to (`parents`, from `parent_topics`); a change on the
        entity's topic and one per changed property."""
        ident = body.get("@iot.id")
        if not isinstance(ident, int):
            return
        if changed:
            self._publish(topics.entity_topic(entity, ident), body)
            for name in changed:
                if name in body:
                    self._publish(topics.entity_topic(entity, ident, name), {name: body[name]})
            return
        self._publish(topics.collection_topic(slug, entity), body)
        for topic in parents:
            self._publish(topic, body)

    def selection_subscribed(self, topic: str) -> None:
        """A subscriber asked for `<topic>?$select=…`: publish that projection too."""
        selected = topics.selected_properties(topic)
        if selected is not None:
            self._selections.setdefault(selected[0], {})[topic] = selected[1]

    def _publish(self, topic: str, body: dict[str, Any], payload: bytes | None = None) -> None:
        publisher = self._publisher
        if publisher is None:
            return
        # QoS 0: a notification is a hint to subscribers; the data is in the database.
        if self.wanted(topic):
            publisher.publish(topic, payload or _encode(body))
        selections = self._selections.get(topic, {})
        for selected_topic, names in list(selections.items()):
            if not self.wanted(selected_topic):
                # Its subscribers left: forget it, so the map does not grow with every
                # `$select` a device ever asked for.
                del selections[selected_topic]
                continue
            projection = {name: body[name] for name in names if name in body}
            publisher.publish(selected_topic, _encode(projection))
        if topic in self._selections and not selections:
            del self._selections[topic]


def parent_topics(db: Session, entity: EntityType, ident: int) -> list[str]:
    """The navigation topics a new entity appears on: for an Observation
    `v1.1/Datastreams(7)/Observations` and `v1.1/FeaturesOfInterest(3)/Observations`, for a
    Task `v1.1/TaskingCapabilities(2)/Tasks` (how an actuator learns of its tasks)."""
    row = db.get(entity.model, ident)
    if row is None:
        return []
    found = []
    for nav in entity.navs:
        if nav.many:
            continue
        relationship = getattr(entity.model, nav.attr).property
        (column,) = relationship.local_columns
        parent_id = getattr(row, column.key)
        back = inverse_nav(entity, nav) if relationship.back_populates else None
        if isinstance(parent_id, int) and back is not None and back.many:
            found.append(topics.entity_topic(ENTITY_TYPES[nav.target], parent_id, back.name))
    return found


def announce(
    notifier: MqttNotifier,
    sessions: sessionmaker[Session],
    public_url: str,
    event: EntitiesCreated,
) -> None:
    """Entities another module created through the Writer (see `created`), after its commit:
    notified as if created over HTTP."""
    if not event.ids:
        return
    entity = ENTITY_TYPES[event.entity]
    links = Links(f"{public_url}/{event.slug}/sta/v1.1")
    with transaction(sessions, **{SCOPE_KEY: SYSTEM}) as db:
        reader = Reader(db, links, max_top=1)
        for ident in event.ids:
            row = db.get(entity.model, ident)
            if row is None:
                continue
            body = reader.entity(row, entity, QueryOptions())
            notifier.entity_written(
                event.slug, entity, body, parents=parent_topics(db, entity, ident)
            )


def _encode(body: dict[str, Any]) -> bytes:
    # orjson: a notification per Observation and topic; the standard library's encoder
    # took a tenth of an ingesting process's CPU.
    return orjson.dumps(body)


class _Row:
    """A row dict seen as the attributes `plain_entity` reads."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)
