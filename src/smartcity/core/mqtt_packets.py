"""MQTT framing shared by the platform's own connections (`MqttPublisher`, `MqttSubscriber`):
the few packets they send, and reading MQTT's variable-length integers and whole packets.

Only what those two connections need: CONNECT (3.1.1 for notifications, 5 for the consuming
session), PUBLISH with QoS 0, SUBSCRIBE, PUBACK, PINGREQ and DISCONNECT.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Sequence

from smartcity.core.mqtt import MqttEndpoint

CONNACK = 0x20
PUBLISH = 0x30
SUBACK = 0x90
PINGRESP = 0xD0
DISCONNECT = 0xE0
PINGREQ_PACKET = b"\xc0\x00"
# 3.1.1's DISCONNECT; in MQTT 5 the same two bytes mean "normal disconnection" (reason 0),
# which keeps the session.
DISCONNECT_PACKET = b"\xe0\x00"
# The largest value of a variable-length integer (268,435,455: four bytes).
MAX_VARIABLE_INTEGER = 128**4 - 1


class MalformedPacket(Exception):
    """The broker sent something that is not MQTT as we speak it."""


def remaining_length(length: int) -> bytes:
    """MQTT's variable-length integer (3.1.1, 2.2.3; 5, 1.5.5)."""
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | 0x80 if length else byte)
        if not length:
            return bytes(out)


def read_variable_integer(data: bytes, position: int) -> tuple[int, int] | None:
    """The integer at `position` and the position after it; None when `data` ends first."""
    value = 0
    shift = 0
    while True:
        if position >= len(data):
            return None
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
        if shift > 21:
            raise MalformedPacket("a variable-length integer longer than four bytes")


def string(value: str | bytes) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return struct.pack("!H", len(data)) + data


def publish_packet(topic: str, payload: bytes | str) -> bytes:
    """PUBLISH with QoS 0, not retained (3.1.1, 3.3)."""
    body = string(topic) + (payload.encode() if isinstance(payload, str) else payload)
    return b"\x30" + remaining_length(len(body)) + body


def _credentials(endpoint: MqttEndpoint) -> tuple[int, bytes]:
    """CONNECT flags and payload part of the user name and password (3.1.1 allows a password
    only with a user name; so do we in MQTT 5, for brokers of either kind)."""
    flags = 0
    payload = b""
    if endpoint.username is not None or endpoint.password is not None:
        flags |= 0x80
        payload += string(endpoint.username or "")
    if endpoint.password is not None:
        flags |= 0x40
        payload += string(endpoint.password)
    return flags, payload


def connect_packet(client_id: str, endpoint: MqttEndpoint, keepalive: int) -> bytes:
    """CONNECT with a clean session (3.1.1, 3.1): nothing is kept for a publisher."""
    flags, credentials = _credentials(endpoint)
    body = (
        string("MQTT")
        + bytes([4, flags | 0x02])
        + struct.pack("!H", keepalive)
        + string(client_id)
        + credentials
    )
    return b"\x10" + remaining_length(len(body)) + body


def connect5_packet(
    client_id: str,
    endpoint: MqttEndpoint,
    keepalive: int,
    *,
    session_expiry: int,
    receive_maximum: int,
) -> bytes:
    """MQTT 5 CONNECT that resumes the client's session (Clean Start 0, 3.1.2.4) and keeps it
    `session_expiry` seconds after a disconnect; the broker sends at most `receive_maximum`
    QoS 1 messages that are not acknowledged yet (3.1.2.11.3)."""
    flags, credentials = _credentials(endpoint)
    properties = struct.pack("!BIBH", 0x11, session_expiry, 0x21, receive_maximum)
    body = (
        string("MQTT")
        + bytes([5, flags])
        + struct.pack("!H", keepalive)
        + remaining_length(len(properties))
        + properties
        + string(client_id)
        + credentials
    )
    return b"\x10" + remaining_length(len(body)) + body


def subscribe_packet(packet_id: int, filters: Sequence[str], qos: int) -> bytes:
    """MQTT 5 SUBSCRIBE of every filter at `qos`, no properties (3.8)."""
    body = struct.pack("!HB", packet_id, 0) + b"".join(
        string(topic_filter) + bytes([qos]) for topic_filter in filters
    )
    return b"\x82" + remaining_length(len(body)) + body


def puback_packet(packet_id: int) -> bytes:
    """PUBACK, success (the reason code may be left out: 3.4.2.1)."""
    return struct.pack("!BBH", 0x40, 2, packet_id)


async def read_packet(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The next whole packet: its first byte and its body."""
    first = (await reader.readexactly(1))[0]
    length = 0
    for shift in (0, 7, 14, 21):
        byte = (await reader.readexactly(1))[0]
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            return first, await reader.readexactly(length)
    raise MalformedPacket("a variable-length integer longer than four bytes")
