"""Reading a GTFS feed: the validator's report (gtfs-guru, MobilityData's rule codes) and the
streamed import of its files into a new feed version.

The files are read row by row from the zip and written in batches with SQLAlchemy Core, each
batch in a transaction of its own: a city feed has millions of stop times, and neither memory
nor the database's write lock may grow with it. The rows belong to a feed version that is not
active yet, so a half-written feed is never read; `activate` switches in one update. Core
bypasses the tenant hooks of the ORM, so every row is given its municipality explicitly
here (the one place of this module that does so)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import gtfs_guru
from sqlalchemy import Engine, Table, delete

from smartcity.core.db import gather_statistics, table_of
from smartcity.transit.models import (
    Agency,
    Calendar,
    CalendarDate,
    Frequency,
    Route,
    Shape,
    Stop,
    StopTime,
    Trip,
)

# Notices kept per rule code for the operator (the counts are always complete).
EXAMPLES_PER_CODE = 5
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class FeedBroken(Exception):
    """The file cannot be read as a GTFS feed at all (not a zip, a file unreadable)."""


@dataclass
class Report:
    """What the validator found, grouped by rule code."""

    errors: int = 0
    warnings: int = 0
    notices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.errors == 0


def validate(path: Path, today: date | None = None) -> Report:
    """Validate a GTFS zip with gtfs-guru (the MobilityData rules, for Germany)."""
    if not zipfile.is_zipfile(path):
        raise FeedBroken("not a zip archive")
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.testzip() is not None:
                raise FeedBroken("the zip archive is damaged")
    except zipfile.BadZipFile as exc:
        raise FeedBroken("the zip archive is damaged") from exc
    try:
        result = gtfs_guru.validate(
            str(path), country_code="DE", date=today.isoformat() if today else None
        )
    except Exception as exc:  # the validator's own error types are not exported
        raise FeedBroken(f"the validator could not read the feed: {exc}") from exc
    grouped: dict[str, dict[str, Any]] = {}
    for notice in result.notices:
        entry = grouped.setdefault(
            notice.code,
            {"code": notice.code, "severity": notice.severity, "count": 0, "examples": []},
        )
        entry["count"] += 1
        if len(entry["examples"]) < EXAMPLES_PER_CODE:
            entry["examples"].append(
                {
                    "file": notice.file or "",
                    "row": notice.row,
                    "field": notice.field or "",
                    "message": str(notice.message)[:300],
                }
            )
    order = {"ERROR": 0, "WARNING": 1, "INFO": 2}
    notices = sorted(grouped.values(), key=lambda n: (order.get(n["severity"], 3), n["code"]))
    return Report(result.error_count, result.warning_count, notices)


# ---- parsing -----------------------------------------------------------------------------


def seconds(text: str) -> int | None:
    """A GTFS time "H:MM:SS" (hours may pass 24) in seconds; None when empty."""
    text = text.strip()
    if not text:
        return None
    hours, minutes, secs = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(secs)


def gtfs_date(text: str) -> date:
    text = text.strip()
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _int(text: str | None, default: int = 0) -> int:
    return int(text) if text and text.strip() else default


def _float(text: str | None) -> float | None:
    return float(text) if text and text.strip() else None


def _s(row: dict[str, str], name: str, limit: int = 255) -> str:
    return (row.get(name) or "").strip()[:limit]


def _agency(row: dict[str, str]) -> dict[str, Any]:
    return {
        "agency_id": _s(row, "agency_id"),
        "name": _s(row, "agency_name"),
        "url": _s(row, "agency_url", 500),
        "timezone": _s(row, "agency_timezone", 64),
    }


def _stop(row: dict[str, str]) -> dict[str, Any]:
    return {
        "stop_id": _s(row, "stop_id"),
        "code": _s(row, "stop_code", 64),
        "name": _s(row, "stop_name"),
        "lat": _float(row.get("stop_lat")),
        "lon": _float(row.get("stop_lon")),
        "location_type": _int(row.get("location_type")),
        "parent_station": _s(row, "parent_station"),
        "platform_code": _s(row, "platform_code", 64),
        "wheelchair_boarding": _int(row.get("wheelchair_boarding")),
    }


def _route(row: dict[str, str]) -> dict[str, Any]:
    return {
        "route_id": _s(row, "route_id"),
        "agency_id": _s(row, "agency_id"),
        "short_name": _s(row, "route_short_name", 64),
        "long_name": _s(row, "route_long_name"),
        "route_type": _int(row.get("route_type"), 3),
        "color": _s(row, "route_color", 6),
        "text_color": _s(row, "route_text_color", 6),
    }


def _trip(row: dict[str, str]) -> dict[str, Any]:
    direction = (row.get("direction_id") or "").strip()
    return {
        "trip_id": _s(row, "trip_id"),
        "route_id": _s(row, "route_id"),
        "service_id": _s(row, "service_id"),
        "headsign": _s(row, "trip_headsign"),
        "direction_id": int(direction) if direction else None,
        "wheelchair_accessible": _int(row.get("wheelchair_accessible")),
        "shape_id": _s(row, "shape_id"),
    }


def _stop_time(row: dict[str, str]) -> dict[str, Any]:
    arrival = seconds(row.get("arrival_time") or "")
    departure = seconds(row.get("departure_time") or "")
    return {
        "trip_id": _s(row, "trip_id"),
        "stop_sequence": int(row["stop_sequence"]),
        "stop_id": _s(row, "stop_id"),
        "arrival_secs": arrival if arrival is not None else departure,
        "departure_secs": departure if departure is not None else arrival,
        "headsign": _s(row, "stop_headsign"),
        "pickup_type": _int(row.get("pickup_type")),
        "drop_off_type": _int(row.get("drop_off_type")),
    }


def _calendar(row: dict[str, str]) -> dict[str, Any]:
    bits = sum(1 << i for i, day in enumerate(WEEKDAYS) if (row.get(day) or "").strip() == "1")
    return {
        "service_id": _s(row, "service_id"),
        "weekdays": bits,
        "start_date": gtfs_date(row["start_date"]),
        "end_date": gtfs_date(row["end_date"]),
    }


def _calendar_date(row: dict[str, str]) -> dict[str, Any]:
    return {
        "service_id": _s(row, "service_id"),
        "date": gtfs_date(row["date"]),
        "exception_type": int(row["exception_type"]),
    }


def _frequency(row: dict[str, str]) -> dict[str, Any]:
    return {
        "trip_id": _s(row, "trip_id"),
        "start_secs": seconds(row["start_time"]),
        "end_secs": seconds(row["end_time"]),
        "headway_secs": int(row["headway_secs"]),
        "exact_times": _int(row.get("exact_times")),
    }


def _shape(row: dict[str, str]) -> dict[str, Any]:
    return {
        "shape_id": _s(row, "shape_id"),
        "lat": float(row["shape_pt_lat"]),
        "lon": float(row["shape_pt_lon"]),
        "sequence": int(row["shape_pt_sequence"]),
    }


# File, its table, how a row is read. Order matters only for the operator's counts.
FILES: tuple[tuple[str, type[Any], Callable[[dict[str, str]], dict[str, Any]]], ...] = (
    ("agency.txt", Agency, _agency),
    ("stops.txt", Stop, _stop),
    ("routes.txt", Route, _route),
    ("trips.txt", Trip, _trip),
    ("stop_times.txt", StopTime, _stop_time),
    ("calendar.txt", Calendar, _calendar),
    ("calendar_dates.txt", CalendarDate, _calendar_date),
    ("frequencies.txt", Frequency, _frequency),
    ("shapes.txt", Shape, _shape),
)
TABLES: tuple[type[Any], ...] = tuple(model for _, model, _ in FILES)


def _rows(archive: zipfile.ZipFile, name: str) -> Iterator[dict[str, str]]:
    """The rows of one file of the zip, streamed (a file may sit in a sub-folder)."""
    member = next(
        (info for info in archive.infolist() if info.filename.rsplit("/", 1)[-1] == name), None
    )
    if member is None:
        return
    with archive.open(member) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        for row in csv.DictReader(text):
            yield {(key or "").strip(): value for key, value in row.items()}


def import_rows(
    engine: Engine, path: Path, *, feed_id: int, municipality_id: int, batch: int
) -> dict[str, int]:
    """Write every file of the feed into the tables of version `feed_id`; rows per file."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path) as archive:
        for name, model, read in FILES:
            table = table_of(model)
            stamp = {"feed_id": feed_id, "municipality_id": municipality_id}
            pending: list[dict[str, Any]] = []
            written = 0
            for number, row in enumerate(_rows(archive, name), start=2):
                try:
                    pending.append({**read(row), **stamp})
                except (KeyError, ValueError, TypeError) as exc:
                    raise FeedBroken(f"{name}, line {number}: cannot be read ({exc})") from exc
                if len(pending) >= batch:
                    _write(engine, table, pending)
                    written += len(pending)
                    pending = []
            if pending:
                _write(engine, table, pending)
                written += len(pending)
            if written:
                counts[name] = written
    return counts


def _write(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(table.insert(), rows)


def refresh_statistics(engine: Engine) -> None:
    """Give the query planner the new version's row counts (ANALYZE of the feed tables).

    Without them it guesses: SQLite answered a station's departures from the stop times'
    index on the municipality (every row of the feed) instead of the one on stop and time,
    11 s instead of 30 ms per board with 2,000,000 stop times (bench/transit.py);
    PostgreSQL's autovacuum analyses a table only some time after a bulk load."""
    gather_statistics(engine, [table_of(model).name for model in TABLES])


def drop_rows(engine: Engine, feed_id: int, municipality_id: int) -> None:
    """Remove a feed version's rows (a failed import, a superseded version)."""
    for model in TABLES:
        table = table_of(model)
        with engine.begin() as connection:
            connection.execute(
                delete(table).where(
                    table.c.feed_id == feed_id, table.c.municipality_id == municipality_id
                )
            )
