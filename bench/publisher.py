"""A device process for the ingestion benchmark:

    python -m bench.publisher PORT DATASTREAM_IDS_JSON COUNT FIRST RATE

Publishes COUNT Observations (QoS 1) round-robin over the Datastreams, at RATE per second
(0: as fast as possible), each carrying its send time in `parameters.sent`; prints how many
the broker acknowledged."""

from __future__ import annotations

import json
import sys
import threading
import time

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion


def main() -> None:
    port, ids = int(sys.argv[1]), json.loads(sys.argv[2])
    count, first, rate = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    acknowledged = 0
    done = threading.Event()

    def on_publish(*_: object) -> None:
        nonlocal acknowledged
        acknowledged += 1
        if acknowledged == count:
            done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{first}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.time()
    for n in range(first, first + count):
        if rate:
            pause = started + (n - first) / rate - time.time()
            if pause > 0:
                time.sleep(pause)
        second = n % 86400
        moment = (
            f"2026-01-{1 + n // 86400 % 28:02d}T{second // 3600:02d}:"
            f"{second // 60 % 60:02d}:{second % 60:02d}Z"
        )
        body = (
            f'{{"phenomenonTime":"{moment}","result":{n % 50},'
            f'"parameters":{{"sent":{time.time():.6f}}}}}'
        )
        client.publish(f"v1.1/Datastreams({ids[n % len(ids)]})/Observations", body, qos=1)
    done.wait(900)
    client.disconnect()
    client.loop_stop()
    print(acknowledged)


if __name__ == "__main__":
    main()
