"""Public transport benchmark (issue 27): a city-sized GTFS feed imported through the
platform's own pipeline, the next departures of a station, and the kiosk boards of benches.

    python -m bench.transit [--stops 3000] [--stop-times 2000000] [--requests 500]
                            [--kiosks 100] [--backend both] [--seed 27]

The targets of the issue: a feed with 3,000 stops and 2,000,000 stop times is imported in
under 3 minutes with flat memory (streamed); the next departures of a station take p95 < 20 ms
on PostgreSQL and SQLite; 100 kiosk boards refreshing every 30 s cost < 5 % of one core.

**Feed.** Made up, deterministic (`--seed`), written row by row into a zip in a temporary
directory: stations (a jittered grid around Dresden's centre, about 650 m apart), each with
two platforms (one per direction); `--stops` counts both. Lines are random walks over the
grid (25 stations, 15 % trams, the rest buses), each direction on its own platforms; trips of
weekdays, Saturdays and Sundays evenly from 04:30 to 00:30 until `--stop-times` stop times
are written; two night buses as frequency-based trips; calendar valid from a week ago for a
year, with the fixed-date public holidays as exceptions (weekday service removed, Sunday
service added). Also the same feed at a quarter of the size (`--stop-times / 4`).

**Import.** Per database: the demo's two municipalities. First the import stage alone
(`gtfs.import_rows`, the streamed part, into a version that is never activated and is then
removed) at both sizes, each in a child process: its time and peak RSS, which must not grow
with the feed. Then the whole pipeline: the quarter feed goes to Radebeul,
the full feed to Dresden, each as an upload does (stored, queued) and then `feeds.process`
(the job's code path: gtfs-guru validation, streamed import, activation) in a child process
of its own, so that its peak RSS (the child's VmHWM) is that run's alone. A thread of
the child samples VmRSS every 50 ms together with the function the main thread is in, which
gives the import stage's own duration and peak (the validator, Rust, keeps the whole feed in
its memory while it runs). gtfs-guru alone is also run in a child of its own per size: its
time and peak RSS.

**Departures.** `departures.board` for random stations (with their platforms) at random
times (05:00–23:30 local, the next two weeks) in a transaction each, as a request has it; and
through HTTP: `smartcity serve` (uvicorn, one worker) and one client asking
`/dresden/api/v1/transit/stops/{id}/departures` for distinct stations (the route's answers are
kept for 15 s per URL; a repeated station would measure the kept copy).

**Kiosk.** `--kiosks` benches placed up to 150 m from random stations; each asks the kiosk
board for its coordinates once (`/dresden/oepnv/anzeige?lat=…&lon=…`, the page a bench's
display shows; it reloads every 30 s, so each bench asks once per 30 s). The CPU seconds of
the server process (and, on PostgreSQL, of its database sessions) for those requests, divided
by 30 s, is the share of one core they cost.

The client runs on the same machine as the server. Results in docs/performance.md ("Public
transport").
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bench.run import cpu_seconds, cpu_spent, database_cpu, percentile, run_backends, start_server
from smartcity.core.db import transaction
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.demo import create_demo_data
from smartcity.modules import import_models

BERLIN = ZoneInfo("Europe/Berlin")
CENTRE = (51.0504, 13.7373)
# About 650 m between neighbouring stations: the kiosk's 600 m radius finds one to three.
LAT_STEP, LON_STEP = 0.0058, 0.0093
STATIONS_PER_LINE = 25
TRAM_SHARE = 0.15
# Share of a line's trips by service (weekdays, Saturdays, Sundays and holidays).
SERVICES = (("WD", 0.6), ("SA", 0.25), ("SU", 0.15))
FIRST, LAST = 4 * 3600 + 1800, 24 * 3600 + 1800
# Fixed-date public holidays in Saxony (month, day): the calendar's exceptions.
HOLIDAYS = ((1, 1), (5, 1), (10, 3), (10, 31), (12, 25), (12, 26))
NIGHT_LINES = 2


# ---- the feed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    route_id: str
    short_name: str
    route_type: int
    stations: tuple[int, ...]
    run_secs: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    stations: list[tuple[float, float]]
    lines: list[Line]
    night: list[Line]
    trips_per_direction: list[int]


def _hms(secs: int) -> str:
    return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def _station_name(index: int) -> str:
    first = ("Alt", "Neu", "Ober", "Nieder", "Groß", "Klein", "Markt", "Kirch", "Berg", "Wald")
    second = ("straße", "platz", "weg", "brücke", "allee", "ring", "hof", "tor", "gasse", "ufer")
    return f"{first[index % 10]}{second[index // 10 % 10]} {index // 100 + 1}"


def plan(stops: int, stop_times: int, seed: int) -> Plan:
    """Stations on a jittered grid, the lines walking over it, how many trips each has."""
    rng = random.Random(seed)
    count = max(4, stops // 3)
    side = math.ceil(math.sqrt(count))
    stations = []
    for index in range(count):
        row, column = divmod(index, side)
        stations.append(
            (
                CENTRE[0] + (row - side / 2) * LAT_STEP + rng.uniform(-0.0012, 0.0012),
                CENTRE[1] + (column - side / 2) * LON_STEP + rng.uniform(-0.0018, 0.0018),
            )
        )
    length = min(STATIONS_PER_LINE, count)
    line_count = max(2, count // 10)

    def walk() -> tuple[int, ...]:
        current = rng.randrange(count)
        seen = [current]
        while len(seen) < length:
            row, column = divmod(current, side)
            steps = [
                (row + dr) * side + column + dc
                for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (-1, -1))
                if 0 <= column + dc < side and 0 <= (row + dr) * side + column + dc < count
            ]
            fresh = [s for s in steps if s not in seen]
            current = (
                rng.choice(fresh)
                if fresh
                else rng.choice([s for s in range(count) if s not in seen])
            )
            seen.append(current)
        return tuple(seen)

    lines = []
    for number in range(line_count):
        tram = number < max(1, int(line_count * TRAM_SHARE))
        stations_of = walk()
        lines.append(
            Line(
                route_id=f"L{number + 1}",
                short_name=str(number + 1) if tram else str(60 + number),
                route_type=0 if tram else 3,
                stations=stations_of,
                run_secs=tuple(rng.randint(80, 170) for _ in stations_of[1:]),
            )
        )
    night = [
        Line(f"N{n + 1}", f"N{n + 1}", 3, walk(), tuple(90 for _ in range(length - 1)))
        for n in range(NIGHT_LINES)
    ]
    trips = stop_times // length
    each, extra = divmod(trips, line_count * 2)
    per_direction = [each + (1 if n < extra else 0) for n in range(line_count * 2)]
    return Plan(stations, lines, night, per_direction)


@dataclass(frozen=True)
class TripRow:
    trip_id: str
    line: Line
    service: str
    direction: int
    start: int


def _trips(feed: Plan) -> Iterator[TripRow]:
    """Every timetabled trip, in the same order each time (trips.txt, stop_times.txt)."""
    for number, line in enumerate(feed.lines):
        for direction in (0, 1):
            total = feed.trips_per_direction[number * 2 + direction]
            shares = [int(total * share) for _, share in SERVICES]
            shares[0] += total - sum(shares)
            for (service, _), many in zip(SERVICES, shares, strict=True):
                if not many:
                    continue
                headway = (LAST - FIRST) / many
                for k in range(many):
                    start = FIRST + int(k * headway) + direction * 120
                    yield TripRow(
                        f"{line.route_id}-{direction}-{service}-{k}",
                        line,
                        service,
                        direction,
                        start,
                    )
    for line in feed.night:
        for direction in (0, 1):
            yield TripRow(f"{line.route_id}-{direction}", line, "ALL", direction, 3600)


def _platform(station: int, direction: int) -> str:
    return f"ST{station}-{direction + 1}"


def _stop_times(trip: TripRow) -> Iterator[tuple[str, str, str, str, int]]:
    stations = trip.line.stations if trip.direction == 0 else trip.line.stations[::-1]
    runs = trip.line.run_secs if trip.direction == 0 else trip.line.run_secs[::-1]
    clock = trip.start
    for sequence, station in enumerate(stations, start=1):
        dwell = 20 if trip.line.route_type == 0 and 1 < sequence < len(stations) else 0
        yield (
            trip.trip_id,
            _hms(clock),
            _hms(clock + dwell),
            _platform(station, trip.direction),
            sequence,
        )
        if sequence < len(stations):
            clock += dwell + runs[sequence - 1]


def _writer(archive: zipfile.ZipFile, name: str) -> tuple[io.TextIOWrapper, Any]:
    # Each file goes into the zip as it is written: the feed is never whole in memory.
    text = io.TextIOWrapper(archive.open(name, "w", force_zip64=True), encoding="utf-8", newline="")
    return text, csv.writer(text, lineterminator="\n")


def write_feed(path: Path, stops: int, stop_times: int, seed: int, today: date) -> dict[str, Any]:
    """The feed as a GTFS zip at `path`; its row counts and size."""
    started = time.perf_counter()
    feed = plan(stops, stop_times, seed)
    rng = random.Random(seed + 1)
    start, end = today - timedelta(days=7), today + timedelta(days=365)
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:

        def simple(name: str, header: list[str], rows: list[list[Any]]) -> None:
            text, out = _writer(archive, name)
            with text:
                out.writerow(header)
                out.writerows(rows)
            counts[name] = len(rows)

        simple(
            "agency.txt",
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
            [["bench", "Benchverkehrsbetriebe", "https://example.org", "Europe/Berlin", "de"]],
        )
        simple(
            "feed_info.txt",
            ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date",
             "feed_end_date", "feed_version", "feed_contact_email"],
            [["Smart City bench", "https://example.org", "de", f"{start:%Y%m%d}",
              f"{end:%Y%m%d}", str(seed), "bench@example.org"]],
        )  # fmt: skip
        text, out = _writer(archive, "stops.txt")
        with text:
            out.writerow(
                ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type",
                 "parent_station", "platform_code", "wheelchair_boarding"]
            )  # fmt: skip
            for index, (lat, lon) in enumerate(feed.stations):
                name = _station_name(index)
                out.writerow([f"ST{index}", name, f"{lat:.6f}", f"{lon:.6f}", 1, "", "", 1])
                for direction in (0, 1):
                    out.writerow(
                        [_platform(index, direction), name, f"{lat + 0.0001 * direction:.6f}",
                         f"{lon + 0.00015:.6f}", 0, f"ST{index}", direction + 1,
                         rng.choice((0, 0, 1, 2))]
                    )  # fmt: skip
        counts["stops.txt"] = len(feed.stations) * 3
        simple(
            "routes.txt",
            ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
            [
                [line.route_id, "bench", line.short_name,
                 f"{_station_name(line.stations[0])} – {_station_name(line.stations[-1])}",
                 line.route_type]
                for line in feed.lines + feed.night
            ],
        )  # fmt: skip
        text, out = _writer(archive, "trips.txt")
        trips = 0
        with text:
            out.writerow(
                ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id",
                 "wheelchair_accessible"]
            )  # fmt: skip
            for trip in _trips(feed):
                last = trip.line.stations[-1 if trip.direction == 0 else 0]
                accessible = 1 if trip.line.route_type == 0 or trip.start % 3 else 2
                out.writerow(
                    [trip.line.route_id, trip.service, trip.trip_id, _station_name(last),
                     trip.direction, accessible]
                )  # fmt: skip
                trips += 1
        counts["trips.txt"] = trips
        text, out = _writer(archive, "stop_times.txt")
        written = 0
        with text:
            out.writerow(["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"])
            for trip in _trips(feed):
                for row in _stop_times(trip):
                    out.writerow(row)
                    written += 1
        counts["stop_times.txt"] = written
        simple(
            "frequencies.txt",
            ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"],
            [[f"{line.route_id}-{d}", "01:00:00", "04:30:00", 1800, 1]
             for line in feed.night for d in (0, 1)],
        )  # fmt: skip
        rows = [
            [service, *(int(weekday in days) for weekday in range(7)), f"{start:%Y%m%d}",
             f"{end:%Y%m%d}"]
            for service, days in (("WD", range(5)), ("SA", (5,)), ("SU", (6,)),
                                  ("ALL", range(7)))
        ]  # fmt: skip
        simple(
            "calendar.txt",
            ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
             "sunday", "start_date", "end_date"],
            rows,
        )  # fmt: skip
        exceptions = []
        day = start
        while day <= end:
            if (day.month, day.day) in HOLIDAYS and day.weekday() < 6:
                usual = "WD" if day.weekday() < 5 else "SA"
                exceptions += [[usual, f"{day:%Y%m%d}", 2], ["SU", f"{day:%Y%m%d}", 1]]
            day += timedelta(days=1)
        simple("calendar_dates.txt", ["service_id", "date", "exception_type"], exceptions)
    return {
        "rows": counts,
        "stations": len(feed.stations),
        "zip_mb": round(path.stat().st_size / 2**20, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


# ---- child processes: one run each, its own peak RSS -------------------------------------


def _rss_kib(field: str = "VmRSS") -> int:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Stages:
    """Samples VmRSS every 50 ms with the function of the pipeline the main thread is in."""

    WATCHED = ("validate", "import_rows", "_activate", "drop_rows")

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, float]] = {}
        self.stop = threading.Event()
        self.main = threading.main_thread().ident
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _stage(self) -> str:
        frame = sys._current_frames().get(self.main or 0)
        while frame is not None:
            code = frame.f_code
            if code.co_name in self.WATCHED and "smartcity/transit" in code.co_filename:
                return code.co_name
            frame = frame.f_back
        return ""

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            stage, rss, now = self._stage(), _rss_kib(), time.perf_counter()
            if not stage:
                continue
            entry = self.seen.setdefault(stage, {"first": now, "last": now, "rss_kib": rss})
            entry["last"] = now
            entry["rss_kib"] = max(entry["rss_kib"], rss)

    def report(self) -> dict[str, Any]:
        return {
            name: {
                "seconds": round(entry["last"] - entry["first"], 1),
                "peak_rss_mib": round(entry["rss_kib"] / 1024, 1),
            }
            for name, entry in self.seen.items()
        }


def child_validate(zip_path: str) -> dict[str, Any]:
    from smartcity.transit import gtfs

    started = time.perf_counter()
    report = gtfs.validate(Path(zip_path), date.today())
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "errors": report.errors,
        "warnings": report.warnings,
        "codes": [n["code"] for n in report.notices],
    }


def child_process(zip_path: str, database_url: str, data_dir: str, slug: str) -> dict[str, Any]:
    """An upload stored and queued for `slug`, then the job's `feeds.process`."""
    from smartcity.transit import feeds
    from smartcity.transit.models import Feed

    import_models(("core", "transit"))
    settings = Settings(data_dir=Path(data_dir), database_url=database_url, log_level="WARNING")
    platform = Platform.from_settings(settings)
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        municipality = tenancy.get_municipality(db, slug)
        scope = tenancy.scope_for(municipality)
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db, open(zip_path, "rb") as src:
        path = feeds.store_file(settings.data_dir, municipality.id, src, 2**40)
        feed_id = feeds.add_feed(db, path=path, filename="bench.zip", origin="upload",
                                 actor="bench").id  # fmt: skip
    baseline = _rss_kib()
    stages = Stages()
    stages.thread.start()
    started = time.perf_counter()
    status = feeds.process(platform, feed_id, municipality.id)
    seconds = time.perf_counter() - started
    stages.stop.set()
    stages.thread.join()
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        feed = db.get(Feed, feed_id)
        assert feed is not None
        message, counts = feed.message, feed.counts
    platform.engine.dispose()
    return {
        "status": status,
        "message": message,
        "counts": counts,
        "seconds": round(seconds, 1),
        "rss_before_mib": round(baseline / 1024, 1),
        "stages": stages.report(),
    }


def child_import(zip_path: str, database_url: str, data_dir: str, slug: str) -> dict[str, Any]:
    """The import stage alone: `gtfs.import_rows`, what `feeds.process` runs after the
    validator, with the platform's batch size, into a version that is never activated (and
    is removed afterwards). Its peak RSS is the streamed import's own."""
    from smartcity.transit import gtfs
    from smartcity.transit.models import Feed
    from smartcity.transit.settings import TransitSettings

    import_models(("core", "transit"))
    settings = Settings(data_dir=Path(data_dir), database_url=database_url, log_level="WARNING")
    platform = Platform.from_settings(settings)
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        municipality = tenancy.get_municipality(db, slug)
        scope = tenancy.scope_for(municipality)
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        # "importing": the import job never takes it.
        feed = Feed(status="importing", origin="upload", filename="bench", stored_path="")
        db.add(feed)
        db.flush()
        feed_id = feed.id
    baseline = _rss_kib()
    started = time.perf_counter()
    counts = gtfs.import_rows(
        platform.engine,
        Path(zip_path),
        feed_id=feed_id,
        municipality_id=municipality.id,
        batch=TransitSettings().batch_rows,
    )
    seconds = time.perf_counter() - started
    gtfs.drop_rows(platform.engine, feed_id, municipality.id)
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        done = db.get(Feed, feed_id)
        assert done is not None
        done.status, done.message = "superseded", "bench/transit.py: the import stage alone"
    platform.engine.dispose()
    return {
        "seconds": round(seconds, 1),
        "stop_times": counts.get("stop_times.txt", 0),
        "rss_before_mib": round(baseline / 1024, 1),
    }


def in_child(*args: str) -> dict[str, Any]:
    """Run `python -m bench.transit _child …`; its JSON answer with its own peak RSS.

    The peak is the child's VmHWM, not `ru_maxrss` from `wait4`: Linux carries the parent's
    peak over a fork and exec into the child's `ru_maxrss`, so that figure would be this
    process's size, not the child's."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.transit", "_child", *args],
        stdout=subprocess.PIPE,
        env={**os.environ, "SMARTCITY_LOG_LEVEL": "WARNING"},
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed ({child.returncode})")
    answer: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    answer["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    return answer


# ---- departures and kiosk ----------------------------------------------------------------


def _figures(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "p99_ms": round(percentile(samples, 0.99), 1),
    }


def service_departures(platform: Platform, stations: int, count: int, seed: int) -> dict[str, Any]:
    """`departures.board` at random stations and times, one transaction each."""
    from smartcity.transit import departures

    rng = random.Random(seed)
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        dresden = tenancy.get_municipality(db, "dresden")
        scope = tenancy.scope_for(dresden)
    today = datetime.now(BERLIN).date()
    samples, cpu, shown = [], [], []
    for index in range(count + 20):
        day = today + timedelta(days=rng.randrange(14))
        minute = rng.randrange(5 * 60, 23 * 60 + 30)
        now = datetime.combine(day, datetime.min.time(), BERLIN) + timedelta(minutes=minute)
        stop_id = f"ST{rng.randrange(stations)}"
        started, processor = time.perf_counter(), time.process_time()
        with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
            board = departures.board(db, stop_id, now=now)
        if index >= 20:  # the first ones warm up
            samples.append((time.perf_counter() - started) * 1000)
            # On a shared machine the wall time waits for a core; the CPU time does not.
            cpu.append((time.process_time() - processor) * 1000)
            shown.append(len(board.departures))
    return {
        **_figures(samples),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
        "departures_per_board": round(statistics.mean(shown), 1),
    }


def http_departures(
    base: str, server_pid: int, stations: int, count: int, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    order = list(range(stations))
    rng.shuffle(order)
    samples, shown = [], []
    server_cpu = 0.0
    with httpx.Client(base_url=base, timeout=60) as client:
        for index in range(count + 20):
            if index == 20:
                server_cpu = cpu_seconds(server_pid)
            # Another URL each time (the route's answers are kept 15 s per URL).
            station = order[index % stations]
            minutes = 60 - index // stations
            started = time.perf_counter()
            answer = client.get(
                f"/dresden/api/v1/transit/stops/ST{station}/departures?minutes={minutes}"
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, answer.text[:300]
            if index >= 20:
                samples.append(elapsed)
                shown.append(len(answer.json()["departures"]))
    server_cpu = cpu_seconds(server_pid) - server_cpu
    return {
        **_figures(samples),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / count, 1),
        "departures_per_board": round(statistics.mean(shown), 1),
    }


def kiosks(
    base: str, server_pid: int, platform: Platform, feed: Plan, count: int, seed: int
) -> dict[str, Any]:
    """`count` benches ask their board once: the server's CPU for that, per 30 s."""
    rng = random.Random(seed)
    places = []
    for _ in range(count):
        lat, lon = feed.stations[rng.randrange(len(feed.stations))]
        angle, metres = rng.uniform(0, 2 * math.pi), rng.uniform(0, 150)
        places.append(
            (
                lat + metres * math.sin(angle) / 111_320,
                lon + metres * math.cos(angle) / (111_320 * math.cos(math.radians(lat))),
            )
        )
    postgres = platform.engine.dialect.name == "postgresql"
    samples, boards = [], 0
    with httpx.Client(base_url=base, timeout=60) as client, platform.engine.connect() as probe:
        for lat, lon in places[:5]:  # warm up (templates compiled, connections open)
            client.get(f"/dresden/oepnv/anzeige?lat={lat + 0.0001:.6f}&lon={lon:.6f}")
        database_before = database_cpu(probe) if postgres else {}
        server_before = cpu_seconds(server_pid)
        started = time.perf_counter()
        for lat, lon in places:
            began = time.perf_counter()
            answer = client.get(f"/dresden/oepnv/anzeige?lat={lat:.6f}&lon={lon:.6f}")
            samples.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, answer.text[:300]
            boards += answer.text.count("<section")
        wall = time.perf_counter() - started
        server = cpu_seconds(server_pid) - server_before
        database = cpu_spent(database_before, database_cpu(probe)) if postgres else 0.0
    return {
        "kiosks": count,
        "boards_shown": boards,
        "wall_seconds": round(wall, 2),
        "server_cpu_seconds": round(server, 2),
        "database_cpu_seconds": round(database, 2),
        "share_of_one_core_pct": round((server + database) / 30 * 100, 2),
        **{f"request_{k}": v for k, v in _figures(samples).items() if k != "n"},
    }


# ---- per database ------------------------------------------------------------------------


def run_backend(
    name: str,
    database_url: str,
    directory: Path,
    args: argparse.Namespace,
    zips: dict[str, Path],
    feed: Plan,
) -> dict[str, Any]:
    data = directory / "data"
    settings = Settings(data_dir=data, database_url=database_url, log_level="WARNING")
    platform = Platform.from_settings(settings)
    # The transit tables, without the transit demo's own timetable.
    import_models(("core", "transit"))
    create_demo_data(platform, modules=("core",))
    alone = {
        size: in_child("import", str(path), database_url, str(data), "radebeul")
        for size, path in zips.items()
    }
    print(json.dumps({"backend": name, "import_stage_alone": alone}), flush=True)
    # The quarter feed goes to the other municipality: the full one is not a replacement.
    towns = {"quarter": "radebeul", "full": "dresden"}
    imports = {
        size: in_child("process", str(path), database_url, str(data), towns[size])
        for size, path in zips.items()
    }
    print(json.dumps({"backend": name, "process": imports}), flush=True)
    for size, run in imports.items():
        assert run["status"] == "active", (size, run)
    service = service_departures(platform, len(feed.stations), args.requests, args.seed)
    print(json.dumps({"backend": name, "departures_service": service}), flush=True)
    server, base = start_server(data, database_url)
    try:
        http = http_departures(base, server.pid, len(feed.stations), args.requests, args.seed)
        kiosk = kiosks(base, server.pid, platform, feed, args.kiosks, args.seed)
    finally:
        server.terminate()
        server.wait(30)
    log = directory / "server.log"
    problems = [
        line[:300]
        for line in (log.read_text(errors="replace").splitlines() if log.exists() else [])
        if '"level": "ERROR"' in line or "Traceback" in line
    ]
    platform.engine.dispose()
    return {
        "backend": name,
        "import_stage_alone": alone,
        "import": imports,
        "departures_service": service,
        "departures_http": http,
        "kiosk": kiosk,
        "server_errors": problems[-10:],
    }


def table(result: dict[str, Any]) -> str:
    """The Markdown tables for docs/performance.md."""
    lines = ["| feed | stops | stop times | zip MB | validator s | validator peak RSS MiB |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for size, info in result["feeds"].items():
        check = result["validator"][size]
        lines.append(
            f"| {size} | {info['rows']['stops.txt']:,} | {info['rows']['stop_times.txt']:,} | "
            f"{info['zip_mb']} | {check['seconds']} | {check['peak_rss_mib']} |"
        )
    lines += [
        "",
        "| backend | feed | process s (validate + import + activate) | its peak RSS MiB | "
        "import stage alone s | its peak RSS MiB (before it) |",
        "|---|---|---|---|---|---|",
    ]
    for report in result["reports"]:
        for size, run in report["import"].items():
            alone = report["import_stage_alone"][size]
            lines.append(
                f"| {report['backend']} | {size} | {run['seconds']} | {run['peak_rss_mib']} | "
                f"{alone['seconds']} | {alone['peak_rss_mib']} ({alone['rss_before_mib']}) |"
            )
    lines += [
        "",
        "| backend | next departures of a station | n | p50 ms | p95 ms | p99 ms | "
        "CPU ms (p50 / p95; HTTP: server, mean) | departures per board |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for report in result["reports"]:
        for label, key in (("service call", "departures_service"), ("HTTP", "departures_http")):
            f = report[key]
            cpu = (
                f"{f['cpu_p50_ms']} / {f['cpu_p95_ms']}"
                if "cpu_p50_ms" in f
                else str(f["server_cpu_ms_per_request"])
            )
            lines.append(
                f"| {report['backend']} | {label} | {f['n']} | {f['p50_ms']} | {f['p95_ms']} | "
                f"{f['p99_ms']} | {cpu} | {f['departures_per_board']} |"
            )
    lines += [
        "",
        "| backend | kiosks | boards shown | server CPU s | database CPU s | "
        "% of one core (per 30 s) | request p50 / p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for report in result["reports"]:
        k = report["kiosk"]
        lines.append(
            f"| {report['backend']} | {k['kiosks']} | {k['boards_shown']} | "
            f"{k['server_cpu_seconds']} | {k['database_cpu_seconds']} | "
            f"{k['share_of_one_core_pct']} | {k['request_p50_ms']} / {k['request_p95_ms']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_child"]:
        kind, *rest = argv[1:]
        run: dict[str, Callable[..., dict[str, Any]]] = {
            "validate": child_validate,
            "import": child_import,
            "process": child_process,
        }
        answer = run[kind](*rest)
        answer["peak_rss_mib"] = round(_rss_kib("VmHWM") / 1024, 1)
        print(json.dumps(answer), flush=True)
        return answer
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stops", type=int, default=3000)
    parser.add_argument("--stop-times", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--kiosks", type=int, default=100)
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument(
        "--no-quarter", action="store_true", help="skip the quarter-size feed (the smoke test)"
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    loads = [Path("/proc/loadavg").read_text().split()[:3]]
    today = datetime.now(BERLIN).date()
    with tempfile.TemporaryDirectory() as tmp:
        sizes = {"quarter": args.stop_times // 4, "full": args.stop_times}
        if args.no_quarter:
            del sizes["quarter"]
        zips = {size: Path(tmp) / f"{size}.zip" for size in sizes}
        made = {
            size: write_feed(zips[size], args.stops, stop_times, args.seed, today)
            for size, stop_times in sizes.items()
        }
        print(json.dumps({"feeds": made}), flush=True)
        checked = {size: in_child("validate", str(path)) for size, path in zips.items()}
        print(json.dumps({"validator": checked}), flush=True)
        feed = plan(args.stops, args.stop_times, args.seed)
        reports = run_backends(
            args.backend,
            lambda name, url, directory: run_backend(name, url, directory, args, zips, feed),
        )
    loads.append(Path("/proc/loadavg").read_text().split()[:3])
    result = {
        "feeds": made,
        "validator": checked,
        "reports": reports,
        "loadavg": {"start": loads[0], "end": loads[1]},
        "own_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, indent=2))
    print()
    print(table(result))
    return result


if __name__ == "__main__":
    main()
