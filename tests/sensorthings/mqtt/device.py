"""A SensorThings MQTT device as a test sees it: paho, an API key as password."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion


class Device:
    def __init__(self, port: int, key: str | None = None, host: str = "127.0.0.1") -> None:
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.granted: dict[int, list[Any]] = {}
        self._unclaimed: list[tuple[str, Any]] = []
        self._subscribed = threading.Event()
        self._connected = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2)
        if key is not None:
            self.client.username_pw_set("device", key)
        self.client.on_connect = lambda *_args: self._connected.set()
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.connect(host, port)
        self.client.loop_start()
        assert self._connected.wait(5), "device could not connect"

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        try:
            body = json.loads(message.payload)
        except ValueError:
            body = message.payload
        self.messages.put((message.topic, body))

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, reasons: list[Any], _p: Any) -> None:
        self.granted[mid] = reasons
        self._subscribed.set()

    def subscribe(self, topic: str) -> bool:
        """True when the broker granted the subscription."""
        self._subscribed.clear()
        _, mid = self.client.subscribe(topic, qos=1)
        assert mid is not None
        assert self._subscribed.wait(5)
        return not any(reason.is_failure for reason in self.granted[mid])

    def publish(self, topic: str, body: Any) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body)
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def next_message(self, topic: str, timeout: float = 5) -> Any:
        """The oldest message on `topic` not taken yet (messages on other topics are kept)."""
        for index, (got_topic, body) in enumerate(self._unclaimed):
            if got_topic == topic:
                del self._unclaimed[index]
                return body
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got_topic, body = self.messages.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if got_topic == topic:
                return body
            self._unclaimed.append((got_topic, body))
        raise AssertionError(f"no message on {topic}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_for(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")
