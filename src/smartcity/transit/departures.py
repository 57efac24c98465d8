"""The next departures at a stop or station: the timetable of the service days that reach
into the window (calendar, exceptions, times past 24:00, frequency-based trips), with the
realtime delays and cancellations when they are fresh (for a frequency-based trip, of the
run the update names by its start time; a deleted trip is left off), the extra trips the
realtime data add, and the service alerts.

GTFS times count from "noon minus 12 hours" of the service day in the agency's time zone,
which is midnight except on the days clocks change; so a service day's times are turned into
instants from that reference, never by adding hours to a local midnight."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from smartcity.core.db import among
from smartcity.core.errors import NotFound
from smartcity.core.web.i18n import gettext_
from smartcity.transit import feeds
from smartcity.transit.models import (
    Alert,
    Calendar,
    CalendarDate,
    Frequency,
    RealtimeFeed,
    Route,
    Stop,
    StopTime,
    Trip,
    TripUpdate,
)
from smartcity.transit.realtime import ALERTS, EXTRA, TRIP_UPDATES

# Delayed trips scheduled this long before now may still be waiting to leave.
LOOKBACK = timedelta(minutes=30)
# Service days reach this far past their midnight (GTFS allows times past 24:00).
SERVICE_DAYS_BACK = 2


@dataclass(frozen=True)
class AlertView:
    header: str
    description: str
    effect: str
    cause: str


@dataclass
class Departure:
    trip_id: str
    service_date: date
    route_id: str
    route: str
    route_type: int
    color: str
    text_color: str
    headsign: str
    stop_id: str
    stop_name: str
    platform: str
    scheduled: datetime
    expected: datetime | None = None
    cancelled: bool = False
    # 1 possible, 2 not possible, 0 unknown: the vehicle (trip) and the stop (with its station's).
    wheelchair_accessible: int = 0
    wheelchair_boarding: int = 0
    alerts: list[AlertView] = field(default_factory=list)
    stop_sequence: int = 0
    # The instant the service day's GTFS times count from.
    base: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    # A trip of frequencies.txt: realtime updates name one run of it by its start time
    # (seconds of the service day), and its stop times move by `shift` seconds for that run.
    frequency_based: bool = False
    run_start: int | None = None
    shift: int = 0
    # An extra trip (GTFS-Realtime ADDED/NEW): not in the timetable, its times are the update's.
    extra_trip: bool = False

    @property
    def delay_minutes(self) -> int | None:
        """The delay as a board shows it: the minutes between the expected and the planned
        time as HH:MM, so that "+1" never stands beside two equal times (a delay of 40 s is
        on time; 18:47:00 expected at 18:48:10 is one minute late)."""
        if self.expected is None:
            return None
        shown = self.expected.replace(second=0, microsecond=0)
        planned = self.scheduled.replace(second=0, microsecond=0)
        return int((shown - planned).total_seconds() // 60)

    @property
    def when(self) -> datetime:
        return self.expected or self.scheduled


@dataclass
class Board:
    stop: Stop
    stop_ids: list[str]
    departures: list[Departure]
    alerts: list[AlertView]
    # "live": realtime applied; "stale": realtime too old, timetable shown; "none": no realtime.
    realtime: str
    realtime_at: datetime | None
    generated_at: datetime
    timezone: str


def service_base(day: date, zone: ZoneInfo) -> datetime:
    """The instant GTFS times of service day `day` count from: noon minus 12 hours."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
    return noon.astimezone(UTC) - timedelta(hours=12)


def active_services(db: Session, feed_id: int, day: date) -> set[str]:
    return services_by_day(db, feed_id, [day])[day]


def services_by_day(db: Session, feed_id: int, days: list[date]) -> dict[date, set[str]]:
    """The services running on each of `days`: calendar weekdays and date range, plus the
    calendar_dates additions, minus its removals. One query per table for all the days (a
    board looks at three service days; each query costs a board about a millisecond)."""
    found: dict[date, set[str]] = {day: set() for day in days}
    for service_id, weekdays, start, end in db.execute(
        select(
            Calendar.service_id, Calendar.weekdays, Calendar.start_date, Calendar.end_date
        ).where(
            Calendar.feed_id == feed_id,
            Calendar.start_date <= max(days),
            Calendar.end_date >= min(days),
        )
    ):
        for day in days:
            if start <= day <= end and weekdays & (1 << day.weekday()):
                found[day].add(service_id)
    for service_id, day, kind in db.execute(
        select(CalendarDate.service_id, CalendarDate.date, CalendarDate.exception_type).where(
            CalendarDate.feed_id == feed_id, CalendarDate.date.in_(days)
        )
    ):
        if kind == 1:
            found[day].add(service_id)
        elif kind == 2:
            found[day].discard(service_id)
    return found


def stops_of(db: Session, feed_id: int, stop_id: str) -> tuple[Stop, list[Stop]]:
    """The stop asked for and the stops whose departures it shows (a station: its platforms)."""
    stop = db.scalar(select(Stop).where(Stop.feed_id == feed_id, Stop.stop_id == stop_id))
    if stop is None:
        raise NotFound(gettext_("There is no such stop in the current timetable."))
    members = [stop]
    if stop.location_type == 1:
        members += list(
            db.scalars(
                select(Stop).where(
                    Stop.feed_id == feed_id,
                    Stop.parent_station == stop.stop_id,
                    Stop.location_type == 0,
                )
            )
        )
    return stop, members


def board(
    db: Session,
    stop_id: str,
    *,
    now: datetime,
    minutes: int = 60,
    language: str = "de",
    fallback_timezone: str = "Europe/Berlin",
    limit: int = 60,
) -> Board:
    return boards(
        db,
        [stop_id],
        now=now,
        minutes=minutes,
        language=language,
        fallback_timezone=fallback_timezone,
        limit=limit,
    )[0]


@dataclass(frozen=True)
class _Shared:
    """What the boards of one request have in common: the timetable version, its time
    zone, the realtime state, the service days and the services running on them."""

    feed_id: int
    zone_name: str
    zone: ZoneInfo
    end: datetime
    updates_fresh: bool
    alerts_fresh: bool
    realtime_state: str
    realtime_at: datetime | None
    extra_trips: bool
    # (service day, its base instant, window start and end in seconds of that day)
    windows: list[tuple[date, datetime, int, int]]
    running: dict[date, set[str]]


def boards(
    db: Session,
    stop_ids: list[str],
    *,
    now: datetime,
    minutes: int = 60,
    language: str = "de",
    fallback_timezone: str = "Europe/Berlin",
    limit: int = 60,
) -> list[Board]:
    """The boards of several stops at the same moment (a kiosk shows those near a bench):
    the version, time zone, realtime state and services are looked up once for all."""
    if not stop_ids:
        return []
    feed = feeds.active_feed(db)
    if feed is None:
        raise NotFound(gettext_("No timetable has been imported yet."))
    zone_name = feeds.agency_timezone(db, feed.id) or fallback_timezone
    zone = ZoneInfo(zone_name)
    end = now + timedelta(minutes=minutes)
    states = {
        state.kind: state
        for state in db.scalars(
            select(RealtimeFeed).where(RealtimeFeed.kind.in_((TRIP_UPDATES, ALERTS)))
        )
    }
    limit_seconds = feeds.stale_after(db) if any(s.produced_at for s in states.values()) else 0
    updates_fresh, realtime_state, realtime_at, updates = _freshness(
        states.get(TRIP_UPDATES), limit_seconds, now
    )
    alerts_fresh, _, _, _ = _freshness(states.get(ALERTS), limit_seconds, now)
    since = now - LOOKBACK if updates_fresh else now
    local_today = now.astimezone(zone).date()
    windows = []
    for back in range(SERVICE_DAYS_BACK + 1):
        day = local_today - timedelta(days=back)
        base = service_base(day, zone)
        low = math.floor((since - base).total_seconds())
        high = math.ceil((end - base).total_seconds())
        if high >= 0:
            windows.append((day, base, low, high))
    running = services_by_day(db, feed.id, [day for day, *_ in windows]) if windows else {}
    shared = _Shared(
        feed_id=feed.id,
        zone_name=zone_name,
        zone=zone,
        end=end,
        updates_fresh=updates_fresh,
        alerts_fresh=alerts_fresh,
        realtime_state=realtime_state,
        realtime_at=realtime_at,
        # The last poll says whether it kept extra trips: most boards need not look for them.
        extra_trips=bool(updates_fresh and updates is not None and updates.extra_trips),
        windows=windows,
        running=running,
    )
    places = []
    for stop_id in stop_ids:
        stop, members = stops_of(db, feed.id, stop_id)
        station = stop if stop.location_type == 1 else None
        if station is None and stop.parent_station:
            station = db.scalar(
                select(Stop).where(Stop.feed_id == feed.id, Stop.stop_id == stop.parent_station)
            )
        places.append((stop, members, station))
    # Earlier service days reach into the window only with times past 24:00: yesterday's
    # just after midnight, the day before's almost never. One query over these stops says
    # whether any departure is that late (the index's range, a few rows); a day whose window
    # starts after the latest is not asked.
    queried = {day for day, *_ in windows[:1]}
    if windows[1:]:
        parameters = {
            "feed_id": feed.id,
            "stop_ids": sorted({m.stop_id for _, members, _ in places for m in members}),
            "low": min(low for _, _, low, _ in windows[1:]),
        }
        latest = db.scalar(_LATEST, parameters)
        queried |= {day for day, _, low, _ in windows[1:] if latest is not None and low <= latest}
    return [
        _board(db, shared, *place, queried=queried, now=now, language=language, limit=limit)
        for place in places
    ]


def _board(
    db: Session,
    shared: _Shared,
    stop: Stop,
    members: list[Stop],
    station: Stop | None,
    *,
    queried: set[date],
    now: datetime,
    language: str,
    limit: int,
) -> Board:
    by_id = {s.stop_id: s for s in members}
    end = shared.end
    frequency_based = _frequency_based(db, shared.feed_id, list(by_id), shared)

    found: list[Departure] = []
    for day, base, low, high in shared.windows:
        services = shared.running[day]
        if services and day in queried:
            for row in _timetabled(db, shared.feed_id, list(by_id), services, low, high):
                found.append(_departure(row, day, base, row.secs, by_id, station))
        for row, secs, start in frequency_based.get(day, ()):
            departure = _departure(row, day, base, secs, by_id, station, frequency=True)
            departure.run_start, departure.shift = start, start - row.first_secs
            found.append(departure)

    if shared.updates_fresh and found:
        found = _apply_trip_updates(db, shared.feed_id, found)
    if shared.extra_trips:
        found += _extra_trips(db, shared.feed_id, by_id, station, shared.zone, now - LOOKBACK, end)
    shown = [
        d
        for d in found
        if d.when >= now and d.scheduled <= end + LOOKBACK and (d.scheduled >= now or d.expected)
    ]
    shown.sort(key=lambda d: (d.when, d.route, d.headsign))
    shown = shown[:limit]
    board_alerts: list[AlertView] = []
    if shared.alerts_fresh:
        board_alerts = _attach_alerts(db, shown, by_id, station, now, language)
    return Board(
        stop=stop,
        stop_ids=list(by_id),
        departures=shown,
        alerts=board_alerts,
        realtime=shared.realtime_state,
        realtime_at=shared.realtime_at,
        generated_at=now,
        timezone=shared.zone_name,
    )


def _freshness(
    state: RealtimeFeed | None, limit: int, now: datetime
) -> tuple[bool, str, datetime | None, RealtimeFeed | None]:
    """Whether the realtime data of a poll's state are fresh (younger than `limit` seconds),
    the board's word for it, when they were produced, and the state."""
    if state is None or state.produced_at is None:
        return False, "none", None, state
    fresh = now - state.produced_at <= timedelta(seconds=limit)
    return fresh, "live" if fresh else "stale", state.produced_at, state


def _columns() -> tuple[Any, ...]:
    return (
        StopTime.trip_id,
        StopTime.stop_id,
        StopTime.stop_sequence,
        StopTime.headsign.label("stop_headsign"),
        Trip.headsign,
        Trip.route_id,
        Trip.wheelchair_accessible,
        Route.short_name,
        Route.long_name,
        Route.route_type,
        Route.color,
        Route.text_color,
    )


# The statements are built once, with bound parameters: building them (their columns,
# comparisons and aliases) for every query of every board was a fifth of a board's CPU
# time (bench/transit.py, docs/performance.md). One parameter object per name, reused.
_FEED: BindParameter[int] = bindparam("feed_id")
_STOPS: BindParameter[list[str]] = bindparam("stop_ids", expanding=True)
_SERVICES: BindParameter[list[str]] = bindparam("services", expanding=True)
_LOW: BindParameter[int] = bindparam("low")
_HIGH: BindParameter[int] = bindparam("high")
_LATER = aliased(StopTime, name="later_stop_time")
_FIRST = aliased(StopTime, name="first_stop_time")


def _joined() -> Any:
    """A stop's departures: not where a trip ends, nor where it picks nobody up."""
    not_last_stop = exists().where(
        _LATER.feed_id == _FEED,
        _LATER.trip_id == StopTime.trip_id,
        _LATER.stop_sequence > StopTime.stop_sequence,
    )
    return (
        select(*_columns())
        .join(Trip, and_(Trip.feed_id == _FEED, Trip.trip_id == StopTime.trip_id))
        .join(Route, and_(Route.feed_id == _FEED, Route.route_id == Trip.route_id))
        .where(
            StopTime.feed_id == _FEED,
            StopTime.stop_id.in_(_STOPS),
            Trip.service_id.in_(_SERVICES),
            StopTime.pickup_type != 1,
            not_last_stop,
        )
    )


def _timetabled_statement() -> Any:
    frequency = exists().where(Frequency.feed_id == _FEED, Frequency.trip_id == Trip.trip_id)
    return (
        _joined()
        .add_columns(StopTime.departure_secs.label("secs"))
        .where(StopTime.departure_secs.between(_LOW, _HIGH), ~frequency)
    )


def _frequency_statement() -> Any:
    first_departure = (
        select(func.min(_FIRST.departure_secs))
        .where(_FIRST.feed_id == _FEED, _FIRST.trip_id == StopTime.trip_id)
        .scalar_subquery()
    )
    return (
        _joined()
        .add_columns(
            (StopTime.departure_secs - first_departure).label("offset"),
            first_departure.label("first_secs"),
            Frequency.start_secs,
            Frequency.end_secs,
            Frequency.headway_secs,
            Trip.service_id,
        )
        .join(Frequency, and_(Frequency.feed_id == _FEED, Frequency.trip_id == StopTime.trip_id))
        .where(StopTime.departure_secs.is_not(None))
    )


_TIMETABLED = _timetabled_statement()
_FREQUENCY_BASED = _frequency_statement()
_LATEST = select(func.max(StopTime.departure_secs)).where(
    StopTime.feed_id == _FEED, StopTime.stop_id.in_(_STOPS), StopTime.departure_secs >= _LOW
)


def _timetabled(
    db: Session, feed_id: int, stop_ids: list[str], services: set[str], low: int, high: int
) -> list[Any]:
    parameters = {
        "feed_id": feed_id,
        "stop_ids": stop_ids,
        "services": sorted(services),
        "low": low,
        "high": high,
    }
    return list(db.execute(_TIMETABLED, parameters))


def _frequency_based(
    db: Session, feed_id: int, stop_ids: list[str], shared: _Shared
) -> dict[date, list[tuple[Any, int, int]]]:
    """Departures of trips that run every n minutes, per service day: the trip's stop times
    are a pattern from its first departure, repeated from each window's start. Each with its
    time at the stop and the start of its run (both seconds of the service day). One query
    for all the service days (it has no time condition; the runs are counted here)."""
    every = set().union(*shared.running.values()) if shared.running else set()
    result: dict[date, list[tuple[Any, int, int]]] = {}
    if not every:
        return result
    parameters = {"feed_id": feed_id, "stop_ids": stop_ids, "services": sorted(every)}
    rows = [row for row in db.execute(_FREQUENCY_BASED, parameters) if row.headway_secs > 0]
    for day, _base, low, high in shared.windows:
        services = shared.running[day]
        runs = result.setdefault(day, [])
        for row in rows:
            if row.service_id not in services:
                continue
            # Trips start at start, start + headway, … before end; at this stop `offset` later.
            first_k = max(0, math.ceil((low - row.offset - row.start_secs) / row.headway_secs))
            start = row.start_secs + first_k * row.headway_secs
            while start < row.end_secs and start + row.offset <= high:
                runs.append((row, start + row.offset, start))
                start += row.headway_secs
    return result


def _departure(
    row: Any,
    day: date,
    base: datetime,
    secs: int,
    by_id: dict[str, Stop],
    station: Stop | None,
    *,
    frequency: bool = False,
) -> Departure:
    stop = by_id[row.stop_id]
    boarding = stop.wheelchair_boarding
    if boarding == 0 and station is not None:
        boarding = station.wheelchair_boarding
    return Departure(
        trip_id=row.trip_id,
        service_date=day,
        route_id=row.route_id,
        route=row.short_name or row.long_name,
        route_type=row.route_type,
        color=row.color,
        text_color=row.text_color,
        headsign=row.stop_headsign or row.headsign,
        stop_id=stop.stop_id,
        stop_name=stop.name,
        platform=stop.platform_code,
        scheduled=base + timedelta(seconds=secs),
        base=base,
        frequency_based=frequency,
        wheelchair_accessible=row.wheelchair_accessible,
        wheelchair_boarding=boarding,
        stop_sequence=row.stop_sequence,
    )


def _apply_trip_updates(db: Session, feed_id: int, found: list[Departure]) -> list[Departure]:
    """The departures with their trip updates applied, without those of deleted trips."""
    if not found:
        return []
    updates: dict[str, list[TripUpdate]] = {}
    for update in db.scalars(
        select(TripUpdate).where(
            among(db, TripUpdate.trip_id, {d.trip_id for d in found}),
            TripUpdate.relationship.not_in(EXTRA),
        )
    ):
        updates.setdefault(update.trip_id, []).append(update)
    # One update applies to a departure: one that names its service day before one that does
    # not, else the first in the feed (the rows are stored in the feed's order).
    for candidates in updates.values():
        candidates.sort(key=lambda u: (not u.start_date, u.id))
    # Scheduled times of the stops an update names before a departure's stop, for updates that
    # give an absolute time only (its delay is that time minus the scheduled one).
    needed = {
        (u.trip_id, s["seq"])
        for us in updates.values()
        for u in us
        for s in u.stops
        if s["seq"] is not None
    }
    scheduled = _scheduled_times(db, feed_id, needed)
    kept: list[Departure] = []
    for departure in found:
        for update in updates.get(departure.trip_id, ()):
            if update.start_date and update.start_date != departure.service_date.strftime("%Y%m%d"):
                continue
            # A frequency-based trip's update is about the run it names by start time only.
            if departure.frequency_based and _seconds(update.start_time) != departure.run_start:
                continue
            # GTFS-Realtime: a DELETED trip is not shown at all (unlike a CANCELED one).
            if update.relationship == "DELETED":
                break
            _apply(departure, update, scheduled)
            kept.append(departure)
            break
        else:
            kept.append(departure)
    return kept


def _seconds(text: str) -> int | None:
    """HH:MM:SS (hours may pass 24, the hour may have one digit) as seconds; None otherwise."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    hours, minutes, seconds = (int(p) for p in parts)
    if minutes > 59 or seconds > 59:
        return None
    return hours * 3600 + minutes * 60 + seconds


def _scheduled_times(
    db: Session, feed_id: int, needed: set[tuple[str, int]]
) -> dict[tuple[str, int], tuple[int | None, int | None]]:
    found: dict[tuple[str, int], tuple[int | None, int | None]] = {}
    if not needed:
        return found
    for row in db.execute(
        select(
            StopTime.trip_id,
            StopTime.stop_sequence,
            StopTime.arrival_secs,
            StopTime.departure_secs,
        ).where(
            StopTime.feed_id == feed_id, among(db, StopTime.trip_id, {trip for trip, _ in needed})
        )
    ):
        if (row.trip_id, row.stop_sequence) in needed:
            found[(row.trip_id, row.stop_sequence)] = (row.arrival_secs, row.departure_secs)
    return found


def _apply(
    departure: Departure,
    update: TripUpdate,
    scheduled: dict[tuple[str, int], tuple[int | None, int | None]],
) -> None:
    """A trip update's effect on one departure, as the GTFS-Realtime reference defines it:
    a cancelled trip; a skipped stop; the stop's own time or delay; otherwise the delay of
    the nearest earlier stop that has one (delays propagate down the trip), else the
    trip's delay."""
    if update.relationship == "CANCELED":
        departure.cancelled = True
        return
    delay: int | None = None
    for stop in reversed(update.stops):
        sequence = stop["seq"]
        if sequence is None or sequence > departure.stop_sequence:
            continue
        here = sequence == departure.stop_sequence
        if stop["relationship"] == "SKIPPED":
            if here:
                departure.cancelled = True
                return
            continue
        if stop["relationship"] == "NO_DATA":
            # No realtime for this stop, and none propagates past it.
            return
        # A run of a frequency-based trip: the pattern's times moved to the run's start.
        base = departure.base + timedelta(seconds=departure.shift)
        delay = _delay_at(stop, base, scheduled.get((departure.trip_id, sequence)))
        if delay is not None:
            break
    if delay is None:
        delay = update.delay
    if delay is not None:
        departure.expected = departure.scheduled + timedelta(seconds=delay)


def _delay_at(
    stop: dict[str, Any],
    base: datetime,
    scheduled: tuple[int | None, int | None] | None,
) -> int | None:
    """The delay an update gives at its stop: the departure's (for a departure here, or to
    pass on to later stops), else the arrival's; an absolute time against the timetable."""
    order = ("departure", "arrival")
    for part in order:
        if stop[f"{part}_delay"] is not None:
            return int(stop[f"{part}_delay"])
        absolute = stop[f"{part}_time"]
        if absolute is not None and scheduled is not None:
            planned = scheduled[1] if part == "departure" else scheduled[0]
            if planned is not None:
                instant = datetime.fromtimestamp(absolute, UTC)
                return round((instant - (base + timedelta(seconds=planned))).total_seconds())
    return None


def _extra_trips(
    db: Session,
    feed_id: int,
    by_id: dict[str, Stop],
    station: Stop | None,
    zone: ZoneInfo,
    since: datetime,
    end: datetime,
) -> list[Departure]:
    """Departures of the extra trips (ADDED/NEW) at these stops, at the times their updates
    give. As for timetabled trips, the last stop has no departure; a skipped stop none."""
    # No ORDER BY: the index on (municipality, relationship) answers the query; sorted here.
    updates = sorted(
        db.scalars(select(TripUpdate).where(TripUpdate.relationship.in_(EXTRA))),
        key=lambda u: u.id,
    )
    wanted = [u for u in updates if any(s["stop_id"] in by_id for s in u.stops[:-1])]
    if not wanted:
        return []
    routes = {
        r.route_id: r
        for r in db.scalars(
            select(Route).where(
                Route.feed_id == feed_id, Route.route_id.in_(sorted({u.route_id for u in wanted}))
            )
        )
    }
    found: list[Departure] = []
    for update in wanted:
        route = routes.get(update.route_id)
        if route is None:
            continue
        for stop in update.stops[:-1]:
            if stop["stop_id"] not in by_id or stop["relationship"] == "SKIPPED":
                continue
            moment = stop["departure_time"] or stop["arrival_time"]
            if not moment:
                continue
            when = datetime.fromtimestamp(moment, UTC)
            if not since <= when <= end:
                continue
            day = _start_date(update.start_date) or when.astimezone(zone).date()
            here = by_id[stop["stop_id"]]
            boarding = here.wheelchair_boarding
            if boarding == 0 and station is not None:
                boarding = station.wheelchair_boarding
            found.append(
                Departure(
                    trip_id=update.trip_id,
                    service_date=day,
                    route_id=route.route_id,
                    route=route.short_name or route.long_name,
                    route_type=route.route_type,
                    color=route.color,
                    text_color=route.text_color,
                    headsign=update.headsign,
                    stop_id=here.stop_id,
                    stop_name=here.name,
                    platform=here.platform_code,
                    scheduled=when,
                    base=service_base(day, zone),
                    wheelchair_boarding=boarding,
                    stop_sequence=stop["seq"] or 0,
                    extra_trip=True,
                )
            )
    return found


def _start_date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date() if text else None
    except ValueError:
        return None


def _active(alert: Alert, now: datetime) -> bool:
    if not alert.periods:
        return True
    moment = int(now.timestamp())
    return any((not a or a <= moment) and (not b or moment < b) for a, b in alert.periods)


def _text(texts: dict[str, str], language: str) -> str:
    for key in (language, "de", "", "en"):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


def _attach_alerts(
    db: Session,
    shown: list[Departure],
    by_id: dict[str, Stop],
    station: Stop | None,
    now: datetime,
    language: str,
) -> list[AlertView]:
    """Alerts for this stop (or its station) go on the board; alerts for a route or trip
    go on its departures."""
    stop_ids = set(by_id) | ({station.stop_id} if station else set())
    board: list[AlertView] = []
    for alert in db.scalars(select(Alert).order_by(Alert.id)):
        if not _active(alert, now):
            continue
        view = AlertView(
            header=_text(alert.header, language),
            description=_text(alert.description, language),
            effect=alert.effect,
            cause=alert.cause,
        )
        on_board = False
        for entity in alert.informed:
            stop, route, trip = entity.get("stop_id"), entity.get("route_id"), entity.get("trip_id")
            if (stop and stop in stop_ids and not route and not trip) or (
                not stop and not route and not trip and entity.get("agency_id")
            ):
                on_board = True
            if stop and stop not in stop_ids:
                continue
            for departure in shown:
                matches = (route and route == departure.route_id and not trip) or (
                    trip and trip == departure.trip_id
                )
                if matches and view not in departure.alerts:
                    departure.alerts.append(view)
        if on_board and view not in board:
            board.append(view)
    return board


# Places with a departure board: stations, and stops that belong to none.
_BOARDS = or_(Stop.location_type == 1, and_(Stop.location_type == 0, Stop.parent_station == ""))


def search(db: Session, text: str, limit: int = 20) -> list[Stop]:
    """Stations and stops without a station whose name contains `text`."""
    feed = feeds.active_feed(db)
    if feed is None or not text.strip():
        return []
    pattern = "%" + text.strip().lower().replace("%", "").replace("_", "") + "%"
    return list(
        db.scalars(
            select(Stop)
            .where(
                Stop.feed_id == feed.id,
                func.lower(Stop.name).like(pattern),
                or_(
                    Stop.location_type == 1,
                    and_(Stop.location_type == 0, Stop.parent_station == ""),
                ),
            )
            .order_by(Stop.name)
            .limit(limit)
        )
    )


def nearby(
    db: Session, lat: float, lon: float, limit: int = 3, radius_m: float = 600
) -> list[Stop]:
    """Stations and stops without a station nearest to a point (a bench), within `radius_m`."""
    feed = feeds.active_feed(db)
    if feed is None:
        return []
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.1, math.cos(math.radians(lat))))
    candidates = db.scalars(
        select(Stop).where(
            Stop.feed_id == feed.id,
            Stop.lat.between(lat - dlat, lat + dlat),
            Stop.lon.between(lon - dlon, lon + dlon),
            _BOARDS,
        )
    )

    def distance(stop: Stop) -> float:
        dy = ((stop.lat or 0) - lat) * 111_320
        dx = ((stop.lon or 0) - lon) * 111_320 * math.cos(math.radians(lat))
        return math.hypot(dx, dy)

    near = [s for s in candidates if distance(s) <= radius_m]
    return sorted(near, key=distance)[:limit]
