"""Foundation benchmark: request latency through the whole stack and audit-log write rate,
on SQLite and (when reachable) PostgreSQL. Prints a Markdown table for docs/performance.md.

    make bench                     # both backends
    python bench/run.py --backend sqlite --requests 2000

The server runs as a real uvicorn process; requests come from one client process over
loopback, one after another (latency) and from 8 threads (throughput). On a 2-core machine the
client competes with the server for CPU, so throughput figures are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, create_engine, text

from smartcity.core.audit import services as audit
from smartcity.core.db import transaction
from smartcity.core.identity.apikeys import create_api_key
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.demo import create_demo_data

POSTGRES_ADMIN = os.environ.get(
    "SMARTCITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latency(call: Callable[[], int], count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        status = call()
        samples.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    return {
        "p50_ms": statistics.median(samples),
        "p95_ms": percentile(samples, 0.95),
    }


def throughput(call: Callable[[], int], count: int, threads: int = 8) -> float:
    per_thread = count // threads
    errors: list[int] = []

    def work() -> None:
        for _ in range(per_thread):
            status = call()
            if status != 200:
                errors.append(status)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors[:5]
    return per_thread * threads / elapsed


def audit_rate(platform: Platform, count: int) -> float:
    with transaction(platform.sessions) as db:
        dresden = tenancy.get_municipality(db, "dresden")
        scope = tenancy.scope_for(dresden)
    started = time.perf_counter()
    for index in range(count):
        with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
            audit.record(
                db,
                actor="bench",
                action="bench.write",
                resource_type="bench",
                resource_id=index,
                changes={"n": index},
            )
    return count / (time.perf_counter() - started)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (the server's workers)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending += [int(child) for child in children]
    return total


def database_cpu(connection: Connection) -> dict[int, float]:
    """CPU seconds of each other session of the connection's database (the server's
    backends), by process id: PostgreSQL runs on the same cores as what is measured."""
    pids = connection.scalars(
        text(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    ).all()
    # PostgreSQL keeps the activity view as first read in a transaction: end it, or the next
    # reading would miss the sessions opened since.
    connection.rollback()
    return {int(pid): cpu_seconds(int(pid)) for pid in pids}


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two `database_cpu` readings (sessions opened between count whole)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def start_server(
    data_dir: Path, database_url: str, workers: int = 1, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`smartcity serve` as its own process on free ports; returns it and its base URL.
    Several workers need an external broker: the machine's Mosquitto on 1883."""
    port = free_port()
    env = {
        **os.environ,
        "SMARTCITY_DATA_DIR": str(data_dir),
        "SMARTCITY_DATABASE_URL": database_url,
        "SMARTCITY_PORT": str(port),
        "SMARTCITY_MQTT_PORT": str(free_port()),
        "SMARTCITY_DEMO_MODE": "true",
        "SMARTCITY_LOG_LEVEL": "WARNING",
        # The benchmarks send from one address as fast as they can.
        "SMARTCITY_ANONYMOUS_SUBMISSIONS_PER_HOUR": "0",
        "SMARTCITY_WORKERS": str(workers),
    }
    if workers > 1:
        env["SMARTCITY_MQTT_URL"] = os.environ.get("SMARTCITY_MQTT_URL", "mqtt://127.0.0.1:1883")
        # The bench leaves no long-lived session (and no queue of messages) at the broker.
        env["SMARTCITY_MQTT_SESSION_EXPIRY"] = "30"
    env.update(extra_env or {})
    # Warnings and errors go to a file beside the data: a benchmark that stalls says why.
    log = (data_dir.parent / "server.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "smartcity", "serve"], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the server did not start")


def run_backend(name: str, database_url: str, data_dir: Path, requests: int) -> dict[str, object]:
    settings = Settings(
        data_dir=data_dir, database_url=database_url, demo_mode=True, log_level="WARNING"
    )
    platform = Platform.from_settings(settings)
    passwords = create_demo_data(platform)
    with transaction(platform.sessions) as db:
        dresden = tenancy.get_municipality(db, "dresden")
        db.info[SCOPE_KEY] = tenancy.scope_for(dresden)
        _, key = create_api_key(
            db, name="bench", scopes=["audit:read"], actor="bench", grantor=None
        )

    server, base = start_server(data_dir, database_url)
    try:
        client = httpx.Client(base_url=base)
        headers = {"Authorization": f"Bearer {key}"}
        cases: dict[str, Callable[[], int]] = {
            "GET /healthz": lambda: client.get("/healthz").status_code,
            "GET car parks (57, public, tenant-scoped)": lambda: (
                client.get("/dresden/api/v1/parking/car-parks").status_code
            ),
            "GET audit log (API key, 20 entries)": lambda: (
                client.get("/dresden/api/v1/audit?limit=20", headers=headers).status_code
            ),
        }
        results: dict[str, object] = {}
        for label, call in cases.items():
            for _ in range(50):
                call()  # warm up
            figures = latency(call, requests)
            figures["req_per_s_8_threads"] = throughput(call, requests)
            results[label] = figures
        login = {"username": "dresden.admin", "password": passwords["dresden.admin"]}
        results["POST /auth/login (argon2id m=64MiB,t=3,p=4)"] = latency(
            lambda: httpx.post(base + "/auth/login", json=login).status_code, 20
        )
        results["audit entries written per s (one transaction each)"] = round(
            audit_rate(platform, 500), 1
        )
        return {"backend": name, "results": results}
    finally:
        server.terminate()
        server.wait(10)
        platform.engine.dispose()


def postgres_database() -> str | None:
    try:
        admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"smartcity_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name
    except Exception as exc:
        print(f"PostgreSQL not reachable, skipped: {exc}", file=sys.stderr)
        return None


def drop_postgres(url: str) -> None:
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


# What a benchmark measures on one database: its name ("sqlite", "postgresql"), its URL and
# a data directory of its own; the report.
BackendRun = Callable[[str, str, Path], dict[str, Any]]


def run_backends(backend: str, run: BackendRun) -> list[dict[str, Any]]:
    """`run` on each database `--backend` names ("sqlite", "postgresql" or "both"): SQLite in
    a file of a temporary directory, PostgreSQL in a database made for the run and dropped
    afterwards (skipped when the server is not reachable); the reports in that order."""
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        if backend in ("sqlite", "both"):
            directory = Path(tmp) / "sqlite"
            directory.mkdir()
            reports.append(run("sqlite", f"sqlite:///{directory / 'bench.sqlite3'}", directory))
        if backend in ("postgresql", "both"):
            url = postgres_database()
            if url is not None:
                directory = Path(tmp) / "postgresql"
                directory.mkdir()
                try:
                    reports.append(run("postgresql", url, directory))
                finally:
                    drop_postgres(url)
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    # The table below names the databases as docs/performance.md does.
    shown = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    reports = run_backends(
        args.backend,
        lambda name, url, directory: run_backend(shown[name], url, directory, args.requests),
    )
    print(json.dumps(reports, indent=2))
    print()
    print("| backend | measurement | p50 ms | p95 ms | req/s (8 threads) |")
    print("|---|---|---|---|---|")
    for report in reports:
        for label, figures in report["results"].items():
            if isinstance(figures, dict):
                rate = figures.get("req_per_s_8_threads")
                print(
                    f"| {report['backend']} | {label} | {figures['p50_ms']:.1f} | "
                    f"{figures['p95_ms']:.1f} | {f'{rate:.0f}' if rate else '-'} |"
                )
            else:
                print(f"| {report['backend']} | {label} | | | {figures} |")


if __name__ == "__main__":
    main()
