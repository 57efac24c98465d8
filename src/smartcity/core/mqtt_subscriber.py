"""The consuming MQTT 5 session (devices' messages in, PUBACK once they are stored), on the
event loop.

paho did this first, in a thread of its own; the ingestion benchmark showed two costs of that.
Every packet went through paho's reading one by one (a `select`, several small `recv` calls, a
message object and a properties object), and the platform's own notifications come back to
this session: they travel on the topics devices create Observations on (18-088 defines both),
the shared subscription matches them, and MQTT 5's No Local is not allowed on shared
subscriptions — two per Observation, which cost about half of an ingesting process's CPU. And
the interpreter lock passed back and forth between paho's thread and the event loop. Here one
read takes whatever the socket holds, every packet in it is parsed in place, and everything
runs on the event loop.

The session outlives connections (Clean Start 0, a session expiry): what was not acknowledged
comes again after a reconnect, marked DUP. A message is acknowledged only on the connection
that brought it; on a later one the broker's redelivery is acknowledged instead (a packet id
of an earlier connection may name another message once the broker has forgotten the session).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import NamedTuple

from smartcity.core.mqtt import MqttEndpoint
from smartcity.core.mqtt_connection import BrokerConnection, ConnectionLost, Refused
from smartcity.core.mqtt_packets import (
    DISCONNECT,
    PINGRESP,
    PUBLISH,
    SUBACK,
    MalformedPacket,
    connect5_packet,
    puback_packet,
    read_variable_integer,
    subscribe_packet,
)

log = logging.getLogger(__name__)

READ_SIZE = 256 * 1024
SUBSCRIBE_ID = 1


class Message(NamedTuple):
    topic: str
    payload: bytes
    packet_id: int  # 0 for QoS 0
    qos: int
    dup: bool  # the broker delivers it again
    connection: int  # the connection that brought it (see `MqttSubscriber.ack`)


class MqttSubscriber(BrokerConnection):
    def __init__(
        self,
        endpoint: MqttEndpoint,
        client_id: str,
        filters: Sequence[str],
        on_message: Callable[[Message], None],
        *,
        session_expiry: int,
        receive_maximum: int,
    ) -> None:
        super().__init__(endpoint, client_id, log)
        self.filters = list(filters)
        self.on_message = on_message
        self.session_expiry = session_expiry
        self.receive_maximum = receive_maximum
        self._connection = 0
        self._reading = asyncio.Event()
        self._reading.set()

    @property
    def connected(self) -> bool:
        """Connected and subscribed."""
        return self._ready.is_set()

    def pause(self) -> None:
        """Read nothing more until `resume` (a read already waiting still hands over what it
        gets): what the broker sends waits in the socket, then at the broker (back-pressure
        while the messages already read are being handled)."""
        self._reading.clear()

    def resume(self) -> None:
        self._reading.set()

    def ack(self, message: Message) -> None:
        """Acknowledge a QoS 1 message (sent with everything else of this event-loop turn).
        Not on a later connection: the broker delivers the message again there."""
        if message.qos == 0 or message.connection != self._connection or self._writer is None:
            return
        self._queue(puback_packet(message.packet_id))

    def _connect_packet(self) -> bytes:
        return connect5_packet(
            self.client_id,
            self.endpoint,
            self.keepalive,
            session_expiry=self.session_expiry,
            receive_maximum=self.receive_maximum,
        )

    def _accepted(self, writer: asyncio.StreamWriter) -> None:
        self._connection += 1
        # Ready once the SUBACK says so (`_suback`).
        writer.write(subscribe_packet(SUBSCRIBE_ID, self.filters, qos=1))

    def _expects_answers(self) -> bool:
        return self._reading.is_set()

    async def _serve(self, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        parts: list[bytes] = []
        have = need = 0
        while True:
            if not self._reading.is_set():
                await self._reading.wait()
                self._last_read = loop.time()
            chunk = await reader.read(READ_SIZE)
            if not chunk:
                raise ConnectionLost("the broker closed the connection")
            self._last_read = loop.time()
            parts.append(chunk)
            have += len(chunk)
            if have < need:
                continue  # a large packet still arriving
            data = parts[0] if len(parts) == 1 else b"".join(parts)
            used, need = self._dispatch(data)
            rest = data[used:]
            parts = [rest] if rest else []
            have = len(rest)

    def _dispatch(self, data: bytes) -> tuple[int, int]:
        """Handle every whole packet in `data`: how many bytes were used, and how many the
        next packet needs in all when its length is known (0 otherwise)."""
        position = 0
        size = len(data)
        while position < size:
            header = data[position]
            found = read_variable_integer(data, position + 1)
            if found is None:
                return position, 0
            length, start = found
            end = start + length
            if end > size:
                return position, end - position
            kind = header & 0xF0
            if kind == PUBLISH:
                self._on_publish(header, data, start, end)
            elif kind == SUBACK:
                self._suback(data, start, end)
            elif kind == DISCONNECT:
                reason = data[start] if length else 0
                raise ConnectionLost(f"the broker disconnected (reason {reason:#04x})")
            elif kind != PINGRESP:
                raise MalformedPacket(f"unexpected packet type {kind >> 4}")
            position = end
        return position, 0

    def _on_publish(self, header: int, data: bytes, start: int, end: int) -> None:
        qos = (header >> 1) & 0x03
        if qos > 1:
            raise MalformedPacket("QoS 2 on a subscription of QoS 1")
        topic_end = start + 2 + (data[start] << 8 | data[start + 1])
        try:
            topic = data[start + 2 : topic_end].decode()
        except UnicodeDecodeError:
            raise MalformedPacket("a topic that is not UTF-8") from None
        position = topic_end
        if position + (2 if qos else 0) > end:
            raise MalformedPacket("a PUBLISH topic longer than the packet")
        packet_id = 0
        if qos:
            packet_id = data[position] << 8 | data[position + 1]
            position += 2
        found = read_variable_integer(data, position)
        if found is None or found[0] + found[1] > end:
            raise MalformedPacket("PUBLISH properties longer than the packet")
        position = found[0] + found[1]
        message = Message(
            topic, data[position:end], packet_id, qos, bool(header & 0x08), self._connection
        )
        try:
            self.on_message(message)
        except Exception:
            # Not acknowledged: it comes again after the next reconnect.
            log.exception("handling an MQTT message failed", extra={"topic": topic})

    def _suback(self, data: bytes, start: int, end: int) -> None:
        found = read_variable_integer(data, start + 2)
        if found is None:
            raise MalformedPacket("SUBACK without properties")
        codes = data[found[0] + found[1] : end]
        refused = [
            self.filters[n]
            for n, code in enumerate(codes)
            if code >= 0x80 and n < len(self.filters)
        ]
        if refused:
            raise Refused(f"the broker refused the subscription to {', '.join(refused)}")
        self._ready.set()
        log.info("MQTT subscribed", extra={"broker": self._where()})
