"""Fixtures of the transit tests: the hand-made feed as a zip (or a variant of it), the feed
imported for Dresden, a Stadtwerke staff member, realtime messages built with the bindings,
and a small HTTP server that serves files (with Last-Modified / If-Modified-Since)."""

from __future__ import annotations

import functools
import io
import threading
import zipfile
from collections.abc import Iterator
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from google.transit import gtfs_realtime_pb2

from smartcity.core.db import transaction
from smartcity.core.identity import users
from smartcity.core.platform import Platform
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.transit import feeds
from smartcity.transit.permissions import UTILITY_STAFF
from tests.conftest import PASSWORD, World, staff_client

FEEDS = Path(__file__).parent / "feeds"
BERLIN = ZoneInfo("Europe/Berlin")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Dresden's time."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def feed_zip(changes: dict[str, str | None] | None = None, name: str = "basic") -> bytes:
    """The feed in `feeds/<name>` as a zip; `changes` replaces files (None drops one)."""
    files = {p.name: p.read_text() for p in sorted((FEEDS / name).glob("*.txt"))}
    for file, text in (changes or {}).items():
        if text is None:
            files.pop(file, None)
        else:
            files[file] = text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file, text in files.items():
            archive.writestr(file, text)
    return buffer.getvalue()


def import_feed(platform: Platform, world: World, content: bytes, name: str = "gtfs.zip") -> str:
    """Hand a zip to the feed pipeline for Dresden as an upload would; its final status."""
    with world.tenant(world.dresden) as db:
        path = feeds.store_file(
            platform.settings.data_dir, world.dresden.id, io.BytesIO(content), 10**8
        )
        feed = feeds.add_feed(db, path=path, filename=name, origin="upload", actor="test")
        feed_id = feed.id
    return feeds.process(platform, feed_id, world.dresden.id)


@pytest.fixture
def timetable(platform: Platform, world: World) -> World:
    assert import_feed(platform, world, feed_zip()) == "active"
    return world


@pytest.fixture
def utility(app: Any, world: World) -> TestClient:
    """A member of Dresden's Stadtwerke (role utility_staff), logged in."""
    with transaction(world.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        account = users.create_user(
            db,
            username="dd.stadtwerke",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        users.assign_role(
            db,
            account,
            UTILITY_STAFF,
            municipality=world.dresden,
            region=None,
            department=None,
            actor="test",
        )
    return staff_client(app, "dd.stadtwerke")


def trip_updates(produced: datetime, trips: list[dict[str, Any]]) -> bytes:
    """A GTFS-Realtime TripUpdates feed: each trip {"trip_id", "start_date"?, "start_time"?,
    "canceled"?, "relationship"? (DELETED, DUPLICATED, …), "duplicate"? ({"trip_id",
    "start_date", "start_time"}: the copy's trip_properties), "delay"?, "stops":
    [(stop_sequence | None, stop_id, departure_delay | None, skipped?)]}; an extra trip
    {"trip_id", "added": "ADDED" | "NEW", "route_id", "headsign"?, "times": [(stop_id,
    departure time (a datetime) | None)]}."""
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    message.header.timestamp = int(produced.timestamp())
    for number, trip in enumerate(trips):
        entity = message.entity.add()
        entity.id = f"tu{number}"
        update = entity.trip_update
        update.trip.trip_id = trip["trip_id"]
        if trip.get("start_date"):
            update.trip.start_date = trip["start_date"]
        if trip.get("start_time"):
            update.trip.start_time = trip["start_time"]
        if trip.get("added"):
            update.trip.schedule_relationship = (
                gtfs_realtime_pb2.TripDescriptor.ScheduleRelationship.Value(trip["added"])
            )
            update.trip.route_id = trip.get("route_id", "")
            if trip.get("headsign"):
                update.trip_properties.trip_headsign = trip["headsign"]
            for stop_id, moment in trip.get("times", []):
                stop = update.stop_time_update.add()
                stop.stop_id = stop_id
                if moment is not None:
                    stop.arrival.time = stop.departure.time = int(moment.timestamp())
        if trip.get("canceled"):
            update.trip.schedule_relationship = gtfs_realtime_pb2.TripDescriptor.CANCELED
        if trip.get("relationship"):
            update.trip.schedule_relationship = (
                gtfs_realtime_pb2.TripDescriptor.ScheduleRelationship.Value(trip["relationship"])
            )
        if trip.get("duplicate"):
            copy = trip["duplicate"]
            update.trip_properties.trip_id = copy["trip_id"]
            update.trip_properties.start_date = copy["start_date"]
            update.trip_properties.start_time = copy["start_time"]
        if trip.get("delay") is not None:
            update.delay = trip["delay"]
        for sequence, stop_id, delay, *skipped in trip.get("stops", []):
            stop = update.stop_time_update.add()
            if sequence is not None:
                stop.stop_sequence = sequence
            if stop_id:
                stop.stop_id = stop_id
            if skipped and skipped[0]:
                stop.schedule_relationship = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SKIPPED
            elif delay is not None:
                stop.departure.delay = delay
    payload: bytes = message.SerializeToString()
    return payload


def alerts(produced: datetime, items: list[dict[str, Any]]) -> bytes:
    """A ServiceAlerts feed: each {"header", "description", "stop_id"?, "route_id"?, "effect"?}."""
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = int(produced.timestamp())
    for number, item in enumerate(items):
        entity = message.entity.add()
        entity.id = f"a{number}"
        alert = entity.alert
        informed = alert.informed_entity.add()
        if item.get("stop_id"):
            informed.stop_id = item["stop_id"]
        if item.get("route_id"):
            informed.route_id = item["route_id"]
        alert.effect = item.get("effect", gtfs_realtime_pb2.Alert.DETOUR)
        header = alert.header_text.translation.add()
        header.language, header.text = "de", item["header"]
        english = alert.header_text.translation.add()
        english.language, english.text = "en", item.get("header_en", item["header"])
        description = alert.description_text.translation.add()
        description.language, description.text = "de", item.get("description", "")
    payload: bytes = message.SerializeToString()
    return payload


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on localhost serving a directory (Python's own: it sends Last-Modified
    and answers If-Modified-Since with 304)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    requests: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        _QuietHandler.requests.append(dict(self.headers))
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def requests_seen() -> list[dict[str, str]]:
    _QuietHandler.requests.clear()
    return _QuietHandler.requests


@pytest.fixture
def private_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the downloads reach the test server on localhost."""
    monkeypatch.setenv("SMARTCITY_TRANSIT_ALLOW_PRIVATE_ADDRESSES", "true")


def live_feed() -> bytes:
    """The test feed plus tram 1 every 10 minutes around the clock from Hauptplatz, valid
    from a week ago for a year: the pages, which ask for the real "now", always have
    departures to show."""
    from datetime import date, timedelta

    today = date.today()
    start, end = today - timedelta(days=7), today + timedelta(days=365)
    calendar = (FEEDS / "basic" / "calendar.txt").read_text()
    calendar += f"ALL,1,1,1,1,1,1,1,{start:%Y%m%d},{end:%Y%m%d}\n"
    calendar = calendar.replace("20261231", f"{end:%Y%m%d}")
    trips = (FEEDS / "basic" / "trips.txt").read_text() + "R1,ALL,A1,Endstelle,0,1\n"
    stop_times = (FEEDS / "basic" / "stop_times.txt").read_text()
    stop_times += (
        "A1,00:00:00,00:00:00,S1a,1\nA1,00:05:00,00:05:00,S2,2\nA1,00:10:00,00:10:00,S3,3\n"
    )
    frequencies = (FEEDS / "basic" / "frequencies.txt").read_text() + "A1,00:00:00,30:00:00,600\n"
    info = (FEEDS / "basic" / "feed_info.txt").read_text().replace("20261231", f"{end:%Y%m%d}")
    return feed_zip(
        {
            "calendar.txt": calendar,
            "trips.txt": trips,
            "stop_times.txt": stop_times,
            "frequencies.txt": frequencies,
            "feed_info.txt": info,
        }
    )


@pytest.fixture
def live_timetable(platform: Platform, world: World) -> World:
    assert import_feed(platform, world, live_feed()) == "active"
    return world
