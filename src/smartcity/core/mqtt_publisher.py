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
from smartcity.core.mqtt_packets import (
    DISCONNECT_PACKET,
    PINGREQ_PACKET,
    connect_packet,
    publish_packet,
)

log = logging.getLogger(__name__)

DROPPED = Counter(
    "smartcity_mqtt_notifications_unsent_total",
    "Notifications not sent because the broker was away or could not keep up",
)
KEEPALIVE = 30  # seconds, as the platform's other connection
CONNACK_TIMEOUT = 10.0
MAX_BACKOFF = 30.0


class ConnectionRefused(Exception):
    """The broker answered CONNECT with a refusal (bad credentials, not authorised)."""


class MqttPublisher:
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
        self.endpoint = endpoint
        self.client_id = client_id
        self.max_buffer = max_buffer
        self.backlog = backlog
        self._writer: asyncio.StreamWriter | None = None
        self._pending: list[bytes] = []
        self._flush_scheduled = False
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def start(self, wait: float = 3.0) -> None:
        """Connect in the background; wait up to `wait` seconds for the first connection (a
        broker that is down does not hold up the start: connecting goes on)."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._task = asyncio.create_task(self._run(), name=f"mqtt-publisher-{self.client_id}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), wait)

    async def stop(self) -> None:
        self._flush()
        writer = self._writer
        if writer is not None:
            with contextlib.suppress(OSError):
                writer.write(DISCONNECT_PACKET)
                await asyncio.wait_for(writer.drain(), 2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._close()

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
        self._pending.append(publish_packet(topic, payload))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)
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

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        writer = self._writer
        if writer is None or writer.is_closing():
            DROPPED.inc(len(pending))
            return
        writer.write(b"".join(pending))

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                reader, writer = await self._connect()
            except (OSError, ConnectionRefused, TimeoutError, asyncio.IncompleteReadError) as exc:
                log.warning(
                    "MQTT publishing connection failed",
                    extra={"broker": self._where(), "error": str(exc) or type(exc).__name__},
                )
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            backoff = 1.0
            writer.transport.set_write_buffer_limits(high=self.backlog)
            self._writer = writer
            self._connected.set()
            try:
                await self._serve(reader, writer)
            except (OSError, asyncio.IncompleteReadError) as exc:
                log.warning(
                    "MQTT publishing connection lost",
                    extra={"broker": self._where(), "error": str(exc) or type(exc).__name__},
                )
            finally:
                self._close()
            await asyncio.sleep(backoff)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        context = self.endpoint.ssl_context()
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.endpoint.host, self.endpoint.port, ssl=context),
            CONNACK_TIMEOUT,
        )
        try:
            writer.write(connect_packet(self.client_id, self.endpoint, KEEPALIVE))
            answer = await asyncio.wait_for(reader.readexactly(4), CONNACK_TIMEOUT)
            if answer[0] != 0x20 or answer[1] != 0x02:
                raise ConnectionRefused("the broker did not answer with CONNACK")
            if answer[3] != 0:
                raise ConnectionRefused(f"the broker refused the connection (code {answer[3]})")
        except BaseException:
            writer.close()
            raise
        return reader, writer

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Keep the connection alive until it ends: PINGREQ every half keep-alive interval,
        whatever comes back (PINGRESP) read and dropped."""

        async def ping() -> None:
            while True:
                await asyncio.sleep(KEEPALIVE / 2)
                writer.write(PINGREQ_PACKET)

        pinger = asyncio.create_task(ping())
        try:
            while await reader.read(4096):
                pass
        finally:
            pinger.cancel()
            # Not `suppress(CancelledError)`: that would swallow a cancellation of this task
            # too (a stop), and it would go on reconnecting.
            await asyncio.gather(pinger, return_exceptions=True)

    def _close(self) -> None:
        writer, self._writer = self._writer, None
        self._connected.clear()
        if writer is not None:
            writer.close()

    def _where(self) -> str:
        return f"{self.endpoint.host}:{self.endpoint.port}"
