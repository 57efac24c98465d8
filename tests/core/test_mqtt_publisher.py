"""Notifications on their own connection: a standard MQTT client subscribed at the broker
receives every message, in order, also after the broker restarted; a broker that refuses the
connection or is away loses notifications, never the process."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from smartcity.core.mqtt import parse_mqtt_url
from smartcity.core.mqtt_publisher import DROPPED, MqttPublisher
from tests.conftest import MosquittoProcess


class Subscriber:
    """paho, subscribed to `topic`, collecting payloads."""

    def __init__(self, url: str, topic: str) -> None:
        endpoint = parse_mqtt_url(url)
        self.received: list[tuple[str, bytes]] = []
        self.client = paho.Client(CallbackAPIVersion.VERSION2)
        subscribed = threading.Event()
        self.client.on_message = lambda _c, _u, m: self.received.append((m.topic, bytes(m.payload)))
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect(endpoint.host, endpoint.port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=0)
        assert subscribed.wait(5)

    def wait_for(self, count: int, seconds: float = 10) -> list[tuple[str, bytes]]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def subscriber(mosquitto_url: str) -> Iterator[Subscriber]:
    listener = Subscriber(mosquitto_url, "publisher-test/#")
    yield listener
    listener.close()


def test_a_burst_arrives_complete_and_in_order(mosquitto_url: str, subscriber: Subscriber) -> None:
    # Sizes around the limits of MQTT's length encoding (one, two and three bytes).
    payloads = [b"x" * size for size in (0, 1, 127, 128, 16_383, 16_384, 200_000)]
    payloads += [f'{{"n":{n}}}'.encode() for n in range(5_000)]

    async def main() -> None:
        publisher = MqttPublisher(parse_mqtt_url(mosquitto_url), "publisher-test-burst")
        await publisher.start()
        assert publisher.connected
        for n, payload in enumerate(payloads):
            assert publisher.publish(f"publisher-test/ä/{n % 7}", payload)
        await publisher.stop()

    asyncio.run(main())
    received = subscriber.wait_for(len(payloads))
    assert [payload for _, payload in received] == payloads
    assert received[3][0] == "publisher-test/ä/3"


def test_publishing_from_another_thread(mosquitto_url: str, subscriber: Subscriber) -> None:
    """Requests (in the thread pool) publish too: their messages go out through the loop."""

    async def main() -> None:
        publisher = MqttPublisher(parse_mqtt_url(mosquitto_url), "publisher-test-thread")
        await publisher.start()
        await asyncio.to_thread(publisher.publish, "publisher-test/thread", b"from a thread")
        await asyncio.sleep(0.1)
        await publisher.stop()

    asyncio.run(main())
    assert subscriber.wait_for(1) == [("publisher-test/thread", b"from a thread")]


def test_it_reconnects_after_the_broker_restarts(shipped_mosquitto: MosquittoProcess) -> None:
    async def main() -> list[tuple[str, bytes]]:
        publisher = MqttPublisher(parse_mqtt_url(shipped_mosquitto.url), "publisher-test-restart")
        await publisher.start()
        assert publisher.connected
        await asyncio.to_thread(shipped_mosquitto.stop)
        deadline = time.monotonic() + 10
        while publisher.connected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        dropped = DROPPED._value.get()
        assert not publisher.publish("publisher-test/away", b"lost")  # a hint, dropped
        assert DROPPED._value.get() == dropped + 1
        await asyncio.to_thread(shipped_mosquitto.start)
        listener = await asyncio.to_thread(Subscriber, shipped_mosquitto.url, "publisher-test/#")
        deadline = time.monotonic() + 15
        while not publisher.connected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert publisher.publish("publisher-test/back", b"again")
        received = await asyncio.to_thread(listener.wait_for, 1)
        listener.close()
        await publisher.stop()
        return received

    assert asyncio.run(main()) == [("publisher-test/back", b"again")]


def test_producers_wait_while_the_broker_falls_behind(
    shipped_mosquitto: MosquittoProcess,
) -> None:
    """Above its backlog the publisher makes producers wait (the ingestion slows down)
    instead of dropping notifications; once the broker reads again, all of them arrive."""
    listener = Subscriber(shipped_mosquitto.url, "publisher-test/#")
    payload = b"n" * 1000

    async def main() -> None:
        publisher = MqttPublisher(
            parse_mqtt_url(shipped_mosquitto.url), "publisher-test-backlog", backlog=64 * 1024
        )
        await publisher.start()
        await publisher.caught_up()  # nothing waiting: at once
        shipped_mosquitto.process.send_signal(signal.SIGSTOP)
        try:
            for _ in range(20):
                for n in range(500):
                    assert publisher.publish(f"publisher-test/backlog/{n % 3}", payload)
                await asyncio.sleep(0)  # the loop turn that writes them
            waiting = asyncio.ensure_future(publisher.caught_up())
            await asyncio.sleep(0.5)
            assert not waiting.done()
        finally:
            shipped_mosquitto.process.send_signal(signal.SIGCONT)
        await asyncio.wait_for(waiting, 10)
        await publisher.stop()

    dropped = DROPPED._value.get()
    asyncio.run(main())
    assert len(listener.wait_for(10_000, seconds=20)) == 10_000
    assert DROPPED._value.get() == dropped
    listener.close()


def test_a_refused_connection_is_not_used(
    refusing_broker: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        publisher = MqttPublisher(parse_mqtt_url(refusing_broker), "publisher-test-refused")
        await publisher.start(wait=1)
        assert not publisher.connected
        assert not publisher.publish("publisher-test/refused", b"nobody hears this")
        await publisher.stop()

    asyncio.run(main())
    failures = [vars(record) for record in caplog.records if record.name.endswith("publisher")]
    assert any("refused the connection" in failure["error"] for failure in failures)
    assert not any("wrong" in str(failure) for failure in failures)  # no password in logs


def test_mqtts_is_never_spoken_in_clear() -> None:
    """With mqtts:// the first bytes on the wire are a TLS handshake, not a CONNECT with the
    password in it."""
    first_bytes: list[bytes] = []

    async def main() -> None:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            first_bytes.append(await reader.read(2))
            writer.close()

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        publisher = MqttPublisher(
            parse_mqtt_url(f"mqtts://platform:secret@127.0.0.1:{port}"), "publisher-test-tls"
        )
        await publisher.start(wait=1)
        assert not publisher.connected
        await publisher.stop()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    assert first_bytes
    assert first_bytes[0][:1] == b"\x16"  # TLS handshake record


def test_a_broker_with_a_certificate_of_the_citys_own_ca(
    tls_mosquitto: tuple[int, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """With SMARTCITY_MQTT_CA_FILE the broker's certificate is checked against that CA;
    without it, the same broker is not trusted and nothing is sent to it."""
    port, ca = tls_mosquitto
    url = f"mqtts://127.0.0.1:{port}"
    trusting = parse_mqtt_url(url, ca)
    received: list[bytes] = []
    subscribed = threading.Event()
    subscriber = paho.Client(CallbackAPIVersion.VERSION2)
    trusting.secure(subscriber)
    subscriber.on_message = lambda _c, _u, m: received.append(bytes(m.payload))
    subscriber.on_subscribe = lambda *_: subscribed.set()
    subscriber.connect(trusting.host, trusting.port)
    subscriber.loop_start()
    subscriber.subscribe("v1.1/Datastreams(1)/Observations", qos=0)
    assert subscribed.wait(5)

    async def main() -> None:
        publisher = MqttPublisher(trusting, "publisher-test-own-ca")
        await publisher.start(wait=5)
        assert publisher.connected
        publisher.publish("v1.1/Datastreams(1)/Observations", b'{"result": 21.5}')
        await asyncio.sleep(0.5)
        await publisher.stop()

        untrusting = MqttPublisher(parse_mqtt_url(url), "publisher-test-system-cas")
        await untrusting.start(wait=1)
        assert not untrusting.connected
        await untrusting.stop()

    asyncio.run(main())
    subscriber.loop_stop()
    subscriber.disconnect()
    assert received == [b'{"result": 21.5}']
    assert any("CERTIFICATE_VERIFY_FAILED" in str(vars(r)) for r in caplog.records)
