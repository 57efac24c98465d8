"""Ingestion benchmark (issue 4): Observations published over MQTT, end to end.

    python -m bench.ingestion --workers 2

Starts its own Mosquitto configured as shipped (deploy/mosquitto/smartcity.conf), the server
(`smartcity serve`, PostgreSQL, `--workers` processes) and publisher processes (paho, QoS 1),
all on this machine. Measures:

- sustained Observations/s from the first publish until the last one is committed, spread
  over 1, 100 and 10,000 Datastreams: one reading per message (a device), and `--batch`
  readings per message on `v1.1/CreateObservations` (a gateway);
- publish → notification latency (p50/p95) for a subscriber of the Datastream's topic while
  devices publish 1,000 Observations/s;
- the server's memory peak.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import text

from bench.run import (
    cpu_seconds,
    cpu_spent,
    database_cpu,
    drop_postgres,
    free_port,
    percentile,
    postgres_database,
    start_server,
)
from bench.sensorthings import memory_peak_mib
from smartcity.core.db import make_engine, transaction
from smartcity.core.identity.apikeys import create_api_key
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.demo import create_demo_data

STA = "/dresden/sta/v1.1"
SHIPPED = Path(__file__).parent.parent / "deploy" / "mosquitto" / "smartcity.conf"


def start_mosquitto(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    directory.chmod(0o777)  # started as root, Mosquitto drops to its own user to write here
    conf = directory / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence_location {directory}/\n"
        + SHIPPED.read_text()
    )
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(0.5)
    return process, port


def datastreams(base: str, key: str, count: int) -> list[int]:
    """`count` Datastreams on one Thing, created in deep inserts of up to 500."""
    headers = {"Authorization": f"Bearer {key}"}
    ids: list[int] = []
    while len(ids) < count:
        size = min(500, count - len(ids))
        thing = {
            "name": f"bench {len(ids)}",
            "Locations": [
                {
                    "name": "bench",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.73, 51.05]},
                }
            ],
            "Datastreams": [
                {
                    "name": f"stream {len(ids) + n}",
                    "observationType": "OM_Measurement",
                    "unitOfMeasurement": {"name": "°C", "symbol": "°C", "definition": "Cel"},
                    "Sensor": {"name": "s", "encodingType": "text/plain", "metadata": "-"},
                    "ObservedProperty": {"name": "t", "definition": "t"},
                }
                for n in range(size)
            ],
        }
        created = httpx.post(f"{base}{STA}/Things", json=thing, headers=headers, timeout=300)
        assert created.status_code == 201, created.text
        thing_id = created.json()["@iot.id"]
        page = httpx.get(
            f"{base}{STA}/Things({thing_id})/Datastreams?$select=id&$top=1000", timeout=60
        ).json()
        ids += [entry["@iot.id"] for entry in page["value"]]
    return ids


class Database:
    """The benchmark's own view of the database, on one connection: how many Observations
    are stored, and how much CPU the server's database sessions used. (It once opened a
    connection per poll and counted over every Datastream of the run five times a second,
    which took PostgreSQL CPU from the server it measured.)"""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.connection = self.engine.connect()
        self.connection.execution_options(isolation_level="AUTOCOMMIT")

    def largest_id(self) -> int:
        return int(self.connection.scalar(text("SELECT coalesce(max(id), 0) FROM sta_observation")))

    def stored_after(self, largest: int) -> int:
        """Observations with an id above `largest` (ids come from one sequence)."""
        return int(
            self.connection.scalar(
                text("SELECT count(*) FROM sta_observation WHERE id > :id"), {"id": largest}
            )
        )

    def server_cpu(self) -> dict[int, float]:
        """CPU seconds of the other sessions of this database (the server's), by process."""
        return database_cpu(self.connection)

    def close(self) -> None:
        self.connection.close()
        self.engine.dispose()


def publish(
    port: int, ids: list[int], count: int, processes: int, rate: float = 0, batch: int = 1
) -> tuple[int, float]:
    """How many Observations the broker acknowledged, and when publishing started (as fast
    as possible: once every publisher has built its messages)."""
    share = count // processes
    running = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.publisher",
                str(port),
                json.dumps(ids),
                str(share),
                str(n * share),
                str(rate / processes),
                str(batch),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    if not rate:
        for process in running:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    if not rate:
        for process in running:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
    acknowledged = sum(int(p.communicate(timeout=900)[0].strip() or 0) for p in running)
    return acknowledged, started


def sustained(
    database: Database,
    port: int,
    ids: list[int],
    count: int,
    processes: int,
    server: int,
    base: str,
    batch: int = 1,
) -> dict[str, float]:
    largest = database.largest_id()
    unsent_before = unsent_notifications(base)
    listener = MunicipalityListener(port)
    cpu_before, database_before = cpu_seconds(server), database.server_cpu()
    acknowledged, started = publish(port, ids, count, processes, batch=batch)
    assert acknowledged == count, acknowledged
    deadline = time.monotonic() + 600
    while (found := database.stored_after(largest)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {found} of {count} stored after 10 minutes")
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    assert database.stored_after(largest) == count, "stored more than published"
    # The notifications of this run go out (they may lag behind the writes) before the CPU
    # is read and the next run starts.
    time.sleep(5)
    server_cpu = cpu_seconds(server) - cpu_before
    database_cpu = cpu_spent(database_before, database.server_cpu())
    notified = listener.stop()
    result: dict[str, float] = {
        "per_second": round(count / elapsed),
        "server_cpu_us": round(server_cpu / count * 1e6),
        "database_cpu_us": round(database_cpu / count * 1e6),
    }
    if notified is not None:
        result["notified_percent"] = round(notified / count * 100, 1)
        # Those the server could not send (its connection to the broker fell behind); the
        # rest of what was not received, the broker dropped.
        result["unsent_by_server"] = unsent_notifications(base) - unsent_before
    return result


def unsent_notifications(base: str) -> int:
    """`smartcity_mqtt_notifications_unsent_total` of all the server's workers."""
    text = httpx.get(f"{base}/metrics", timeout=10).text
    found = re.search(r"^smartcity_mqtt_notifications_unsent_total (\S+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else 0


class MunicipalityListener:
    """Counts the notifications on the municipality's topic (one per Observation) with
    Mosquitto's own command-line client (C: it keeps up where a Python client would not),
    writing into a file (a pipe nobody reads would stop it). Without mosquitto_sub nothing
    is counted."""

    def __init__(self, port: int) -> None:
        binary = shutil.which("mosquitto_sub")
        topic = f"{STA.split('/')[1]}/v1.1/Observations"
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process: subprocess.Popen[bytes] | None = None
        if binary is not None:
            self.process = subprocess.Popen(
                [binary, "-p", str(port), "-t", topic, "-q", "0", "-F", "."],
                stdout=self.output,
            )
            time.sleep(0.5)  # subscribed before the first publish

    def stop(self) -> int | None:
        if self.process is None:
            return None
        # SIGINT: mosquitto_sub disconnects and flushes what it wrote.
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)
        self.output.seek(0)
        lines = self.output.read().count(b"\n")
        self.output.close()
        return lines


def notification_latency(port: int, ids: list[int], seconds: int, topics: str) -> dict[str, float]:
    samples: list[float] = []
    ready = threading.Event()

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        body = json.loads(message.payload)
        if "@iot.id" in body:  # the notification, not the device's own message
            samples.append((time.time() - body["parameters"]["sent"]) * 1000)

    listener = paho.Client(CallbackAPIVersion.VERSION2)
    listener.on_message = on_message
    listener.on_subscribe = lambda *_: ready.set()
    listener.connect("127.0.0.1", port)
    listener.loop_start()
    # The Datastream's topic, or the municipality's where only that one is notified.
    if "datastream" in topics:
        listener.subscribe(f"v1.1/Datastreams({ids[0]})/Observations", qos=0)
    else:
        listener.subscribe(f"{STA.split('/')[1]}/v1.1/Observations", qos=0)
    ready.wait(5)
    publish(port, ids[:1], 1000 * seconds, 1, rate=1000)
    time.sleep(1)
    listener.disconnect()
    listener.loop_stop()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "samples": len(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="MQTT ingestion benchmark")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--publishers", type=int, default=4, help="publisher processes")
    parser.add_argument("--count", type=int, default=200_000, help="Observations per run")
    parser.add_argument("--latency-seconds", type=int, default=20)
    parser.add_argument(
        "--batch", type=int, default=100, help="readings per bulk message in the gateway runs"
    )
    parser.add_argument("--skip-single", action="store_true", help="only the gateway runs")
    parser.add_argument("--spreads", default="1,100,10000", help="Datastream counts to spread over")
    parser.add_argument(
        "--topics",
        default="datastream,feature,municipality",
        help="SMARTCITY_MQTT_OBSERVATION_TOPICS of the server",
    )
    args = parser.parse_args()
    database_url = postgres_database()
    if database_url is None:
        sys.exit("PostgreSQL is needed for this benchmark")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        broker, port = start_mosquitto(directory)
        settings = Settings(data_dir=directory / "data", database_url=database_url, demo_mode=True)
        platform = Platform.from_settings(settings)
        create_demo_data(platform)
        with transaction(platform.sessions) as db:
            dresden = tenancy.get_municipality(db, "dresden")
            db.info[SCOPE_KEY] = tenancy.scope_for(dresden)
            _, key = create_api_key(
                db, name="bench", scopes=["sta:write"], actor="bench", grantor=None
            )
        platform.engine.dispose()
        server, base = start_server(
            directory / "data",
            database_url,
            args.workers,
            {
                "SMARTCITY_MQTT_URL": f"mqtt://127.0.0.1:{port}",
                "SMARTCITY_INSTANCE_NAME": "bench",
                "SMARTCITY_MQTT_OBSERVATION_TOPICS": args.topics,
            },
        )
        database = Database(database_url)
        try:
            spreads = [int(n) for n in args.spreads.split(",")]
            streams = datastreams(base, key, max(spreads))
            # Latency first, on an idle server.
            results["publish → notification at 1,000/s"] = notification_latency(
                port, streams, args.latency_seconds, args.topics
            )
            for spread in spreads:
                if not args.skip_single:
                    results[f"sustained, {spread} Datastream(s)"] = sustained(
                        database,
                        port,
                        streams[:spread],
                        args.count,
                        args.publishers,
                        server.pid,
                        base,
                    )
                results[f"sustained, {spread} Datastream(s), {args.batch} per message"] = sustained(
                    database,
                    port,
                    streams[:spread],
                    args.count,
                    args.publishers,
                    server.pid,
                    base,
                    args.batch,
                )
            results["server memory peak MiB (parent process)"] = round(memory_peak_mib(server.pid))
            results["server worker processes"] = args.workers
            results["publisher processes"] = args.publishers
            results["notification topics"] = args.topics or "none"
        finally:
            database.close()
            server.terminate()
            server.wait(30)
            # Kept after the run (the temporary directory goes): why a run stalled, if it did.
            shutil.copy(directory / "server.log", Path(tempfile.gettempdir()) / "bench-server.log")
            broker.terminate()
            broker.wait(10)
            drop_postgres(database_url)
    print(json.dumps(results, indent=2))
    print()
    print("| measurement | result |")
    print("|---|---|")
    for label, value in results.items():
        if isinstance(value, dict) and "p50_ms" in value:
            shown = f"p50 {value['p50_ms']} ms, p95 {value['p95_ms']} ms"
        elif isinstance(value, dict):
            shown = (
                f"{value['per_second']} Observations/s; CPU per Observation: server "
                f"{value['server_cpu_us']} µs, database {value['database_cpu_us']} µs"
                + (
                    f"; notified {value['notified_percent']} % "
                    f"({value['unsent_by_server']} not sent by the server)"
                    if "notified_percent" in value
                    else ""
                )
            )
        else:
            shown = str(value)
        print(f"| {label} | {shown} |")


if __name__ == "__main__":
    main()
