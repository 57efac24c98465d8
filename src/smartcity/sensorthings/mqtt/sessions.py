"""The sessions an instance keeps at an external broker, and how to end those that will not
come back.

Each worker process of an instance takes a numbered slot (held by a file lock in the data
directory while it runs) and consumes with the client id `smartcity-<instance>-<slot>`, on a
persistent session in the instance's share group. The broker hands such a session its turn
of the group's messages even while it is away (docs/mqtt.md, "Sessions that are away"), so
a session whose instance was removed, renamed or runs fewer worker processes now holds back
its share until it expires. Retiring it — a CONNECT with its client id, Clean Start and a
session expiry of 0, then DISCONNECT — makes the broker discard the session, its share-group
subscriptions and whatever it still held.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from smartcity.core.errors import Conflict, ServiceError
from smartcity.core.mqtt import MqttEndpoint

# Worker processes of one instance share the data directory's slot locks; no more than this.
MAX_SLOTS = 64


class BrokerUnavailable(ServiceError):
    status = 503
    title = "Broker unavailable"
    type_slug = "broker-unavailable"


def consumer_client_id(instance: str, slot: int) -> str:
    """The client id of the consuming session of an instance's worker slot."""
    return f"smartcity-{instance}-{slot}"


def slot_lock_path(data_dir: Path, slot: int) -> Path:
    """The file a running worker process holds locked while it uses `slot`."""
    return data_dir / f"mqtt-slot-{slot}.lock"


def slots_in_use(data_dir: Path, slots: Iterable[int]) -> list[int]:
    """Which of `slots` a running worker process of the instance using `data_dir` holds."""
    busy: list[int] = []
    for slot in slots:
        path = slot_lock_path(data_dir, slot)
        if not path.exists():
            continue
        with path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                busy.append(slot)
            else:
                fcntl.flock(handle, fcntl.LOCK_UN)
    return busy


def retire_session(endpoint: MqttEndpoint, client_id: str, *, timeout: float = 10.0) -> None:
    """Ends the broker's session of `client_id`: it stops taking a share of its group's
    messages, and what it held is dropped. A client connected with that id is disconnected
    (the broker hands the id over), so never name a running worker's session."""
    answered = threading.Event()
    closed = threading.Event()
    outcome: dict[str, str] = {}

    def on_connect(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any = None) -> None:
        if reason.is_failure:
            outcome["refused"] = str(reason)
        answered.set()

    def on_disconnect(_c: Any, _u: Any, _f: Any, _reason: Any, _p: Any = None) -> None:
        closed.set()
        answered.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    endpoint.secure(client)
    if endpoint.username is not None:
        client.username_pw_set(endpoint.username, endpoint.password)
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 0
    where = f"{endpoint.host}:{endpoint.port}"
    try:
        client.connect(
            endpoint.host, endpoint.port, keepalive=10, clean_start=True, properties=properties
        )
    except OSError as exc:
        raise BrokerUnavailable(
            f"Cannot connect to the MQTT broker at {where}: {exc.strerror or exc}."
        ) from None
    client.loop_start()
    try:
        if not answered.wait(timeout):
            raise BrokerUnavailable(f"The MQTT broker at {where} did not answer in {timeout:g} s.")
        if "refused" not in outcome and closed.is_set():
            raise BrokerUnavailable(f"The MQTT broker at {where} closed the connection.")
        if "refused" in outcome:
            raise Conflict(
                f"The MQTT broker at {where} refused the client id {client_id}: "
                f"{outcome['refused']} (do the credentials in SMARTCITY_MQTT_URL allow it?)."
            )
        client.disconnect()
        closed.wait(timeout)
    finally:
        client.loop_stop()
