"""The MQTT broker the platform talks to: embedded (in-process, for the embedded default) or
external (Mosquitto or a cluster, for scale).

Devices authenticate to the embedded broker with an API key as the MQTT password (any user
name); the platform's own clients use a per-process internal credential. What devices may
publish and subscribe to, and what happens to what they publish, is decided by a
`BrokerPolicy` that the modules provide (the SensorThings MQTT extension).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import secrets
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from amqtt.broker import Broker
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from paho.mqtt.enums import CallbackAPIVersion

from smartcity.core.identity.tokens import digest

log = logging.getLogger(__name__)

INTERNAL_USER = "smartcity-internal"


class BrokerPolicy(Protocol):
    """Decisions about device connections of the embedded broker (never about the platform's
    own connections, which may do anything)."""

    def may_connect(self, client_id: str, username: str | None, password: str | None) -> bool:
        """Blocking (may look up the key); run in a thread."""
        ...

    async def may(self, password: str | None, topic: str, action: str) -> bool:
        """May this device `publish` to / `subscribe` to / `receive` from the topic?"""
        ...

    async def received(self, client_id: str, password: str | None, topic: str, data: bytes) -> None:
        """A device published a message (whether or not it may be passed on)."""
        ...


class NoDevices:
    """The policy when no module handles devices: nobody but the platform connects."""

    def may_connect(self, client_id: str, username: str | None, password: str | None) -> bool:
        return False

    async def may(self, password: str | None, topic: str, action: str) -> bool:
        return False

    async def received(self, client_id: str, password: str | None, topic: str, data: bytes) -> None:
        return None


_POLICIES: dict[str, tuple[str, BrokerPolicy]] = {}


class BrokerPortTaken(RuntimeError):
    """The embedded broker's port is in use (typically by a Mosquitto on the same machine)."""


def _is_internal(registration: tuple[str, BrokerPolicy], session: Any) -> bool:
    return session.username == INTERNAL_USER and secrets.compare_digest(
        session.password or "", registration[0]
    )


class ApiKeyAuthPlugin(BaseAuthPlugin):  # type: ignore[misc]
    """amqtt plugin that asks the platform whether a CONNECT's credentials are valid."""

    @dataclass
    class Config:
        policy: str

    async def authenticate(self, *, session: Any) -> bool:
        registration = _POLICIES.get(self.context.config.policy)
        if registration is None:
            return False
        if _is_internal(registration, session):
            return True
        if session.username == INTERNAL_USER or not session.password:
            return False
        return await asyncio.to_thread(
            registration[1].may_connect, session.client_id, session.username, session.password
        )


class PlatformTopicPlugin(BaseTopicPlugin):  # type: ignore[misc]
    """amqtt plugin that lets the platform's policy decide about topics and see what devices
    publish."""

    @dataclass
    class Config:
        policy: str

    async def topic_filtering(
        self, *, session: Any = None, topic: str | None = None, action: Any = None
    ) -> bool:
        registration = _POLICIES.get(self.context.config.policy)
        if registration is None or session is None or topic is None:
            return False
        if _is_internal(registration, session):
            return True
        return await registration[1].may(session.password, topic, str(action))

    async def on_broker_message_received(self, *, client_id: str, message: Any) -> None:
        registration = _POLICIES.get(self.context.config.policy)
        if registration is None or message is None or client_id.startswith(INTERNAL_USER):
            return
        session = self.context.get_session(client_id)
        if session is None or _is_internal(registration, session):
            return
        await registration[1].received(
            client_id, session.password, message.topic, bytes(message.data or b"")
        )


class BrokerHandle(Protocol):
    description: str

    @property
    def endpoint(self) -> MqttEndpoint:
        """How the platform's own clients connect."""
        ...

    def has_subscribers(self, topic: str) -> bool:
        """Whether a message on `topic` would reach anyone (True when it cannot be known)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def is_ready(self) -> tuple[bool, str]: ...


@dataclass(frozen=True)
class MqttEndpoint:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool = False
    # PEM file of the CAs that may sign the broker's certificate (a city's internal CA);
    # None: the system's CAs.
    ca_file: Path | None = None

    def ssl_context(self) -> ssl.SSLContext | None:
        """For mqtts://: TLS with the broker's certificate and host name checked."""
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=self.ca_file)

    def secure(self, client: paho.Client) -> None:
        context = self.ssl_context()
        if context is not None:
            client.tls_set_context(context)


def parse_mqtt_url(url: str, ca_file: Path | None = None) -> MqttEndpoint:
    parts = urlsplit(url)
    return MqttEndpoint(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8883 if parts.scheme == "mqtts" else 1883),
        username=parts.username,
        password=parts.password,
        tls=parts.scheme == "mqtts",
        ca_file=ca_file,
    )


class EmbeddedBroker:
    def __init__(self, host: str, port: int, policy: BrokerPolicy) -> None:
        self.host = host
        self.port = port
        self.internal_password = secrets.token_urlsafe(32)
        self._key = secrets.token_hex(8)
        self.policy = policy
        self._broker: Broker | None = None
        self.description = f"embedded broker on {host}:{port}"

    @property
    def endpoint(self) -> MqttEndpoint:
        """How the platform's own clients connect."""
        return MqttEndpoint(self.host, self.port, INTERNAL_USER, self.internal_password)

    async def start(self) -> None:
        if not port_free(self.host, self.port):
            raise BrokerPortTaken(
                f"Port {self.port} on {self.host} is already in use (is Mosquitto running?). "
                "Set SMARTCITY_MQTT_PORT to a free port for the embedded broker, or "
                f"SMARTCITY_MQTT_URL=mqtt://{self.host}:{self.port} to use that broker instead."
            )
        _POLICIES[self._key] = (self.internal_password, self.policy)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                "smartcity.core.mqtt.ApiKeyAuthPlugin": {"policy": self._key},
                "smartcity.core.mqtt.PlatformTopicPlugin": {"policy": self._key},
            },
        }
        self._broker = Broker(config)
        await self._broker.start()
        log.info("embedded MQTT broker started", extra={"port": self.port})

    async def stop(self) -> None:
        if self._broker is not None:
            with contextlib.suppress(Exception):
                await self._broker.shutdown()
            self._broker = None
        _POLICIES.pop(self._key, None)

    async def disconnect_key(self, key_hash: str) -> int:
        """Closes every device connection that logged in with the API key whose digest is
        `key_hash` (a revoked key); returns how many. The broker then ends each session as
        if its client had gone away."""
        if self._broker is None:
            return 0
        closed = 0
        for session, handler in list(self._broker._sessions.values()):
            password = session.password or ""
            if session.username == INTERNAL_USER or not password:
                continue
            if session.transitions.state != "connected" or handler is None:
                continue
            if secrets.compare_digest(digest(password), key_hash):
                await handler.handle_connection_closed()
                closed += 1
        if closed:
            log.info("closed MQTT connections of a revoked API key", extra={"count": closed})
        return closed

    def has_subscribers(self, topic: str) -> bool:
        # Devices may subscribe to exact topics only (the policy refuses wildcards), so a
        # look-up by name is the whole answer; the platform's own subscriptions do not count.
        if self._broker is None:
            return False
        return bool(self._broker.subscriptions.get(topic))

    async def is_ready(self) -> tuple[bool, str]:
        if self._broker is None:
            return False, "embedded broker not started"
        return await asyncio.to_thread(_mqtt_handshake, self.endpoint)


class ExternalBroker:
    def __init__(self, url: str, ca_file: Path | None = None) -> None:
        # The platform's own connection uses the credentials in the URL.
        self.endpoint = parse_mqtt_url(url, ca_file)
        self.description = f"external broker at {self.endpoint.host}:{self.endpoint.port}"

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def has_subscribers(self, topic: str) -> bool:
        return True  # an external broker does not tell

    async def is_ready(self) -> tuple[bool, str]:
        return await asyncio.to_thread(_mqtt_handshake, self.endpoint)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def _mqtt_handshake(endpoint: MqttEndpoint, timeout: float = 3.0) -> tuple[bool, str]:
    """A full MQTT CONNECT/CONNACK round trip, so a port that merely accepts TCP is not 'ready'."""
    done = threading.Event()
    outcome: dict[str, Any] = {"ok": False, "detail": "no answer from broker"}

    def on_connect(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any = None) -> None:
        outcome["ok"] = not reason.is_failure
        outcome["detail"] = "connected" if outcome["ok"] else f"refused: {reason}"
        done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
    client.on_connect = on_connect
    endpoint.secure(client)
    if endpoint.username is not None:
        client.username_pw_set(endpoint.username, endpoint.password)
    try:
        client.connect(endpoint.host, endpoint.port, keepalive=10)
    except OSError as exc:
        return False, f"cannot connect: {exc.strerror or exc}"
    client.loop_start()
    try:
        done.wait(timeout)
    finally:
        client.disconnect()
        client.loop_stop()
    return bool(outcome["ok"]), str(outcome["detail"])
