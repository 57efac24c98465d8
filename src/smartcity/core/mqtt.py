"""The MQTT broker the platform talks to: embedded (in-process, for the embedded default) or
external (Mosquitto or a cluster, for scale).

Devices authenticate to the embedded broker with an API key as the MQTT password (any user
name); the platform's own clients use a per-process internal credential.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from amqtt.broker import Broker
from amqtt.plugins.base import BaseAuthPlugin
from paho.mqtt.enums import CallbackAPIVersion

log = logging.getLogger(__name__)

Authenticator = Callable[[str | None, str | None], bool]
_AUTHENTICATORS: dict[str, Authenticator] = {}


class BrokerPortTaken(RuntimeError):
    """The embedded broker's port is in use (typically by a Mosquitto on the same machine)."""


class ApiKeyAuthPlugin(BaseAuthPlugin):  # type: ignore[misc]
    """amqtt plugin that asks the platform whether a CONNECT's credentials are valid."""

    @dataclass
    class Config:
        authenticator: str

    async def authenticate(self, *, session: Any) -> bool:
        config: Any = self.context.config
        check = _AUTHENTICATORS.get(config.authenticator)
        if check is None:
            return False
        return await asyncio.to_thread(check, session.username, session.password)


class BrokerHandle(Protocol):
    description: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def is_ready(self) -> tuple[bool, str]: ...


@dataclass(frozen=True)
class MqttEndpoint:
    host: str
    port: int
    username: str | None
    password: str | None


def parse_mqtt_url(url: str) -> MqttEndpoint:
    parts = urlsplit(url)
    return MqttEndpoint(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8883 if parts.scheme == "mqtts" else 1883),
        username=parts.username,
        password=parts.password,
    )


class EmbeddedBroker:
    def __init__(self, host: str, port: int, authenticator: Authenticator) -> None:
        self.host = host
        self.port = port
        self.internal_password = secrets.token_urlsafe(32)
        self._key = secrets.token_hex(8)
        self._device_authenticator = authenticator
        self._broker: Broker | None = None
        self.description = f"embedded broker on {host}:{port}"

    def _authenticate(self, username: str | None, password: str | None) -> bool:
        if username == "smartcity-internal":
            return secrets.compare_digest(password or "", self.internal_password)
        return bool(password) and self._device_authenticator(username, password)

    async def start(self) -> None:
        if not port_free(self.host, self.port):
            raise BrokerPortTaken(
                f"Port {self.port} on {self.host} is already in use (is Mosquitto running?). "
                "Set SMARTCITY_MQTT_PORT to a free port for the embedded broker, or "
                f"SMARTCITY_MQTT_URL=mqtt://{self.host}:{self.port} to use that broker instead."
            )
        _AUTHENTICATORS[self._key] = self._authenticate
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {"smartcity.core.mqtt.ApiKeyAuthPlugin": {"authenticator": self._key}},
        }
        self._broker = Broker(config)
        await self._broker.start()
        log.info("embedded MQTT broker started", extra={"port": self.port})

    async def stop(self) -> None:
        if self._broker is not None:
            with contextlib.suppress(Exception):
                await self._broker.shutdown()
            self._broker = None
        _AUTHENTICATORS.pop(self._key, None)

    async def is_ready(self) -> tuple[bool, str]:
        if self._broker is None:
            return False, "embedded broker not started"
        return await asyncio.to_thread(
            _mqtt_handshake,
            MqttEndpoint(self.host, self.port, "smartcity-internal", self.internal_password),
        )


class ExternalBroker:
    def __init__(self, url: str) -> None:
        self.endpoint = parse_mqtt_url(url)
        self.description = f"external broker at {self.endpoint.host}:{self.endpoint.port}"

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

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
