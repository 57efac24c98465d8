"""Load benchmark (issue 20, item 2): many concurrent clients on one public API, on SQLite and
on PostgreSQL — every request answered, no 503 and no 500, and /readyz answering meanwhile.

    python -m bench.load --seconds 15 --clients 50 200 500

Starts `smartcity serve` (one worker process, the demo data) per database and runs wrk (two
threads) with each number of open connections against `GET /dresden/api/v1/citizen/services`,
while a Python client asks `/readyz` twice a second. Reports requests/s, latency percentiles,
answers other than 2xx and socket errors, and the readiness answers by status.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.run import drop_postgres, postgres_database, start_server
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.demo import create_demo_data

PATH = "/dresden/api/v1/citizen/services"


def _wrk(base: str, clients: int, seconds: int) -> dict[str, Any]:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{seconds}s",
            "--timeout",
            "60s",
            "--latency",
            base + PATH,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures: dict[str, Any] = {"clients": clients}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    figures["req_per_s"] = float(rate.group(1)) if rate else None
    total = re.search(r"(\d+) requests in", output)
    figures["requests"] = int(total.group(1)) if total else None
    for share in ("50", "90", "99"):
        found = re.search(rf"\s{share}%\s+([\d.]+)(us|ms|s)", output)
        if found:
            value, unit = float(found.group(1)), found.group(2)
            figures[f"p{share}_ms"] = round(value * {"us": 0.001, "ms": 1, "s": 1000}[unit], 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non_2xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    figures["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    return figures


def _readiness(base: str, stop: threading.Event, seen: Counter[str]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            try:
                seen[str(client.get("/readyz").status_code)] += 1
            except httpx.HTTPError as exc:
                seen[type(exc).__name__] += 1
            stop.wait(0.5)


def run(
    name: str, database_url: str, data_dir: Path, clients: list[int], seconds: int
) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, database_url=database_url, demo_mode=True)
    platform = Platform.from_settings(settings)
    create_demo_data(platform, modules=("core", "citizen"))
    platform.engine.dispose()
    server, base = start_server(data_dir, database_url)
    rows = []
    try:
        for _ in range(50):
            httpx.get(base + PATH)  # warm up
        for count in clients:
            seen: Counter[str] = Counter()
            stop = threading.Event()
            probe = threading.Thread(target=_readiness, args=(base, stop, seen))
            probe.start()
            try:
                figures = _wrk(base, count, seconds)
            finally:
                stop.set()
                probe.join()
            figures["readyz"] = dict(seen)
            print(json.dumps({"backend": name, **figures}), file=sys.stderr, flush=True)
            rows.append(figures)
            time.sleep(2)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()  # a server still busy with the last burst
            server.wait(10)
    return {"backend": name, "runs": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install wrk; `make bench` installs it)")
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            reports.append(
                run("sqlite", "", Path(tmp) / "sqlite" / "data", args.clients, args.seconds)
            )
        if args.backend in ("postgresql", "both"):
            url = postgres_database()
            if url is not None:
                try:
                    reports.append(
                        run(
                            "postgresql", url, Path(tmp) / "pg" / "data", args.clients, args.seconds
                        )
                    )
                finally:
                    drop_postgres(url)
    print(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
