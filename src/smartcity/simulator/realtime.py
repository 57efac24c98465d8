"""A simulated GTFS-Realtime producer for the demo timetable (tram 11, frequency-based bus
62): trip updates with delays for the runs on the road and those about to start, now and then
a cancelled run, and a service alert now and then; served over HTTP on the loopback address,
so the platform's realtime poll reads it exactly as it reads an operator's feed."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from google.transit import gtfs_realtime_pb2

from smartcity.core.db import utcnow
from smartcity.transit.demo import Run, runs

# Runs starting within this time get a predicted delay (a board shows the next hour).
HORIZON = timedelta(minutes=60)
# A run is cancelled now and then (the share of the runs).
CANCEL_CHANCE = 0.03
# A vehicle on the road gets later or catches up by up to this much per minute.
DRIFT_PER_MINUTE = (-20, 35)
MAX_DELAY = 15 * 60
# A vehicle's delay is passed on to its next run, partly made up at the terminus.
CARRIED_OVER = 0.5
# A service alert comes up now and then (on average once per `ALERT_EVERY`) and lasts a
# while; the feed starts with one, so the demo shows it at once.
ALERT_EVERY = timedelta(hours=2)
ALERT_LASTS = (timedelta(minutes=20), timedelta(minutes=45))

_TRIP = gtfs_realtime_pb2.TripDescriptor.ScheduleRelationship
_ALERT = gtfs_realtime_pb2.Alert

# route or stop the alert is about, cause, effect, header and description (de, en)
ALERTS: tuple[tuple[dict[str, str], int, int, tuple[str, str], tuple[str, str]], ...] = (
    (
        {"stop_id": "dd:pirnaischer"},
        _ALERT.CONSTRUCTION,
        _ALERT.STOP_MOVED,
        ("Haltestelle verlegt", "Stop moved"),
        (
            "Wegen Bauarbeiten hält die Linie 62 am Pirnaischen Platz an der Ersatzhaltestelle "
            "gegenüber.",
            "Because of construction work, line 62 stops opposite at Pirnaischer Platz.",
        ),
    ),
    (
        {"route_id": "11"},
        _ALERT.TECHNICAL_PROBLEM,
        _ALERT.SIGNIFICANT_DELAYS,
        ("Verspätungen auf der Linie 11", "Delays on line 11"),
        (
            "Wegen einer Weichenstörung am Postplatz kommt es zu Verspätungen.",
            "A points failure at Postplatz delays the trams.",
        ),
    ),
    (
        {"stop_id": "dd:albertplatz"},
        _ALERT.DEMONSTRATION,
        _ALERT.OTHER_EFFECT,
        ("Veranstaltung am Albertplatz", "Event at Albertplatz"),
        (
            "Wegen einer Veranstaltung ist mit mehr Fahrgästen und kurzen Wartezeiten zu rechnen.",
            "An event brings more passengers and short waits.",
        ),
    ),
)


@dataclass
class RunState:
    run: Run
    service_day: date
    departs: datetime  # the scheduled start, UTC
    delay: int
    cancelled: bool
    # The run's own share of its delay at the start (passengers, traffic lights), drawn once.
    own: int = 0

    @property
    def ends(self) -> datetime:
        return self.departs + timedelta(seconds=self.run.stops[-1][1])

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.run.trip_id, f"{self.service_day:%Y%m%d}", self.run.start_time)


@dataclass
class AlertState:
    number: int
    template: int
    starts: datetime
    ends: datetime


def _day_origin(day: date, zone: ZoneInfo) -> datetime:
    """GTFS times count from "noon minus 12 hours" of the service day (right on the days the
    clocks change)."""
    return datetime.combine(day, time(12), zone).astimezone(UTC) - timedelta(hours=12)


class RealtimeFeed:
    """The state of the simulated operator: each run's delay and whether it was cancelled,
    and the current alert. `advance` moves it on; the messages are built from it on request
    (the poll may come between two rounds of the simulator)."""

    def __init__(self, noise: random.Random, timezone: str = "Europe/Berlin") -> None:
        self.noise = noise
        self.zone = ZoneInfo(timezone)
        self.timetable = runs()
        self.runs: dict[tuple[str, str, str], RunState] = {}
        self.carried: dict[str, int] = {}  # route_id: the delay its vehicles bring along
        self.alert: AlertState | None = None
        self.alerts_made = 0
        self.last: datetime | None = None
        self.lock = threading.Lock()

    def _candidates(self, now: datetime) -> list[RunState]:
        """Runs of yesterday's, today's and tomorrow's service days from those on the road
        until those starting within the horizon, in order of their start."""
        today = now.astimezone(self.zone).date()
        found = []
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
            origin = _day_origin(day, self.zone)
            for run in self.timetable:
                departs = origin + timedelta(seconds=run.start)
                ends = departs + timedelta(seconds=run.stops[-1][1] + MAX_DELAY)
                if ends >= now and departs <= now + HORIZON:
                    found.append(RunState(run, day, departs, 0, False))
        return sorted(found, key=lambda r: r.departs)

    def advance(self, now: datetime) -> None:
        with self.lock:
            minutes = (now - self.last).total_seconds() / 60 if self.last else 0.0
            self.last = now
            current: dict[tuple[str, str, str], RunState] = {}
            for candidate in self._candidates(now):
                state = self.runs.get(candidate.key)
                if state is None:
                    state = candidate
                    state.cancelled = self.noise.random() < CANCEL_CHANCE
                    state.own = state.delay = int(self.noise.uniform(0, 120))
                if state.departs > now:
                    # Until it starts, a run's prediction follows the vehicle bringing it.
                    carried = self.carried.get(state.run.route_id, 0)
                    state.delay = int(min(MAX_DELAY, carried * CARRIED_OVER + state.own))
                elif not state.cancelled:
                    low, high = DRIFT_PER_MINUTE
                    change = self.noise.uniform(low, high) * minutes
                    state.delay = int(min(MAX_DELAY, max(0, state.delay + change)))
                if state.departs <= now and not state.cancelled:
                    # The delay the line's vehicles bring to their next run.
                    self.carried[state.run.route_id] = state.delay
                current[state.key] = state
            # Runs that have arrived are forgotten (with their delay still carried on).
            self.runs = {
                key: state
                for key, state in current.items()
                if state.ends + timedelta(seconds=state.delay) >= now
            }
            self._alerts(now, minutes)

    def _alerts(self, now: datetime, minutes: float) -> None:
        if self.alert is not None and now >= self.alert.ends:
            self.alert = None
        if self.alert is None and (
            self.alerts_made == 0
            or self.noise.random() < minutes * 60 / ALERT_EVERY.total_seconds()
        ):
            low, high = ALERT_LASTS
            lasts = self.noise.uniform(low.total_seconds(), high.total_seconds())
            self.alerts_made += 1
            self.alert = AlertState(
                self.alerts_made,
                self.noise.randrange(len(ALERTS)),
                now,
                now + timedelta(seconds=lasts),
            )

    def _message(self, now: datetime) -> Any:
        message = gtfs_realtime_pb2.FeedMessage()
        message.header.gtfs_realtime_version = "2.0"
        message.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
        message.header.timestamp = int(now.timestamp())
        return message

    def trip_updates(self, now: datetime) -> bytes:
        """The TripUpdates: a cancelled run as CANCELED; a run on the road with its delay at
        the stop it is heading for (the platform passes it on to the later stops); a run
        about to start with the delay predicted for its first stop."""
        message = self._message(now)
        with self.lock:
            states = sorted(self.runs.values(), key=lambda r: r.departs)
        for state in states:
            entity = message.entity.add()
            entity.id = "-".join(state.key).replace(":", "")
            update = entity.trip_update
            update.trip.trip_id = state.run.trip_id
            update.trip.route_id = state.run.route_id
            update.trip.start_date = state.key[1]
            update.trip.start_time = state.run.start_time
            update.timestamp = int(now.timestamp())
            if state.cancelled:
                update.trip.schedule_relationship = _TRIP.CANCELED
                continue
            update.trip.schedule_relationship = _TRIP.SCHEDULED
            sequence, stop_id = self._heading_for(state, now)
            stop = update.stop_time_update.add()
            stop.stop_sequence = sequence
            stop.stop_id = stop_id
            if sequence == len(state.run.stops):
                stop.arrival.delay = state.delay
            else:
                stop.departure.delay = state.delay
        return bytes(message.SerializeToString())

    @staticmethod
    def _heading_for(state: RunState, now: datetime) -> tuple[int, str]:
        """The first stop the vehicle has not left yet (its expected time not passed)."""
        for sequence, (stop_id, offset) in enumerate(state.run.stops, start=1):
            if state.departs + timedelta(seconds=offset + state.delay) >= now:
                return sequence, stop_id
        return len(state.run.stops), state.run.stops[-1][0]

    def service_alerts(self, now: datetime) -> bytes:
        message = self._message(now)
        with self.lock:
            current = self.alert
        if current is not None:
            informed, cause, effect, header, description = ALERTS[current.template]
            entity = message.entity.add()
            entity.id = f"demo-alert-{current.number}"
            alert = entity.alert
            period = alert.active_period.add()
            period.start = int(current.starts.timestamp())
            period.end = int(current.ends.timestamp())
            alert.informed_entity.add(**informed)
            alert.cause = cause
            alert.effect = effect
            for language, text in zip(("de", "en"), header, strict=True):
                alert.header_text.translation.add(text=text, language=language)
            for language, text in zip(("de", "en"), description, strict=True):
                alert.description_text.translation.add(text=text, language=language)
        return bytes(message.SerializeToString())


TRIP_UPDATES_PATH = "/gtfs-rt/trip-updates"
ALERTS_PATH = "/gtfs-rt/alerts"


class FeedServer:
    """The feed over HTTP on 127.0.0.1 (a free port unless one is given), in a daemon
    thread: `GET /gtfs-rt/trip-updates` and `GET /gtfs-rt/alerts`, protobuf."""

    def __init__(
        self,
        feed: RealtimeFeed,
        port: int = 0,
        clock: Any = utcnow,
    ) -> None:
        class Handler(BaseHTTPRequestHandler):
            paths: ClassVar[dict[str, Any]] = {
                TRIP_UPDATES_PATH: feed.trip_updates,
                ALERTS_PATH: feed.service_alerts,
            }

            def do_GET(self) -> None:
                produce = self.paths.get(self.path.split("?", 1)[0])
                if produce is None:
                    self.send_error(404)
                    return
                body = produce(clock())
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # a poll every 30 seconds is not worth a line

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="demo-gtfs-rt", daemon=True
        )
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def trip_updates_url(self) -> str:
        return self.base_url + TRIP_UPDATES_PATH

    @property
    def alerts_url(self) -> str:
        return self.base_url + ALERTS_PATH

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
