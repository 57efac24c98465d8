"""A device that publishes a burst of Observations, as its own process:

    python -m tests.sensorthings.mqtt.publisher PORT TOPIC COUNT [FIRST]

Observation n has phenomenonTime 2026-01-01T00:00:00Z + n seconds and result n. Prints how
many the broker acknowledged."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

START = datetime(2026, 1, 1, tzinfo=UTC)


def main() -> None:
    port, topic, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    acknowledged = 0
    done = threading.Event()
    lock = threading.Lock()

    def on_publish(_c: object, _u: object, _mid: int, _reason: object, _p: object) -> None:
        nonlocal acknowledged
        with lock:
            acknowledged += 1
            if acknowledged == count:
                done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"burst-{first}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    for n in range(first, first + count):
        moment = (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        client.publish(topic, f'{{"phenomenonTime":"{moment}","result":{n}}}', qos=1)
    done.wait(600)
    client.disconnect()
    client.loop_stop()
    print(acknowledged)


if __name__ == "__main__":
    main()
