"""Observations that devices publish to an external broker, taken on a connection of the
platform's own (`MqttSubscriber`) on the event loop.

Several app instances share the work through one MQTT 5 shared subscription
(`$share/smartcity/…`): each message goes to one instance. A message is acknowledged (PUBACK)
only after its Observation is committed, and the session survives disconnects, so a message
the broker accepted is stored even if an instance dies before committing it: the broker
delivers it again when the instance is back. A redelivery after the commit but before the
acknowledgement is recognised (the broker marks it DUP) and not stored twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from smartcity.core.db import transaction
from smartcity.core.mqtt import MqttEndpoint
from smartcity.core.mqtt_subscriber import Message, MqttSubscriber
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.sensorthings import models
from smartcity.sensorthings.ingest.pipeline import Submit
from smartcity.sensorthings.ingest.rows import NewObservation
from smartcity.sensorthings.ingest.targets import CacheMiss, TargetCache
from smartcity.sensorthings.mqtt import topics
from smartcity.sensorthings.mqtt.messages import (
    MESSAGES,
    BadMessage,
    Received,
    Report,
    is_notification,
    parse_message,
)

log = logging.getLogger(__name__)

OBSERVATIONS = Counter(
    "smartcity_mqtt_observations_total",
    "Observations taken from MQTT messages, by outcome",
    ["outcome"],
)
OWN_NOTIFICATIONS = MESSAGES.labels("own_notification")
CREATE_FILTERS = ("v1.1/+/Observations", "v1.1/Observations", topics.BULK)
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


class MqttConsumer:
    def __init__(
        self,
        endpoint: MqttEndpoint,
        *,
        client_id: str,
        share_group: str,
        session_expiry: int,
        targets: TargetCache,
        sessions: sessionmaker[Session],
        submit: Submit,
        report: Report,
    ) -> None:
        self.endpoint = endpoint
        self.client_id = client_id
        self.share_group = share_group
        self._session_expiry = session_expiry
        self._targets = targets
        self._sessions = sessions
        self._submit = submit
        self.report = report
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscriber: MqttSubscriber | None = None
        self._cached = targets.cached_only()
        self._ready: list[Ready] = []
        self._held = 0  # Observations read and not yet stored
        self._own_notifications = 0  # not yet added to the metric
        self._tasks: set[asyncio.Task[None]] = set()
        # Messages whose Datastreams are being looked up in a thread (not acknowledged yet).
        self._lookups: set[asyncio.Task[None]] = set()
        # Observations handed to the pipeline and not yet committed, by identity, with the
        # future of their write; touched on the event loop only.
        self._in_flight: dict[tuple[Any, ...], asyncio.Future[bool]] = {}

    # ---- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        # Without a group (one worker process): plain subscriptions, which Mosquitto
        # restores from its store after a restart (shared ones it does not). A broker that
        # is down does not hold up the start (the connection keeps reconnecting).
        group = f"$share/{self.share_group}/" if self.share_group else ""
        self._subscriber = MqttSubscriber(
            self.endpoint,
            self.client_id,
            [group + topic_filter for topic_filter in CREATE_FILTERS],
            self._on_message,
            session_expiry=self._session_expiry,
            receive_maximum=RECEIVE_MAXIMUM,
        )
        await self._subscriber.start(wait=3)

    async def settle(self) -> None:
        """Finish what is being written (and acknowledge it); a lookup may be waiting for the
        database to come back: it is cancelled, and the broker delivers its message again
        after the restart."""
        for lookup in self._lookups:
            lookup.cancel()
        if self._tasks or self._lookups:
            await asyncio.gather(*self._tasks, *self._lookups, return_exceptions=True)

    async def stop(self) -> None:
        if self._subscriber is not None:
            await self._subscriber.stop()
            self._subscriber = None
        self._add_own_notifications()  # what the timer has not added yet

    @property
    def connected(self) -> bool:
        return self._subscriber is not None and self._subscriber.connected

    # ---- taking Observations ----------------------------------------------------------

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
                    parse_message, create, message.payload, self._targets, None
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
            ids = await self._submit(fresh, persistent=True) if fresh else []
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
        with transaction(self._sessions, **{SCOPE_KEY: SYSTEM}) as db:
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
