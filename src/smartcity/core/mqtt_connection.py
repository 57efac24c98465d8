"""What the platform's own MQTT connections (`MqttPublisher`, `MqttSubscriber`) share: TCP or
TLS to the broker, CONNECT and CONNACK, keep-alive, reconnecting with a back-off of 1 to 30
seconds, and a clean stop. Each connection says what it sends in CONNECT, what happens once
the broker accepted it and how it reads what the broker sends."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prometheus_client import Counter

from smartcity.core.mqtt import MqttEndpoint
from smartcity.core.mqtt_packets import (
    CONNACK,
    DISCONNECT_PACKET,
    PINGREQ_PACKET,
    MalformedPacket,
    read_packet,
)

DISCONNECTS = Counter("smartcity_mqtt_disconnects_total", "Lost connections to the broker")
KEEPALIVE = 30  # seconds
CONNECT_TIMEOUT = 10.0
MAX_BACKOFF = 30.0


class Refused(Exception):
    """The broker refused the connection (bad credentials, not authorised) or a
    subscription."""


class ConnectionLost(Exception):
    """The broker ended the connection or stopped answering."""


class BrokerConnection:
    def __init__(self, endpoint: MqttEndpoint, client_id: str, log: logging.Logger) -> None:
        self.endpoint = endpoint
        self.client_id = client_id
        self.keepalive = KEEPALIVE
        self._log = log
        self._writer: asyncio.StreamWriter | None = None
        # Set once the connection is of use (connected; for a subscriber: subscribed).
        self._ready = asyncio.Event()
        self._last_read = 0.0
        self._task: asyncio.Task[None] | None = None
        # Packets for the next write: everything of one turn of the event loop goes out in
        # one system call.
        self._waiting: list[bytes] = []
        self._send_scheduled = False

    async def start(self, wait: float = 3.0) -> None:
        """Connect in the background; wait up to `wait` seconds until ready (a broker that
        is down does not hold up the start: connecting goes on)."""
        self._task = asyncio.create_task(self._run(), name=f"mqtt-{self.client_id}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), wait)

    async def stop(self) -> None:
        """Send what waits, then leave (a normal DISCONNECT: a session is kept)."""
        self._send_waiting()
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

    # ---- what each connection says ---------------------------------------------------

    def _connect_packet(self) -> bytes:
        raise NotImplementedError

    def _accepted(self, writer: asyncio.StreamWriter) -> None:
        """The broker accepted CONNECT; `writer` is `self._writer` from now on."""

    async def _serve(self, reader: asyncio.StreamReader) -> None:
        """Read what the broker sends until the connection ends (raise ConnectionLost)."""
        raise NotImplementedError

    def _unsent(self, count: int) -> None:
        """`count` queued packets were not sent: the connection went away first."""

    def _expects_answers(self) -> bool:
        """Whether the broker's silence means the connection is gone (not while reading is
        paused on purpose)."""
        return True

    # ---- shared -----------------------------------------------------------------------

    def _queue(self, packet: bytes) -> None:
        """Send `packet` with everything else queued in this turn of the event loop."""
        self._waiting.append(packet)
        if not self._send_scheduled:
            self._send_scheduled = True
            asyncio.get_running_loop().call_soon(self._send_waiting)

    def _send_waiting(self) -> None:
        self._send_scheduled = False
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        writer = self._writer
        if writer is None or writer.is_closing():
            self._unsent(len(waiting))
            return
        writer.write(b"".join(waiting))

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                reader, writer = await self._connect()
            except (
                OSError,
                Refused,
                TimeoutError,
                asyncio.IncompleteReadError,
                MalformedPacket,
            ) as exc:
                self._log.warning(
                    "MQTT connection failed",
                    extra={"broker": self._where(), "client": self.client_id, "error": _why(exc)},
                )
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            self._writer = writer
            self._last_read = asyncio.get_running_loop().time()
            pinger = asyncio.create_task(self._ping(writer))
            try:
                self._accepted(writer)
                await self._serve(reader)
            except (
                OSError,
                ConnectionLost,
                Refused,
                asyncio.IncompleteReadError,
                MalformedPacket,
            ) as exc:
                self._log.warning(
                    "MQTT connection lost",
                    extra={"broker": self._where(), "client": self.client_id, "error": _why(exc)},
                )
                DISCONNECTS.inc()
            finally:
                pinger.cancel()
                # Not `suppress(CancelledError)`: that would swallow a cancellation of this
                # task too (a stop), and it would go on reconnecting.
                await asyncio.gather(pinger, return_exceptions=True)
                if self._ready.is_set():
                    backoff = 1.0
                self._close()
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF, backoff * 2)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                self.endpoint.host, self.endpoint.port, ssl=self.endpoint.ssl_context()
            ),
            CONNECT_TIMEOUT,
        )
        try:
            writer.write(self._connect_packet())
            kind, body = await asyncio.wait_for(read_packet(reader), CONNECT_TIMEOUT)
            if kind & 0xF0 != CONNACK or len(body) < 2:
                raise Refused("the broker did not answer with CONNACK")
            # 3.1.1: two bytes, code 0 for accepted (also a 3.1.1 broker's answer to an MQTT 5
            # CONNECT: code 1); MQTT 5: reason codes from 0x80 refuse.
            if body[1] >= 0x80 or (len(body) == 2 and body[1] != 0):
                raise Refused(f"the broker refused the connection (reason {body[1]:#04x})")
        except BaseException:
            writer.close()
            raise
        return reader, writer

    async def _ping(self, writer: asyncio.StreamWriter) -> None:
        """PINGREQ every half keep-alive interval; a broker silent for one and a half
        intervals is gone (a half-open connection would otherwise go unnoticed)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.keepalive / 2)
            if self._expects_answers() and loop.time() - self._last_read > self.keepalive * 1.5:
                self._log.warning("MQTT broker stopped answering", extra={"broker": self._where()})
                writer.close()
                return
            writer.write(PINGREQ_PACKET)

    def _close(self) -> None:
        writer, self._writer = self._writer, None
        self._ready.clear()
        # Nothing queued for this connection goes out on the next one.
        if self._waiting:
            self._unsent(len(self._waiting))
            self._waiting = []
        if writer is not None:
            writer.close()

    def _where(self) -> str:
        return f"{self.endpoint.host}:{self.endpoint.port}"


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
