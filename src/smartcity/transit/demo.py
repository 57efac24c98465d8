"""Demo data: a small GTFS feed for Dresden (tram line 11 and bus line 62 through Postplatz,
Altmarkt and Albertplatz; the stop names are real, the timetable is made up), imported through
the same validation and import as any feed."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta

from smartcity.core.demo import DemoContext
from smartcity.core.platform import Platform
from smartcity.transit import feeds, services
from smartcity.transit.schemas import SourcesIn

# stop_id, name, lat, lon, location_type, parent, platform, wheelchair
STOPS = [
    ("dd:postplatz", "Postplatz", 51.0508, 13.7331, 1, "", "", 1),
    ("dd:postplatz:1", "Postplatz", 51.0509, 13.7328, 0, "dd:postplatz", "1", 1),
    ("dd:postplatz:2", "Postplatz", 51.0507, 13.7334, 0, "dd:postplatz", "2", 0),
    ("dd:altmarkt", "Altmarkt", 51.0496, 13.7380, 0, "", "", 1),
    ("dd:pirnaischer", "Pirnaischer Platz", 51.0497, 13.7446, 0, "", "", 1),
    ("dd:albertplatz", "Albertplatz", 51.0632, 13.7470, 0, "", "", 2),
    ("dd:hbf", "Hauptbahnhof", 51.0405, 13.7317, 0, "", "", 1),
]
# Line, route_type, stops in order with minutes from the first.
TRAM = [("dd:hbf", 0), ("dd:postplatz:1", 5), ("dd:altmarkt", 7), ("dd:albertplatz", 14)]
BUS = [("dd:albertplatz", 0), ("dd:pirnaischer", 6), ("dd:altmarkt", 8), ("dd:postplatz:2", 11)]
# Tram 11 every 10 minutes from 04:30 until 24:50 (times past midnight on purpose).
TRAM_FIRST, TRAM_HEADWAY, TRAM_TRIPS = 4 * 3600 + 30 * 60, 600, 123
# Bus 62 every 15 minutes from 05:00 until 23:00, as a frequency-based trip.
BUS_START, BUS_END, BUS_HEADWAY = 5 * 3600, 23 * 3600, 900


@dataclass(frozen=True)
class Run:
    """One run of the demo timetable on a service day, as GTFS-Realtime names it: the trip,
    and for the frequency-based bus the run's start time."""

    trip_id: str
    route_id: str
    start: int  # seconds after the service day's "noon minus 12 hours"
    frequency_based: bool
    stops: tuple[tuple[str, int], ...]  # stop_id and seconds after the start, in order

    @property
    def start_time(self) -> str:
        return _time(self.start)


def runs() -> list[Run]:
    """Every run of a service day (the demo's service runs daily)."""
    tram = tuple((stop_id, minutes * 60) for stop_id, minutes in TRAM)
    bus = tuple((stop_id, minutes * 60) for stop_id, minutes in BUS)
    found = [
        Run(f"t11-{number}", "11", TRAM_FIRST + number * TRAM_HEADWAY, False, tram)
        for number in range(TRAM_TRIPS)
    ]
    found += [
        Run("b62", "62", start, True, bus) for start in range(BUS_START, BUS_END, BUS_HEADWAY)
    ]
    return found


def _csv(rows: list[tuple[object, ...]]) -> str:
    return "\n".join(",".join(str(v) for v in row) for row in rows) + "\n"


def _time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def build_feed(today: date) -> bytes:
    """The demo feed as a GTFS zip, valid from a week before `today` for a year."""
    start, end = today - timedelta(days=7), today + timedelta(days=365)
    stop_times: list[tuple[object, ...]] = [
        ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence")
    ]
    trips: list[tuple[object, ...]] = [
        (
            "route_id",
            "service_id",
            "trip_id",
            "trip_headsign",
            "direction_id",
            "wheelchair_accessible",
        )
    ]
    for number in range(TRAM_TRIPS):
        trip_id = f"t11-{number}"
        trips.append(("11", "daily", trip_id, "Albertplatz", 0, 1))
        for sequence, (stop_id, minutes) in enumerate(TRAM, start=1):
            at = _time(TRAM_FIRST + number * TRAM_HEADWAY + minutes * 60)
            stop_times.append((trip_id, at, at, stop_id, sequence))
    trips.append(("62", "daily", "b62", "Postplatz", 1, 2))
    for sequence, (stop_id, minutes) in enumerate(BUS, start=1):
        at = _time(BUS_START + minutes * 60)
        stop_times.append(("b62", at, at, stop_id, sequence))
    files = {
        "agency.txt": _csv(
            [
                ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"),
                (
                    "dvb",
                    "Demo-Verkehrsbetriebe Dresden",
                    "https://example.org",
                    "Europe/Berlin",
                    "de",
                ),
            ]
        ),
        "stops.txt": _csv(
            [
                (
                    "stop_id",
                    "stop_name",
                    "stop_lat",
                    "stop_lon",
                    "location_type",
                    "parent_station",
                    "platform_code",
                    "wheelchair_boarding",
                ),
                *STOPS,
            ]
        ),
        "routes.txt": _csv(
            [
                ("route_id", "agency_id", "route_short_name", "route_long_name", "route_type"),
                ("11", "dvb", "11", "Hauptbahnhof – Albertplatz", 0),
                ("62", "dvb", "62", "Albertplatz – Postplatz", 3),
            ]
        ),
        "trips.txt": _csv(trips),
        "stop_times.txt": _csv(stop_times),
        "frequencies.txt": _csv(
            [
                ("trip_id", "start_time", "end_time", "headway_secs"),
                ("b62", _time(BUS_START), _time(BUS_END), BUS_HEADWAY),
            ]
        ),
        "calendar.txt": _csv(
            [
                (
                    "service_id",
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                    "start_date",
                    "end_date",
                ),
                ("daily", 1, 1, 1, 1, 1, 1, 1, f"{start:%Y%m%d}", f"{end:%Y%m%d}"),
            ]
        ),
        "feed_info.txt": _csv(
            [
                (
                    "feed_publisher_name",
                    "feed_publisher_url",
                    "feed_lang",
                    "feed_start_date",
                    "feed_end_date",
                    "feed_version",
                ),
                (
                    "Smart City Demo",
                    "https://example.org",
                    "de",
                    f"{start:%Y%m%d}",
                    f"{end:%Y%m%d}",
                    "demo",
                ),
            ]
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    platform = context.platform
    with context.tenant_session(dresden) as db:
        if feeds.active_feed(db) is not None:
            return
        directory = platform.settings.data_dir / "transit" / str(dresden.id)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{uuid.uuid4().hex}.zip"
        path.write_bytes(build_feed(date.today()))
        feed = feeds.add_feed(
            db, path=path, filename="dresden-demo-gtfs.zip", origin="upload", actor="demo"
        )
        feed_id = feed.id
    status = feeds.process(platform, feed_id, dresden.id)
    context.say(f"transit: Dresden demo timetable {status}")


def use_realtime(platform: Platform, municipality_id: int, trip_updates: str, alerts: str) -> None:
    """Point the municipality's realtime sources at the simulator's feed (its port changes
    with every start of the demo); the timetable address and staleness stay as they are."""
    with feeds.tenant_transaction(platform, municipality_id) as db:
        source = feeds.source_of(db)
        wanted = SourcesIn(
            gtfs_url=source.gtfs_url,
            trip_updates_url=trip_updates,
            alerts_url=alerts,
            stale_after_seconds=source.stale_after_seconds,
        )
        services.set_sources(db, wanted, "demo")
