"""SensorThings benchmark (issue 3): single-Observation POST rate, CreateObservations rate,
query latency on a large Observations table, aggregation over a year of minute data, and the
server's memory peak. Prints a Markdown table for docs/performance.md.

    python bench/sensorthings.py --backend postgresql --observations 10000000

The server runs `--workers` uvicorn processes on the same 2-core machine as the client. Single
POSTs come from `wrk` (Debian package; installed by `make bench` when apt is available) because a
Python client saturates before the server does; without wrk, 8 Python threads send them.
Bulk test data is generated inside the database (generate_series / recursive CTE), not through
the API, so that building a 10-million-row table takes minutes instead of hours.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.run import drop_postgres, percentile, postgres_database, start_server
from smartcity.core.db import transaction
from smartcity.core.identity.apikeys import create_api_key
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.demo import create_demo_data

STA = "/dresden/sta/v1.1"
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
MINUTES_PER_YEAR = 525_600


def thing(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "Locations": [
            {
                "name": name,
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [13.73, 51.05]},
            }
        ],
        "Datastreams": [
            {
                "name": f"{name} Temperatur",
                "observationType": "OM_Measurement",
                "unitOfMeasurement": {
                    "name": "degree Celsius",
                    "symbol": "°C",
                    "definition": "Cel",
                },
                "Sensor": {"name": "SHT31", "encodingType": "text/plain", "metadata": "-"},
                "ObservedProperty": {"name": "Temperatur", "definition": "t"},
                "Observations": [{"phenomenonTime": "2024-12-31T00:00:00Z", "result": 1.0}],
            }
        ],
    }


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
local counter = 0
local failed = 0
request = function()
  counter = counter + 1
  local body = string.format(
    '{"phenomenonTime":"2025-06-%02dT%02d:%02d:%02dZ","result":%d}',
    1 + math.floor(counter / 86400) % 28, math.floor(counter / 3600) % 24,
    math.floor(counter / 60) % 60, counter % 60, counter % 30)
  return wrk.format(nil, os.getenv("BENCH_PATH"), nil, body)
end
response = function(status, headers, body)
  if status ~= 201 then failed = failed + 1 end
end
"""


def wrk_posts(base: str, key: str, path: str, seconds: int) -> int:
    """Single POSTs from wrk (C, two threads): a Python client tops out below the server."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    completed = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", script.name, base],
        env={**os.environ, "BENCH_KEY": key, "BENCH_PATH": path},
        capture_output=True,
        text=True,
        check=True,
    )
    Path(script.name).unlink()
    output = completed.stdout
    assert "Non-2xx" not in output, output
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    assert rate is not None, output
    return round(float(rate.group(1)))


def single_posts(base: str, key: str, datastream_id: int, args: argparse.Namespace) -> int:
    path = f"{STA}/Datastreams({datastream_id})/Observations"
    if shutil.which("wrk"):
        return wrk_posts(base, key, path, args.post_seconds)
    local = threading.local()

    def post_one(index: int) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60
            )
        moment = (YEAR_START + timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
        response = local.client.post(path, json={"phenomenonTime": moment, "result": index % 30})
        assert response.status_code == 201, response.text

    return round(parallel(post_one, args.posts))


def bulk_body(datastream_id: int, rows: int = 5000) -> str:
    start = YEAR_START + timedelta(days=100)
    values = [
        [(start + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ"), s % 40] for s in range(rows)
    ]
    return json.dumps(
        [
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": values,
            }
        ]
    )


def bulk_posts(base: str, key: str, datastream_id: int, args: argparse.Namespace) -> int:
    """CreateObservations with 5,000 rows per request, from wrk (4 connections) or, without
    it, from 2 Python threads."""
    body = bulk_body(datastream_id)
    if shutil.which("wrk"):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as data:
            data.write(body)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_BULK_SCRIPT)
        completed = subprocess.run(
            ["wrk", "-t2", "-c4", f"-d{args.post_seconds}s", "-s", script.name, base],
            env={**os.environ, "BENCH_KEY": key, "BENCH_BODY": data.name},
            capture_output=True,
            text=True,
            check=True,
        )
        Path(script.name).unlink()
        Path(data.name).unlink()
        assert "Non-2xx" not in completed.stdout, completed.stdout
        rate = re.search(r"Requests/sec:\s+([0-9.]+)", completed.stdout)
        assert rate is not None, completed.stdout
        return round(float(rate.group(1)) * 5000)
    local = threading.local()

    def post_batch(_index: int) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120
            )
        response = local.client.post(
            f"{STA}/CreateObservations",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 201, response.text

    batches: int = max(2, args.bulk // 5000)
    started = time.perf_counter()
    parallel(post_batch, batches, threads=2)
    return round(batches * 5000 / (time.perf_counter() - started))


WRK_BULK_SCRIPT = """
wrk.method = "POST"
wrk.path = "/dresden/sta/v1.1/CreateObservations"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
local file = io.open(os.getenv("BENCH_BODY"), "r")
wrk.body = file:read("*all")
file:close()
"""


def memory_peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def parallel(call: Callable[[int], None], count: int, threads: int = 8) -> float:
    per_thread = count // threads
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for index in range(per_thread):
                call(offset * per_thread + index)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return per_thread * threads / elapsed


def fill_observations(
    platform: Platform, datastream_id: int, count: int, step_seconds: int, start: datetime
) -> None:
    """`count` Observations, one every `step_seconds`, generated by the database itself."""
    postgres = platform.engine.dialect.name == "postgresql"
    with platform.engine.begin() as connection:
        meta = connection.execute(
            text(
                "SELECT d.municipality_id, o.feature_of_interest_id FROM sta_datastream d "
                "JOIN sta_observation o ON o.datastream_id = d.id WHERE d.id = :d LIMIT 1"
            ),
            {"d": datastream_id},
        ).one()
        params = {
            "d": datastream_id,
            "m": meta[0],
            "f": meta[1],
            "n": count,
            "step": step_seconds,
            "start": start,
        }
        if postgres:
            connection.execute(
                text(
                    """
                    INSERT INTO sta_observation (phenomenon_time_start, result_json,
                        result_number, datastream_id, feature_of_interest_id, municipality_id)
                    SELECT :start + make_interval(secs => g * :step),
                        to_json(20 + (g % 100) / 10.0), 20 + (g % 100) / 10.0, :d, :f, :m
                    FROM generate_series(0, :n - 1) AS g
                    """
                ),
                params,
            )
        else:
            connection.execute(
                text(
                    """
                    WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < :n - 1)
                    INSERT INTO sta_observation (phenomenon_time_start, result_json,
                        result_number, datastream_id, feature_of_interest_id, municipality_id)
                    SELECT strftime('%Y-%m-%d %H:%M:%f', :start_text,
                            '+' || (i * :step) || ' seconds'),
                        20 + (i % 100) / 10.0, 20 + (i % 100) / 10.0, :d, :f, :m
                    FROM g
                    """
                ),
                {**params, "start_text": start.strftime("%Y-%m-%d %H:%M:%S")},
            )


def build_rollups(platform: Platform, datastream_id: int) -> None:
    """What the write paths maintain incrementally, built here in one statement per level."""
    postgres = platform.engine.dialect.name == "postgresql"
    for granularity, pg_unit, sqlite_format in (
        ("hour", "hour", "%Y-%m-%d %H:00:00.000000"),
        ("day", "day", "%Y-%m-%d 00:00:00.000000"),
    ):
        bucket = (
            f"date_trunc('{pg_unit}', phenomenon_time_start)"
            if postgres
            else f"strftime('{sqlite_format}', phenomenon_time_start)"
        )
        with platform.engine.begin() as connection:
            connection.execute(
                # Only constants of this script are formatted into the statement.
                text(
                    f"""
                    INSERT INTO sta_rollup (datastream_id, granularity, bucket_start, count,
                        total, minimum, maximum, municipality_id)
                    SELECT datastream_id, '{granularity}', {bucket}, count(*),
                        sum(result_number), min(result_number), max(result_number),
                        min(municipality_id)
                    FROM sta_observation
                    WHERE datastream_id = :d AND result_number IS NOT NULL
                    GROUP BY datastream_id, {bucket}
                    ON CONFLICT (datastream_id, granularity, bucket_start) DO NOTHING
                    """
                ),
                {"d": datastream_id},
            )


def run_backend(
    name: str, database_url: str, data_dir: Path, args: argparse.Namespace
) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, database_url=database_url, demo_mode=True)
    platform = Platform.from_settings(settings)
    create_demo_data(platform)
    with transaction(platform.sessions) as db:
        dresden = tenancy.get_municipality(db, "dresden")
        db.info[SCOPE_KEY] = tenancy.scope_for(dresden)
        _, key = create_api_key(db, name="bench", scopes=["sta:write"], actor="bench", grantor=None)
    server, base = start_server(data_dir, database_url, args.workers)
    results: dict[str, Any] = {}
    try:
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        ids = {}
        for label in ("post", "bulk", "query", "year"):
            created = client.post(f"{STA}/Things", json=thing(label))
            assert created.status_code == 201, created.text
            ids[label] = client.get(
                f"{STA}/Things({created.json()['@iot.id']})/Datastreams"
            ).json()["value"][0]["@iot.id"]

        for topics in args.notification_topics:
            label = f"notifications on: {topics or 'none'}"
            for kind in ("single", "bulk"):
                # A fresh server per measurement: no backlog of the previous one.
                server.terminate()
                server.wait(30)
                server, base = start_server(
                    data_dir,
                    database_url,
                    args.workers,
                    {"SMARTCITY_MQTT_OBSERVATION_TOPICS": topics},
                )
                if kind == "single":
                    results[f"single POST Observations/s, {label}"] = single_posts(
                        base, key, ids["post"], args
                    )
                else:
                    results[f"CreateObservations Observations/s, {label}"] = bulk_posts(
                        base, key, ids["bulk"], args
                    )
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60)

        filled = time.perf_counter()
        fill_observations(platform, ids["query"], args.observations, 60, YEAR_START)
        fill_observations(platform, ids["year"], MINUTES_PER_YEAR, 60, YEAR_START)
        build_rollups(platform, ids["year"])
        if platform.engine.dialect.name == "postgresql":
            with platform.engine.begin() as connection:
                connection.execute(text("ANALYZE sta_observation"))
        results["generated rows in the database"] = args.observations + MINUTES_PER_YEAR
        results["generation seconds"] = round(time.perf_counter() - filled)

        def window_query() -> int:
            offset = int(time.perf_counter() * 1000) % max(1, args.observations - 1000)
            lower = YEAR_START + timedelta(minutes=offset)
            upper = lower + timedelta(minutes=1000)
            url = (
                f"{STA}/Datastreams({ids['query']})/Observations?$filter=phenomenonTime ge "
                f"{lower:%Y-%m-%dT%H:%M:%SZ} and phenomenonTime lt {upper:%Y-%m-%dT%H:%M:%SZ}"
                "&$top=1000"
            )
            response = client.get(url)
            assert response.status_code == 200
            assert len(response.json()["value"]) == 1000
            return response.status_code

        results["query 1,000 of the big table"] = latency(window_query, args.queries)
        year = (
            f"/dresden/api/v1/sensorthings/datastreams/{ids['year']}/aggregate"
            "?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval="
        )

        def daily() -> int:
            body = client.get(year + "P1D").json()
            assert body["source"] == "rollup"
            assert len(body["value"]) == 365
            return 200

        def hourly() -> int:
            body = client.get(year + "PT1H").json()
            assert body["source"] == "rollup"
            assert len(body["value"]) == 8760
            return 200

        results["aggregate a year of minute data, P1D"] = latency(daily, 50)
        results["aggregate a year of minute data, PT1H"] = latency(hourly, 20)
        results["server memory peak MiB (parent process)"] = round(memory_peak_mib(server.pid))
        results["server worker processes"] = args.workers
    finally:
        server.terminate()
        server.wait(10)
        platform.engine.dispose()
    return {"backend": name, "results": results}


def latency(call: Callable[[], int], count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="SensorThings benchmark")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--posts", type=int, default=2000, help="without wrk: POSTs to send")
    parser.add_argument("--post-seconds", type=int, default=10, help="with wrk: seconds to run")
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--notification-topics",
        nargs="*",
        default=["datastream,feature,municipality", ""],
        help="SMARTCITY_MQTT_OBSERVATION_TOPICS values to measure the write rates with",
    )
    args = parser.parse_args()
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            data = Path(tmp) / "sqlite"
            reports.append(run_backend("SQLite", f"sqlite:///{data}/bench.sqlite3", data, args))
        if args.backend in ("postgresql", "both"):
            url = postgres_database()
            if url:
                try:
                    reports.append(run_backend("PostgreSQL", url, Path(tmp) / "pg", args))
                finally:
                    drop_postgres(url)
    print(json.dumps(reports, indent=2))
    print()
    print("| backend | measurement | result |")
    print("|---|---|---|")
    for report in reports:
        for label, value in report["results"].items():
            shown = (
                f"p50 {value['p50_ms']} ms, p95 {value['p95_ms']} ms"
                if isinstance(value, dict)
                else str(value)
            )
            print(f"| {report['backend']} | {label} | {shown} |")


if __name__ == "__main__":
    main()
