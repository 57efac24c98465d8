"""`smartcity mqtt retire-sessions`: the sessions of worker slots (or instances) that do not
come back stop holding back their share of a shared subscription. Against the machine's
Mosquitto, which hands a group's messages in turn to every session in it, connected or not
(docs/mqtt.md, tests/sensorthings/mqtt/test_restart.py)."""

from __future__ import annotations

import fcntl
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from click.testing import CliRunner, Result
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from smartcity.cli import main
from smartcity.sensorthings.mqtt.sessions import consumer_client_id, slot_lock_path
from tests.conftest import free_port


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mosquitto_url: str) -> CliRunner:
    monkeypatch.setenv("SMARTCITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SMARTCITY_MQTT_URL", mosquitto_url)
    monkeypatch.setenv("SMARTCITY_INSTANCE_NAME", f"operator-{uuid.uuid4().hex[:8]}")
    return CliRunner()


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(main, ["mqtt", "retire-sessions", *args], catch_exceptions=False)


class Member:
    """A client in a share group; with `expiry`, its session outlives the connection."""

    def __init__(self, client_id: str, group_filter: str, expiry: int = 0) -> None:
        self.received: list[bytes] = []
        self.session_present: bool | None = None
        self._connected = threading.Event()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
        )
        self.client.on_message = lambda _c, _u, message: self.received.append(
            bytes(message.payload)
        )
        self.client.on_connect = self._on_connect
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = expiry
        self.client.connect("127.0.0.1", 1883, clean_start=False, properties=properties)
        self.client.loop_start()
        assert self._connected.wait(10)
        if group_filter:
            self.client.subscribe(group_filter, qos=1)
            time.sleep(0.3)

    def _on_connect(self, _c: object, _u: object, flags: object, _r: object, _p: object) -> None:
        self.session_present = bool(getattr(flags, "session_present", False))
        self._connected.set()

    def leave(self) -> None:
        """A normal DISCONNECT: a session with an expiry stays, subscribed."""
        self.client.disconnect()
        self.client.loop_stop()


def publish(topic: str, payloads: list[str]) -> None:
    publisher = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"device-{uuid.uuid4().hex[:8]}")
    publisher.connect("127.0.0.1", 1883)
    publisher.loop_start()
    for info in [publisher.publish(topic, payload, qos=1) for payload in payloads]:
        info.wait_for_publish(timeout=10)
    publisher.loop_stop()
    publisher.disconnect()


@pytest.fixture
def group() -> tuple[str, str]:
    """(shared-subscription filter, topic) of a group of its own at the shared broker, on a
    topic no platform instance of another test subscribes to."""
    topic = f"retire-test/{uuid.uuid4().hex[:8]}"
    return f"$share/t{uuid.uuid4().hex[:12]}/{topic}", topic


def test_a_retired_worker_slot_no_longer_takes_a_share(
    cli: CliRunner, group: tuple[str, str]
) -> None:
    group_filter, topic = group
    instance = f"old-{uuid.uuid4().hex[:8]}"
    # The instance ran two worker processes and runs one now: slot 1's session is away.
    stale = Member(consumer_client_id(instance, 1), group_filter, expiry=120)
    stale.leave()
    live = Member(consumer_client_id(instance, 0), group_filter)
    try:
        publish(topic, [f"before-{n}" for n in range(10)])
        time.sleep(0.5)
        assert 0 < len(live.received) < 10  # the stale session took its turns

        result = run(cli, "--instance", instance, "--from-slot", "1", "--yes")
        assert result.exit_code == 0, result.output
        assert f"retired {consumer_client_id(instance, 1)}\n" in result.output
        assert f"retired {consumer_client_id(instance, 63)}\n" in result.output
        assert consumer_client_id(instance, 0) not in result.output
        assert "63 session(s) ended" in result.output

        held = len(live.received)
        publish(topic, [f"after-{n}" for n in range(10)])
        deadline = time.monotonic() + 10
        while len(live.received) < held + 10 and time.monotonic() < deadline:
            time.sleep(0.1)
        after = sorted(p.decode() for p in live.received if p.startswith(b"after-"))
        assert after == sorted(f"after-{n}" for n in range(10))
        assert live.client.is_connected()  # slot 0 was not touched

        # The broker dropped the session, and with it what it had held.
        back = Member(consumer_client_id(instance, 1), "", expiry=0)
        time.sleep(0.3)
        assert back.session_present is False
        assert back.received == []
        back.leave()
    finally:
        live.leave()


def test_a_slot_a_running_worker_holds_is_refused(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, group: tuple[str, str]
) -> None:
    group_filter, _ = group
    instance = f"here-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("SMARTCITY_INSTANCE_NAME", instance)
    data = tmp_path / "data"
    data.mkdir()
    live = Member(consumer_client_id(instance, 0), group_filter)
    with slot_lock_path(data, 0).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running worker process does
        result = run(cli, "--instance", instance, "--slot", "0", "--slot", "1", "--yes")
    try:
        assert result.exit_code != 0
        assert "hold slot(s) 0 now" in result.output
        assert "retired" not in result.output
        assert live.client.is_connected()
    finally:
        live.leave()


def test_asks_before_it_drops_anything(cli: CliRunner) -> None:
    result = cli.invoke(
        main, ["mqtt", "retire-sessions", "--instance", "gone", "--slot", "3"], input="n\n"
    )
    assert result.exit_code != 0
    assert "End 1 session(s) at 127.0.0.1:1883 (smartcity-gone-3)" in result.output
    assert "retired" not in result.output


def test_bad_requests_are_explained(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    both = run(cli, "--instance", "gone", "--slot", "1", "--from-slot", "2", "--yes")
    assert both.exit_code == 2
    assert "not both" in both.output
    bad_name = run(cli, "--instance", "a/b", "--yes")
    assert bad_name.exit_code == 2
    assert "no instance name" in bad_name.output

    monkeypatch.setenv("SMARTCITY_MQTT_URL", f"mqtt://127.0.0.1:{free_port()}")
    down = run(cli, "--instance", "gone", "--slot", "0", "--yes")
    assert down.exit_code == 1
    assert "Cannot connect to the MQTT broker at 127.0.0.1:" in down.output

    monkeypatch.delenv("SMARTCITY_MQTT_URL")
    embedded = run(cli, "--instance", "gone", "--yes")
    assert embedded.exit_code == 1
    assert "embedded broker" in embedded.output
