"""A device process for the ingestion benchmark:

    python -m bench.publisher PORT DATASTREAM_IDS_JSON COUNT FIRST RATE [BATCH]

Publishes COUNT Observations (QoS 1) round-robin over the Datastreams, at RATE per second
(0: as fast as possible), each carrying its send time in `parameters.sent`; prints how many
the broker acknowledged. At RATE 0 it builds every message first, prints "ready" and starts
when a line arrives on its standard input. With BATCH > 1, as a gateway would: BATCH readings
per message on `v1.1/CreateObservations` (dataArray)."""

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
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    acknowledged = 0
    done = threading.Event()
    # paho numbers messages with 16 bits: with more than 65,535 waiting at once, numbers repeat
    # and messages are lost inside the client (a run of 75,000 prebuilt messages never ended).
    room = threading.BoundedSemaphore(20_000)

    def on_publish(*_: object) -> None:
        nonlocal acknowledged
        room.release()
        acknowledged += batch
        if acknowledged >= count:
            done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{first}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    steps = range(first, first + count, batch)
    # As fast as possible: every message is built before the run starts (the benchmark says
    # when), so that building them takes no CPU from the server while it is measured.
    prebuilt = [] if rate else [message(ids, n, first, count, batch) for n in steps]
    if not rate:
        print("ready", flush=True)
        sys.stdin.readline()
    started = time.time()
    for number, start in enumerate(steps):
        if rate:
            pause = started + (start - first) / rate - time.time()
            if pause > 0:
                time.sleep(pause)
            topic, body = message(ids, start, first, count, batch)
        else:
            topic, body = prebuilt[number]
        room.acquire()
        client.publish(topic, body, qos=1)
    done.wait(900)
    client.disconnect()
    client.loop_stop()
    print(min(acknowledged, count))


def message(ids: list[int], start: int, first: int, count: int, batch: int) -> tuple[str, str]:
    """The topic and body of the message that starts with reading number `start`."""
    if batch == 1:
        body = (
            f'{{"phenomenonTime":"{moment(start)}","result":{start % 50},'
            f'"parameters":{{"sent":{time.time():.6f}}}}}'
        )
        return f"v1.1/Datastreams({ids[start % len(ids)]})/Observations", body
    groups: dict[int, list[list[object]]] = {}
    sent = {"sent": round(time.time(), 6)}
    for n in range(start, min(start + batch, first + count)):
        groups.setdefault(ids[n % len(ids)], []).append([moment(n), n % 50, sent])
    body = json.dumps(
        [
            {
                "Datastream": {"@iot.id": ident},
                "components": ["phenomenonTime", "result", "parameters"],
                "dataArray": rows,
            }
            for ident, rows in groups.items()
        ]
    )
    return "v1.1/CreateObservations", body


def moment(n: int) -> str:
    """A distinct phenomenon time per reading number."""
    second = n % 86400
    return (
        f"2026-01-{1 + n // 86400 % 28:02d}T{second // 3600:02d}:"
        f"{second // 60 % 60:02d}:{second % 60:02d}Z"
    )


if __name__ == "__main__":
    main()
