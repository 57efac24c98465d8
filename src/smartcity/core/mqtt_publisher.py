"""Notifications (QoS 0) on an MQTT connection of their own, written in batches.

The platform publishes one message per new Observation on up to three topics (18-088, 14.2).
Through paho every QoS 0 publish cost about 21 µs of CPU (a message-info object with its
lock, the packet queued for paho's thread, one system call to wake that thread and one to
send): a third of an ingesting process's CPU. Notifications need none of that bookkeeping —
no acknowledgement, no retry, no session — so they are encoded here (MQTT 3.1.1 PUBLISH
packets, a few lines of framing) and everything queued within one turn of the event loop goes
out in one write: about 2 µs per message. `MqttSubscriber` takes devices' messages on a
connection of its own.

While the broker reads slower than we write, `caught_up` lets the producers wait (ingestion
slows down to what the broker takes; the devices' messages wait at the broker, nothing is
lost). What is published while the broker is away, or beyond `max_buffer` bytes waiting (a
producer that does not wait), is dropped and counted: a notification is a hint, the data is in
the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from prometheus_client import Counter

from smartcity.core.mqtt import MqttEndpoint
from smartcity.core.mqtt_connection import BrokerConnection, ConnectionLost
from smartcity.core.mqtt_packets import connect_packet, publish_packet

log = logging.getLogger(__name__)

DROPPED = Counter(
    "smartcity_mqtt_notifications_unsent_total",
    "Notifications not sent because the broker was away or could not keep up",
)


class MqttPublisher(BrokerConnection):
    def __init__(
        self,
        endpoint: MqttEndpoint,
        client_id: str,
        *,
        # About a second of notifications at 20,000 Observations/s: a broker on busy cores
        # falls behind that far in bursts (8 MiB dropped some in the benchmark).
        max_buffer: int = 32 * 1024 * 1024,
        # Above this many bytes waiting for the broker, `caught_up` waits.
        backlog: int = 4 * 1024 * 1024,
    ) -> None:
        super().__init__(endpoint, client_id, log)
        self.max_buffer = max_buffer
        self.backlog = backlog
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def start(self, wait: float = 3.0) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        await super().start(wait)

    def publish(self, topic: str, payload: bytes | str) -> bool:
        """Queue a message for the next write (within this turn of the event loop); False
        when it was dropped. From another thread (a request's) it is handed to the
        event loop."""
        if threading.get_ident() != self._thread:
            if self._loop is None or self._loop.is_closed():
                DROPPED.inc()
                return False
            self._loop.call_soon_threadsafe(self.publish, topic, payload)
            return True
        writer = self._writer
        if writer is None or writer.transport.get_write_buffer_size() > self.max_buffer:
            DROPPED.inc()
            return False
        self._queue(publish_packet(topic, payload))
        return True

    async def caught_up(self) -> None:
        """Return once no more than `backlog` bytes wait for the broker (at once while the
        connection is down: nothing waits then, notifications are dropped)."""
        writer = self._writer
        if writer is None or writer.transport.get_write_buffer_size() <= self.backlog:
            return
        # The transport paused the stream above `backlog` (its high-water mark); drain()
        # returns when it is down to a quarter of that, or the connection is gone.
        with contextlib.suppress(OSError):
            await writer.drain()

    def _connect_packet(self) -> bytes:
        return connect_packet(self.client_id, self.endpoint, self.keepalive)

    def _accepted(self, writer: asyncio.StreamWriter) -> None:
        writer.transport.set_write_buffer_limits(high=self.backlog)
        self._ready.set()

    async def _serve(self, reader: asyncio.StreamReader) -> None:
        """What comes back (PINGRESP) is read and dropped."""
        loop = asyncio.get_running_loop()
        while await reader.read(4096):
            self._last_read = loop.time()
        raise ConnectionLost("the broker closed the connection")

    def _unsent(self, count: int) -> None:
        DROPPED.inc(count)
