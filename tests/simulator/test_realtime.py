"""The simulated transit operator: GTFS-Realtime trip updates for the runs of the demo
timetable (tram 11, frequency-based bus 62) with delays that carry on, now and then a
cancelled run and a service alert; served on the loopback address, read by the platform's
own realtime poll (allowed to reach loopback in demo mode only), and shown on the boards."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from smartcity.core.demo import DemoContext
from smartcity.core.platform import Platform
from smartcity.simulator.realtime import (
    DRIFT_PER_MINUTE,
    MAX_DELAY,
    FeedServer,
    RealtimeFeed,
)
from smartcity.transit import demo, departures, jobs, realtime
from smartcity.transit.models import RealtimeFeed as PollState
from smartcity.transit.settings import TransitSettings
from tests.conftest import World

BERLIN = ZoneInfo("Europe/Berlin")
BENCH_ALTMARKT = (51.0504, 13.7373)


def morning(day: date | None = None) -> datetime:
    """08:00 in Dresden on a day the demo timetable runs (it is valid from a week ago)."""
    day = day or date.today()
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=BERLIN)


def run_for(feed: RealtimeFeed, start: datetime, minutes: int) -> datetime:
    """Advance the feed minute by minute, as the simulator's rounds do; the last moment."""
    for minute in range(minutes + 1):
        feed.advance(start + timedelta(minutes=minute))
    return start + timedelta(minutes=minutes)


def updates(feed: RealtimeFeed, now: datetime) -> list[Any]:
    return [e.trip_update for e in realtime.parse(feed.trip_updates(now)).entity]


def test_trip_updates_name_the_runs_on_the_road_and_those_about_to_start() -> None:
    feed = RealtimeFeed(random.Random(5))
    now = run_for(feed, morning() - timedelta(minutes=30), 30)
    found = updates(feed, now)
    local = now.astimezone(BERLIN)
    trams = {u.trip.trip_id for u in found if u.trip.route_id == "11"}
    # Tram 11 every ten minutes from 04:30: 08:00 is run 21; runs of the next hour are there.
    assert {"t11-21", "t11-22", "t11-25"} <= trams
    buses = [u for u in found if u.trip.trip_id == "b62"]
    # The frequency-based bus: every run named by its start time, a quarter hour apart.
    assert {u.trip.start_time for u in buses} >= {"08:15:00", "08:30:00", "08:45:00"}
    assert {u.trip.start_date for u in found} == {f"{local:%Y%m%d}"}
    for update in found:
        if update.trip.schedule_relationship == update.trip.CANCELED:
            assert not update.stop_time_update
            continue
        (stop,) = update.stop_time_update
        delay = stop.departure.delay or stop.arrival.delay
        assert 0 <= delay <= MAX_DELAY
    # Nothing for runs beyond the next hour.
    assert "t11-29" not in trams


def test_a_delay_carries_on_and_runs_are_cancelled_now_and_then() -> None:
    feed = RealtimeFeed(random.Random(11))
    start = morning() - timedelta(hours=2)
    seen: dict[tuple[str, str], list[int]] = {}
    cancelled: set[tuple[str, str]] = set()
    for minute in range(12 * 60):
        now = start + timedelta(minutes=minute)
        feed.advance(now)
        for update in updates(feed, now):
            key = (update.trip.trip_id, update.trip.start_time)
            if update.trip.schedule_relationship == update.trip.CANCELED:
                cancelled.add(key)
                continue
            (stop,) = update.stop_time_update
            seen.setdefault(key, []).append(stop.departure.delay or stop.arrival.delay)
    assert cancelled, "twelve hours of tram and bus without a cancelled run"
    assert not cancelled & set(seen)  # a cancelled run stays cancelled
    # On the road a delay grows or shrinks a little each minute, never jumps.
    low, high = DRIFT_PER_MINUTE
    steps = [b - a for delays in seen.values() for a, b in pairwise(delays)]
    assert max(steps) > 0
    assert min(steps) < 0
    # (a prediction may move more when the vehicle bringing the run gets later)
    assert sum(1 for s in steps if low - 1 <= s <= high + 1) / len(steps) > 0.95
    assert any(max(delays) >= 180 for delays in seen.values())


def test_a_service_alert_now_and_then() -> None:
    feed = RealtimeFeed(random.Random(2))
    now = morning()
    feed.advance(now)
    (entity,) = realtime.parse(feed.service_alerts(now)).entity
    alert = entity.alert
    assert {t.language for t in alert.header_text.translation} == {"de", "en"}
    (period,) = alert.active_period
    assert period.start == int(now.timestamp()) < period.end
    ids = set()
    for minute in range(1, 24 * 60):
        at = now + timedelta(minutes=minute)
        feed.advance(at)
        ids |= {e.id for e in realtime.parse(feed.service_alerts(at)).entity}
    # The first alert ended; others came and went over the day.
    assert len(ids) >= 3


@pytest.fixture
def served() -> Iterator[tuple[RealtimeFeed, FeedServer]]:
    feed = RealtimeFeed(random.Random(7))
    # Less than the shortest alert: the one the feed starts with is still on.
    clock = run_for(feed, morning() - timedelta(minutes=15), 15)
    server = FeedServer(feed, clock=lambda: clock)
    yield feed, server
    server.close()


def test_the_feed_is_served_over_http_on_loopback(
    served: tuple[RealtimeFeed, FeedServer],
) -> None:
    _, server = served
    assert server.trip_updates_url.startswith("http://127.0.0.1:")
    answer = httpx.get(server.trip_updates_url)
    assert answer.headers["content-type"] == "application/x-protobuf"
    assert realtime.parse(answer.content).entity
    assert httpx.get(server.base_url + "/anything-else").status_code == 404


def _demo_timetable(world: World, server: FeedServer) -> None:
    said: list[str] = []
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=said.append))
    assert said == ["transit: Dresden demo timetable active"]
    demo.use_realtime(world.platform, world.dresden.id, server.trip_updates_url, server.alerts_url)


def test_a_board_shows_a_delay_from_the_simulated_feed_after_a_poll(
    platform: Platform,
    world: World,
    served: tuple[RealtimeFeed, FeedServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed, server = served
    _demo_timetable(world, server)
    monkeypatch.setenv("SMARTCITY_DEMO_MODE", "true")
    jobs.poll_realtime(platform)
    now = morning()
    with world.tenant(world.dresden) as db:
        states = {s.kind: s for s in db.scalars(select(PollState))}
        assert states["trip_updates"].problem == ""
        assert states["trip_updates"].entities == len(feed.runs)
        assert states["trip_updates"].unknown_trips == 0
        assert states["alerts"].entities == 1
        # The board at the stop next to the Altmarkt bench, as its kiosk page shows it.
        (nearest, *_) = departures.nearby(db, *BENCH_ALTMARKT)
        assert nearest.stop_id == "dd:altmarkt"
        board = departures.board(db, "dd:altmarkt", now=now)
    assert board.realtime == "live"
    expected = {
        (s.run.trip_id, s.departs + timedelta(seconds=dict(s.run.stops)["dd:altmarkt"])): s
        for s in feed.runs.values()
    }
    delayed = [d for d in board.departures if d.delay_minutes and d.delay_minutes > 0]
    assert delayed, [(d.trip_id, d.scheduled, d.expected) for d in board.departures]
    for shown in board.departures:
        state = expected.get((shown.trip_id, shown.scheduled))
        assert state is not None, shown
        if state.cancelled:
            assert shown.cancelled
        else:
            assert shown.expected is not None
            assert shown.expected - shown.scheduled == timedelta(seconds=state.delay)


def test_outside_demo_mode_the_poll_does_not_reach_loopback(
    platform: Platform,
    world: World,
    served: tuple[RealtimeFeed, FeedServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, server = served
    _demo_timetable(world, server)
    monkeypatch.delenv("SMARTCITY_DEMO_MODE", raising=False)
    problem = jobs.poll_one(
        platform,
        world.dresden.id,
        realtime.TRIP_UPDATES,
        server.trip_updates_url,
        TransitSettings(),
    )
    assert problem == "127.0.0.1 is not a public address"
    # Demo mode opens the loopback address only, not private networks.
    monkeypatch.setenv("SMARTCITY_DEMO_MODE", "true")
    problem = jobs.poll_one(
        platform,
        world.dresden.id,
        realtime.TRIP_UPDATES,
        "http://10.1.2.3/rt",
        TransitSettings(),
    )
    assert problem == "10.1.2.3 is not a public address"
