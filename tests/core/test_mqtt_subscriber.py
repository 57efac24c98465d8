"""The consuming session against a real Mosquitto: what is not acknowledged comes again (marked
DUP), also after the broker restarted; an acknowledgement from before a reconnect is not sent
on the new connection; packets of any size, many per read, arrive whole."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from smartcity.core.mqtt import parse_mqtt_url
from smartcity.core.mqtt_subscriber import Message, MqttSubscriber
from tests.conftest import MosquittoProcess


def device_publishes(url: str, messages: list[tuple[str, bytes]]) -> None:
    """A device (paho, QoS 1) publishes and waits for the broker's acknowledgements."""
    endpoint = parse_mqtt_url(url)
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.connect(endpoint.host, endpoint.port)
    client.loop_start()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(10)
    client.disconnect()
    client.loop_stop()


class Inbox:
    """A subscriber and what it received."""

    def __init__(self, url: str, client_id: str, *, ack: bool) -> None:
        self.received: list[Message] = []
        self.ack = ack
        self.subscriber = MqttSubscriber(
            parse_mqtt_url(url),
            client_id,
            ["subscriber-test/#"],
            self._on_message,
            session_expiry=300,
            receive_maximum=100,
        )

    def _on_message(self, message: Message) -> None:
        self.received.append(message)
        if self.ack:
            self.subscriber.ack(message)

    async def wait_for(self, count: int, seconds: float = 10) -> list[Message]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.received


def test_what_is_not_acknowledged_comes_again_after_the_broker_restarts(
    shipped_mosquitto: MosquittoProcess,
) -> None:
    async def main() -> None:
        first = Inbox(shipped_mosquitto.url, "subscriber-test-session", ack=False)
        await first.subscriber.start()
        assert first.subscriber.connected
        await asyncio.to_thread(
            device_publishes,
            shipped_mosquitto.url,
            [("subscriber-test/a", b"one"), ("subscriber-test/b", b"two")],
        )
        got = await first.wait_for(2)
        assert [(m.topic, m.payload, m.qos, m.dup) for m in got] == [
            ("subscriber-test/a", b"one", 1, False),
            ("subscriber-test/b", b"two", 1, False),
        ]
        first.subscriber.ack(got[1])  # only the second is stored
        await asyncio.sleep(0.2)
        await first.subscriber.stop()

        await asyncio.to_thread(shipped_mosquitto.stop)
        await asyncio.to_thread(shipped_mosquitto.start)

        again = Inbox(shipped_mosquitto.url, "subscriber-test-session", ack=True)
        await again.subscriber.start(wait=10)
        got = await again.wait_for(1)
        await asyncio.sleep(0.3)  # nothing more comes
        assert [(m.payload, m.dup) for m in again.received] == [(b"one", True)]
        await again.subscriber.stop()

    asyncio.run(main())


def test_an_acknowledgement_from_before_a_reconnect_is_not_sent(
    shipped_mosquitto: MosquittoProcess,
) -> None:
    """Its packet id may name another message by then: the broker's redelivery is
    acknowledged instead."""

    async def main() -> None:
        inbox = Inbox(shipped_mosquitto.url, "subscriber-test-stale", ack=False)
        await inbox.subscriber.start()
        await asyncio.to_thread(
            device_publishes, shipped_mosquitto.url, [("subscriber-test/x", b"kept")]
        )
        (original,) = await inbox.wait_for(1)
        await asyncio.to_thread(shipped_mosquitto.stop)
        await asyncio.to_thread(shipped_mosquitto.start)
        deadline = time.monotonic() + 15
        while not inbox.subscriber.connected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        redelivered = await inbox.wait_for(2)
        assert [(m.payload, m.dup) for m in redelivered] == [(b"kept", False), (b"kept", True)]
        inbox.subscriber.ack(original)  # from the connection before: not sent
        inbox.subscriber.ack(redelivered[1])
        await asyncio.sleep(0.2)
        await inbox.subscriber.stop()

        later = Inbox(shipped_mosquitto.url, "subscriber-test-stale", ack=True)
        await later.subscriber.start()
        await asyncio.sleep(0.5)
        assert later.received == []  # the redelivery's acknowledgement took it
        await later.subscriber.stop()

    asyncio.run(main())


def test_packets_of_every_size_arrive_whole(shipped_mosquitto: MosquittoProcess) -> None:
    """Around the limits of MQTT's length encoding, one larger than a read, and thousands of
    small ones that arrive many to a read."""
    sizes = [0, 1, 120, 127, 128, 16_383, 16_384, 2_000_000]
    messages = [(f"subscriber-test/size/{n}", b"s" * size) for n, size in enumerate(sizes)]
    messages += [(f"subscriber-test/many/{n % 5}", f'{{"n":{n}}}'.encode()) for n in range(3000)]

    async def main() -> list[Message]:
        inbox = Inbox(shipped_mosquitto.url, "subscriber-test-sizes", ack=True)
        await inbox.subscriber.start()
        await asyncio.to_thread(device_publishes, shipped_mosquitto.url, messages)
        got = await inbox.wait_for(len(messages), seconds=30)
        await inbox.subscriber.stop()
        return got

    got = asyncio.run(main())
    assert [(m.topic, m.payload) for m in got] == messages


def test_a_refused_connection_is_retried_and_logged_without_the_password(
    refusing_broker: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        inbox = Inbox(refusing_broker, "subscriber-test-refused", ack=True)
        await inbox.subscriber.start(wait=1)
        assert not inbox.subscriber.connected
        await inbox.subscriber.stop()

    asyncio.run(main())
    failures = [vars(r) for r in caplog.records if r.name.endswith("mqtt_subscriber")]
    assert any("refused the connection" in failure["error"] for failure in failures)
    assert not any("wrong" in str(failure) for failure in failures)


def test_a_broker_with_a_certificate_of_the_citys_own_ca(tls_mosquitto: tuple[int, Path]) -> None:
    port, ca = tls_mosquitto
    url = f"mqtts://127.0.0.1:{port}"

    async def connects(ca_file: Path | None) -> bool:
        subscriber = MqttSubscriber(
            parse_mqtt_url(url, ca_file),
            "subscriber-test-tls",
            ["subscriber-test/#"],
            lambda _m: None,
            session_expiry=0,
            receive_maximum=10,
        )
        await subscriber.start(wait=5 if ca_file else 1)
        connected = subscriber.connected
        await subscriber.stop()
        return connected

    async def main() -> None:
        assert await connects(ca)
        assert not await connects(None)  # the system's CAs do not know the city's own

    asyncio.run(main())


def test_nothing_is_read_while_paused(shipped_mosquitto: MosquittoProcess) -> None:
    """Back-pressure: while the platform holds enough unstored messages, the rest wait."""

    async def main() -> None:
        inbox = Inbox(shipped_mosquitto.url, "subscriber-test-pause", ack=True)
        await inbox.subscriber.start()
        inbox.subscriber.pause()
        # The read that was already waiting still hands over what it gets.
        await asyncio.to_thread(
            device_publishes, shipped_mosquitto.url, [("subscriber-test/p", b"in the read")]
        )
        assert [m.payload for m in await inbox.wait_for(1)] == [b"in the read"]
        await asyncio.to_thread(
            device_publishes, shipped_mosquitto.url, [("subscriber-test/p", b"later")]
        )
        await asyncio.sleep(0.5)
        assert len(inbox.received) == 1
        inbox.subscriber.resume()
        assert [m.payload for m in await inbox.wait_for(2)] == [b"in the read", b"later"]
        await inbox.subscriber.stop()

    asyncio.run(main())
