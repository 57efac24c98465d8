"""The platform's own MQTT connections: one (`MqttSubscriber`) takes the Observations devices
publish to an external broker; the other (`MqttPublisher`) publishes a notification for every
created or changed entity. Both run on the event loop.

With an external broker several app instances share the work through one MQTT 5 shared
subscription (`$share/smartcity/…`): each message goes to one instance. A message is
acknowledged (PUBACK) only after its Observation is committed, and the session survives
disconnects, so a message the broker accepted is stored even if an instance dies before
committing it: the broker delivers it again when the instance is back. A redelivery after the
commit but before the acknowledgement is recognised (the broker marks it DUP) and not stored
twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from smartcity.core.db import transaction
from smartcity.core.mqtt import MqttEndpoint
from smartcity.core.mqtt_publisher import MqttPublisher
from smartcity.core.mqtt_subscriber import Message, MqttSubscriber
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.sensorthings import models
from smartcity.sensorthings.entities import ENTITY_TYPES, EntityType
from smartcity.sensorthings.ingest.rows import NewObservation
from smartcity.sensorthings.ingest.runtime import IngestRuntime
from smartcity.sensorthings.ingest.targets import CacheMiss
from smartcity.sensorthings.mqtt import topics
from smartcity.sensorthings.mqtt.messages import (
    BadMessage,
    Received,
    is_notification,
    parse_message,
)
from smartcity.sensorthings.reading import Links, plain_entity
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
MESSAGES = Counter(
    "smartcity_mqtt_messages_total",
    "MQTT messages that create Observations, by outcome",
    ["outcome"],
)
OBSERVATIONS = Counter(
    "smartcity_mqtt_observations_total",
    "Observations taken from MQTT messages, by outcome",
    ["outcome"],
)
OWN_NOTIFICATIONS = MESSAGES.labels("own_notification")
CREATE_FILTERS = ("v1.1/+/Observations", "v1.1/Observations", topics.BULK)
OBSERVATION = ENTITY_TYPES["Observation"]
FEATURE = ENTITY_TYPES["FeatureOfInterest"]
DUPLICATE_CHUNK = 500
# What waits for the next write: an Observation and the message that brought it.
Ready = tuple[NewObservation, Message]
# At most this many unacknowledged messages in flight to one instance: the broker holds the
# rest, so memory stays bounded and a slow database slows the broker's delivery, not us.
RECEIVE_MAXIMUM = 10_000
# At most about this many Observations read and not yet stored: then the subscriber reads no
# more until half of them are (10,000 messages of a gateway hold a million, which cost memory
# and the collector's full passes a tenth of a worker's time).
HOLD_LIMIT = 20_000
# A message whose Datastream is not cached is read in a thread (the database is asked); while
# the database fails, it is tried again after at most this many seconds.
MAX_LOOKUP_BACKOFF = 5.0


class MqttBridge:
    def __init__(
        self,
        runtime: IngestRuntime,
        endpoint: MqttEndpoint,
        *,
        consume: bool,
        client_id: str,
        wanted: Callable[[str], bool] = lambda _topic: True,
    ) -> None:
        self.runtime = runtime
        self.endpoint = endpoint
        # Whether anyone listens on a topic: building and sending notifications nobody reads
        # cost more than storing the Observations.
        self.wanted = wanted
        self.consume = consume
        self.client_id = client_id
        settings = runtime.platform.settings
        public = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
        self._public = public
        self.share_group = settings.mqtt_share_group
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscriber: MqttSubscriber | None = None
        self._cached = runtime.targets.cached_only()
        self._ready: list[Ready] = []
        self._held = 0  # Observations read and not yet stored
        self._own_notifications = 0  # not yet added to the metric
        self._tasks: set[asyncio.Task[None]] = set()
        # Messages whose Datastreams are being looked up in a thread (not acknowledged yet).
        self._lookups: set[asyncio.Task[None]] = set()
        # Observations handed to the pipeline and not yet committed, by identity, with the
        # future of their write; touched on the event loop only.
        self._in_flight: dict[tuple[Any, ...], asyncio.Future[bool]] = {}
        # Subscriptions with $select seen by the embedded broker: base topic → topic → names.
        self._selections: dict[str, dict[str, list[str]]] = {}
        self.observation_topics = frozenset(
            part.strip() for part in settings.mqtt_observation_topics.split(",") if part.strip()
        )
        self._outbox: deque[NewObservation] = deque()
        self._notifier: asyncio.Task[None] | None = None
        self._outbox_low = asyncio.Event()
        self._outbox_low.set()
        # Notifications go out on a connection of their own (see MqttPublisher).
        self._publisher: MqttPublisher | None = None

    # ---- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.runtime.pipeline.listeners.append(self.observations_stored)
        self.runtime.pipeline.throttles.append(self.notifications_caught_up)
        # Notifications published before the connections are up would be lost; a broker
        # that is down does not hold up the start (both keep reconnecting).
        self._publisher = MqttPublisher(self.endpoint, f"{self.client_id}-notify")
        starting = [self._publisher.start(wait=3)]
        if self.consume:
            # Without a group (one worker process): plain subscriptions, which Mosquitto
            # restores from its store after a restart (shared ones it does not).
            group = f"$share/{self.share_group}/" if self.share_group else ""
            self._subscriber = MqttSubscriber(
                self.endpoint,
                self.client_id,
                [group + topic_filter for topic_filter in CREATE_FILTERS],
                self._on_message,
                session_expiry=self.runtime.platform.settings.mqtt_session_expiry,
                receive_maximum=RECEIVE_MAXIMUM,
            )
            starting.append(self._subscriber.start(wait=3))
        await asyncio.gather(*starting)

    async def stop(self) -> None:
        if self.observations_stored in self.runtime.pipeline.listeners:
            self.runtime.pipeline.listeners.remove(self.observations_stored)
        if self.notifications_caught_up in self.runtime.pipeline.throttles:
            self.runtime.pipeline.throttles.remove(self.notifications_caught_up)
        # A lookup may be waiting for the database to come back: the broker delivers its
        # message again after the restart.
        for lookup in self._lookups:
            lookup.cancel()
        if self._tasks or self._lookups:
            await asyncio.gather(*self._tasks, *self._lookups, return_exceptions=True)
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
        if self._subscriber is not None:
            await self._subscriber.stop()
            self._subscriber = None
        self._add_own_notifications()  # what the timer has not added yet

    @property
    def connected(self) -> bool:
        return self._subscriber is not None and self._subscriber.connected

    # ---- taking Observations (external broker) -----------------------------------------

    def _on_message(self, message: Message) -> None:
        data = message.payload
        if is_notification(data):
            self._count_own_notification()
            self._ack(message)
            return
        create = topics.create_topic(message.topic)
        try:
            if create is None:
                raise BadMessage("topic", f"Observations are not created on {message.topic}.")
            # Where every Datastream of the message is cached, it is read right here; the
            # event loop must not wait for the database, so otherwise in a thread.
            received = parse_message(create, data, self._cached, None)
        except CacheMiss:
            assert create is not None
            lookup = asyncio.create_task(self._parse_elsewhere(create, message))
            self._lookups.add(lookup)
            lookup.add_done_callback(self._lookups.discard)
            return
        except BadMessage as bad:
            self.report(message.topic, bad, None)
            self._ack(message)
            return
        self._take(message, received)

    async def _parse_elsewhere(self, create: topics.CreateTopic, message: Message) -> None:
        delay = 0.1
        while True:
            try:
                received = await asyncio.to_thread(
                    parse_message, create, message.payload, self.runtime.targets, None
                )
            except BadMessage as bad:
                self.report(message.topic, bad, None)
                self._ack(message)
                return
            except SQLAlchemyError as exc:
                # The database is away: the message stays unacknowledged meanwhile.
                log.warning("looking up a Datastream failed", extra={"error": type(exc).__name__})
                await asyncio.sleep(delay)
                delay = min(MAX_LOOKUP_BACKOFF, delay * 2)
                continue
            except Exception:
                # Not acknowledged: it comes again after the next reconnect.
                log.exception("checking an MQTT message failed", extra={"topic": message.topic})
                return
            self._take(message, received)
            return

    def _count_own_notification(self) -> None:
        # Counted here and added to the metric a second later: a multiprocess counter's
        # increment cost about 5 % of a worker's time at two notifications per Observation.
        self._own_notifications += 1
        if self._own_notifications == 1 and self._loop is not None:
            self._loop.call_later(1.0, self._add_own_notifications)

    def _add_own_notifications(self) -> None:
        OWN_NOTIFICATIONS.inc(self._own_notifications)
        self._own_notifications = 0

    def _take(self, message: Message, received: Received) -> None:
        if received.refused is not None:
            self.report(message.topic, received.refused, None)
        # A redelivery (DUP) may have been stored before the acknowledgement got lost; that is
        # checked with the other redeliveries of the batch in `_store`.
        first = not self._ready
        for observation in received.observations:
            self._ready.append((observation, message))
        self._held += len(received.observations)
        if self._held > HOLD_LIMIT and self._subscriber is not None:
            self._subscriber.pause()
        if first and self._loop is not None:
            # After the other messages of this read: they are written together.
            self._loop.call_soon(self._drain)

    def _ack(self, message: Message) -> None:
        if self._subscriber is not None:
            self._subscriber.ack(message)

    def _drain(self) -> None:
        ready, self._ready = self._ready, []
        if ready:
            task = asyncio.create_task(self._store_and_release(ready))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _store_and_release(self, ready: list[Ready]) -> None:
        try:
            await self._store(ready)
        finally:
            self._held -= len(ready)
            if self._held <= HOLD_LIMIT // 2 and self._subscriber is not None:
                self._subscriber.resume()

    async def _store(self, ready: list[Ready]) -> None:
        """Write, then acknowledge. A redelivery (DUP) whose original is stored or still being
        written is not written again: after a reconnect the broker redelivers what we had not
        acknowledged yet, possibly while the first copy is still in the pipeline."""
        keys = [_identity(item[0]) for item in ready]
        # Before the first await: a redelivery handled by a later task must find this batch.
        waiting = {
            n: self._in_flight[keys[n]]
            for n, item in enumerate(ready)
            if item[1].dup and keys[n] in self._in_flight
        }
        # The first copy may also be in this very batch (received just before the reconnect).
        earlier: set[tuple[Any, ...]] = set()
        copies = set()
        for n, key in enumerate(keys):
            if ready[n][1].dup and key in earlier:
                copies.add(n)
            earlier.add(key)
        written: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        mine = [k for n, k in enumerate(keys) if n not in waiting and k not in self._in_flight]
        for key in mine:
            self._in_flight[key] = written
        ok = False
        try:
            ok = await self._write(ready, waiting, copies)
        finally:
            for key in mine:
                if self._in_flight.get(key) is written:
                    del self._in_flight[key]
            written.set_result(ok)
        if not ok:
            return
        # A bulk message's Observations are all in this list (taken from `_ready` at once):
        # it is acknowledged once, after all of them.
        messages = {id(message): message for _, message in ready}
        MESSAGES.labels("stored").inc(len(messages))
        for message in messages.values():
            self._ack(message)

    async def _write(
        self, ready: list[Ready], waiting: dict[int, asyncio.Future[bool]], copies: set[int]
    ) -> bool:
        """Store what is new; True once everything of `ready` is durable (also the copies
        whose originals other tasks were writing)."""
        # Persistent: on a database failure the pipeline retries; the messages stay
        # unacknowledged meanwhile, so the broker keeps them.
        try:
            redelivered = [
                n
                for n, item in enumerate(ready)
                if item[1].dup and n not in waiting and n not in copies
            ]
            known: set[int] = set(waiting) | copies
            if redelivered:
                stored = await asyncio.to_thread(
                    self._already_stored, [ready[n][0] for n in redelivered]
                )
                known |= {redelivered[position] for position in stored}
            fresh = [item[0] for n, item in enumerate(ready) if n not in known]
            OBSERVATIONS.labels("duplicate").inc(len(known))
            ids = await self.runtime.pipeline.submit(fresh, persistent=True) if fresh else []
            originals = await asyncio.gather(*set(waiting.values()))
        except Exception as exc:
            # Not acknowledged: the broker keeps the messages and delivers them again after
            # the reconnect (e.g. when the pipeline was stopping).
            log.warning("messages left unacknowledged", extra={"error": type(exc).__name__})
            return False
        if not all(originals):
            # The first copy was not written: this one stays unacknowledged, to come again.
            return False
        refused = ids.count(None)
        OBSERVATIONS.labels("stored").inc(len(fresh) - refused)
        if refused:
            OBSERVATIONS.labels("rejected_by_database").inc(refused)
        return True

    def _already_stored(self, observations: Sequence[NewObservation]) -> set[int]:
        """The positions of the redelivered Observations that are stored already (same
        (Multi)Datastream, phenomenon time and result): one indexed query per stream."""
        o = models.Observation
        by_stream: dict[tuple[str, int], list[int]] = {}
        for position, observation in enumerate(observations):
            row = observation.row
            if row["datastream_id"] is not None:
                key = ("datastream_id", row["datastream_id"])
            else:
                key = ("multi_datastream_id", row["multi_datastream_id"])
            by_stream.setdefault(key, []).append(position)
        found: set[int] = set()
        with transaction(self.runtime.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
            for (column, ident), positions in by_stream.items():
                for start in range(0, len(positions), DUPLICATE_CHUNK):
                    chunk = positions[start : start + DUPLICATE_CHUNK]
                    times = {observations[p].row["phenomenon_time_start"] for p in chunk}
                    stored: dict[Any, list[tuple[Any, Any, Any]]] = {}
                    for when, number, string, boolean in db.execute(
                        select(
                            o.phenomenon_time_start,
                            o.result_number,
                            o.result_string,
                            o.result_boolean,
                        ).where(getattr(o, column) == ident, o.phenomenon_time_start.in_(times))
                    ):
                        stored.setdefault(when, []).append((number, string, boolean))
                    for position in chunk:
                        row = observations[position].row
                        wanted = (row["result_number"], row["result_string"], row["result_boolean"])
                        if any(
                            all(w is None or w == r for w, r in zip(wanted, got, strict=True))
                            for got in stored.get(row["phenomenon_time_start"], [])
                        ):
                            found.add(position)
        return found

    # ---- publishing -------------------------------------------------------------------

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


def _encode(body: dict[str, Any]) -> bytes:
    # orjson: a notification per Observation and topic; the standard library's encoder
    # took a tenth of an ingesting process's CPU.
    return orjson.dumps(body)


class _Row:
    """A row dict seen as the attributes `plain_entity` reads."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)


def _identity(observation: NewObservation) -> tuple[Any, ...]:
    """What makes a redelivered Observation the same as one already received: its stream,
    phenomenon time and result (as `_already_stored` compares them)."""
    row = observation.row
    return (
        row["datastream_id"],
        row["multi_datastream_id"],
        row["phenomenon_time_start"],
        row["result_number"],
        row["result_string"],
        row["result_boolean"],
        repr(row.get("result_json")),
    )
