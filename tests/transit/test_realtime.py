"""GTFS-Realtime on the departure board: delays propagated down the trip, cancelled trips and
skipped stops, alerts per stop and route, stale data falling back to the timetable (visibly),
and feeds that are not GTFS-Realtime or name unknown trips."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from google.transit import gtfs_realtime_pb2
from sqlalchemy import Engine, event, select

from smartcity.core.platform import Platform
from smartcity.transit import departures, feeds, jobs, realtime
from smartcity.transit.departures import Board
from smartcity.transit.models import RealtimeFeed, TripUpdate
from smartcity.transit.schemas import SourcesIn
from smartcity.transit.settings import TransitSettings
from tests.conftest import World
from tests.transit.conftest import BERLIN, alerts, local, trip_updates

NOW = local(2026, 6, 3, 7, 55)


def keep(
    world: World, payload: bytes, kind: str = realtime.TRIP_UPDATES, at: datetime = NOW
) -> None:
    """Store a realtime message as the poll does."""
    with world.tenant(world.dresden) as db:
        message = realtime.parse(payload)
        if kind == realtime.TRIP_UPDATES:
            feed = feeds.active_feed(db)
            assert feed is not None
            realtime.store_trip_updates(
                db, message, feed_id=feed.id, municipality_id=world.dresden.id, received_at=at
            )
        else:
            realtime.store_alerts(db, message, municipality_id=world.dresden.id, received_at=at)


def board_at(world: World, stop_id: str, now: datetime = NOW, language: str = "de") -> Board:
    with world.tenant(world.dresden) as db:
        return departures.board(db, stop_id, now=now, language=language)


def shown(board: Board) -> list[tuple[str, str, str | None, bool]]:
    return [
        (
            d.trip_id,
            d.scheduled.astimezone(BERLIN).strftime("%H:%M"),
            d.expected.astimezone(BERLIN).strftime("%H:%M") if d.expected else None,
            d.cancelled,
        )
        for d in board.departures
    ]


def test_a_delay_propagates_to_the_later_stops(timetable: World) -> None:
    # Three minutes late leaving the first stop; nothing said about Markt: three minutes there too.
    keep(timetable, trip_updates(NOW, [{"trip_id": "T1", "stops": [(1, "S1a", 180)]}]))
    markt = board_at(timetable, "S2")
    assert shown(markt)[0] == ("T1", "08:05", "08:08", False)
    assert markt.departures[0].delay_minutes == 3
    assert markt.realtime == "live"
    # T2 has no update: timetable only.
    assert shown(markt)[1] == ("T2", "08:25", None, False)


def test_a_later_stop_update_wins_and_the_trip_delay_is_the_fallback(timetable: World) -> None:
    keep(
        timetable,
        trip_updates(
            NOW,
            [
                {"trip_id": "T1", "stops": [(1, "S1a", 120), (2, "S2", 60)]},
                {"trip_id": "T2", "delay": 300},
            ],
        ),
    )
    markt = board_at(timetable, "S2")
    assert shown(markt) == [("T1", "08:05", "08:06", False), ("T2", "08:25", "08:30", False)]


def test_an_update_naming_the_stop_only_is_matched_by_stop_id(timetable: World) -> None:
    keep(timetable, trip_updates(NOW, [{"trip_id": "T1", "stops": [(None, "S1a", 240)]}]))
    assert shown(board_at(timetable, "S2"))[0] == ("T1", "08:05", "08:09", False)


def test_cancelled_trips_and_skipped_stops_show_as_cancelled(timetable: World) -> None:
    keep(
        timetable,
        trip_updates(
            NOW,
            [
                {"trip_id": "T1", "canceled": True},
                {"trip_id": "T2", "stops": [(2, "S2", None, True)]},
            ],
        ),
    )
    station = board_at(timetable, "S1")
    assert shown(station) == [("T1", "08:00", None, True), ("T2", "08:20", None, False)]
    markt = board_at(timetable, "S2")
    assert [d.cancelled for d in markt.departures] == [True, True]


def test_an_update_for_another_service_day_is_not_applied(timetable: World) -> None:
    keep(
        timetable,
        trip_updates(NOW, [{"trip_id": "T1", "start_date": "20260602", "canceled": True}]),
    )
    assert shown(board_at(timetable, "S1"))[0] == ("T1", "08:00", None, False)


def test_a_delayed_trip_scheduled_before_now_is_still_shown(timetable: World) -> None:
    at = local(2026, 6, 3, 8, 3)
    keep(timetable, trip_updates(at, [{"trip_id": "T1", "stops": [(1, "S1a", 600)]}]), at=at)
    late = board_at(timetable, "S1", at)
    assert shown(late) == [("T1", "08:00", "08:10", False), ("T2", "08:20", None, False)]


def test_stale_realtime_falls_back_to_the_timetable_visibly(timetable: World) -> None:
    keep(timetable, trip_updates(NOW - timedelta(minutes=10), [{"trip_id": "T1", "delay": 300}]))
    board = board_at(timetable, "S1")
    assert board.realtime == "stale"
    assert shown(board)[0] == ("T1", "08:00", None, False)


def test_alerts_for_the_stop_go_on_the_board_and_for_a_route_on_its_departures(
    timetable: World,
) -> None:
    keep(
        timetable,
        alerts(
            NOW,
            [
                {"header": "Aufzug defekt", "header_en": "Lift out of order", "stop_id": "S1"},
                {"header": "Umleitung Linie 1", "route_id": "R1"},
                {"header": "Baustelle am Markt", "stop_id": "S2"},
            ],
        ),
        kind=realtime.ALERTS,
    )
    station = board_at(timetable, "S1")
    assert [a.header for a in station.alerts] == ["Aufzug defekt"]
    assert [a.header for a in station.departures[0].alerts] == ["Umleitung Linie 1"]
    assert [a.header for a in board_at(timetable, "S1", language="en").alerts] == [
        "Lift out of order"
    ]


def test_a_payload_that_is_not_protobuf_leaves_the_state_untouched(
    timetable: World, platform: Platform, file_server: tuple[str, Path], private_addresses: None
) -> None:
    keep(timetable, trip_updates(NOW, [{"trip_id": "T1", "delay": 300}]))
    base, root = file_server
    (root / "tu.pb").write_bytes(b"<html>Wartungsarbeiten</html>")
    problem = jobs.poll_one(
        platform, timetable.dresden.id, realtime.TRIP_UPDATES, f"{base}/tu.pb", TransitSettings()
    )
    assert "not a GTFS-Realtime" in problem
    with timetable.tenant(timetable.dresden) as db:
        state = db.scalar(select(RealtimeFeed).where(RealtimeFeed.kind == realtime.TRIP_UPDATES))
        assert state is not None
        assert "not a GTFS-Realtime" in state.problem
        assert [u.trip_id for u in db.scalars(select(TripUpdate))] == ["T1"]


def test_the_job_polls_the_configured_sources_and_counts_unknown_trips(
    timetable: World, platform: Platform, file_server: tuple[str, Path], private_addresses: None
) -> None:
    base, root = file_server
    produced = datetime.now(BERLIN)
    (root / "tu.pb").write_bytes(
        trip_updates(
            produced,
            [{"trip_id": "T1", "delay": 120}, {"trip_id": "GIBT-ES-NICHT", "delay": 60}],
        )
    )
    (root / "alerts.pb").write_bytes(alerts(produced, [{"header": "Streik", "route_id": "R2"}]))
    with timetable.tenant(timetable.dresden) as db:
        from smartcity.transit import services

        services.set_sources(
            db,
            SourcesIn(trip_updates_url=f"{base}/tu.pb", alerts_url=f"{base}/alerts.pb"),
            "test",
        )
    jobs.poll_realtime(platform)
    with timetable.tenant(timetable.dresden) as db:
        states = {s.kind: s for s in db.scalars(select(RealtimeFeed))}
        assert (states["trip_updates"].entities, states["trip_updates"].unknown_trips) == (1, 1)
        assert states["alerts"].entities == 1
        assert states["trip_updates"].problem == ""


def test_the_realtime_message_is_read_with_the_official_bindings() -> None:
    payload = trip_updates(NOW, [{"trip_id": "T1", "delay": 60}])
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(payload)
    assert (
        realtime.parse(payload).entity[0].trip_update.delay == message.entity[0].trip_update.delay
    )


# Saturday: the frequency-based trip F1 leaves Markt (S2) every 10 minutes from 06:00 to 09:00.
SATURDAY = local(2026, 6, 6, 7, 55)


def test_an_update_for_a_frequency_based_trip_applies_to_the_run_it_names(
    timetable: World,
) -> None:
    keep(
        timetable,
        trip_updates(
            SATURDAY,
            [
                # The 08:00 run leaves Markt 4 minutes late, and so reaches Hauptplatz late too.
                {"trip_id": "F1", "start_time": "08:00:00", "stops": [(1, "S2", 240)]},
                {
                    "trip_id": "F1",
                    "start_time": "08:10:00",
                    "start_date": "20260606",
                    "canceled": True,
                },
                # Another day's 08:20 run, and an update without a run: neither applies.
                {"trip_id": "F1", "start_time": "08:20:00", "start_date": "20260607", "delay": 600},
                {"trip_id": "F1", "delay": 900},
            ],
        ),
        at=SATURDAY,
    )
    markt = board_at(timetable, "S2", SATURDAY)
    assert shown(markt)[:4] == [
        ("F1", "08:00", "08:04", False),
        ("F1", "08:10", None, True),
        ("F1", "08:20", None, False),
        ("F1", "08:30", None, False),
    ]
    hauptplatz = board_at(timetable, "S1", SATURDAY)
    assert shown(hauptplatz)[:2] == [("F1", "08:04", "08:08", False), ("F1", "08:14", None, True)]


def test_an_absolute_time_for_a_run_is_measured_against_that_run(timetable: World) -> None:
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = int(SATURDAY.timestamp())
    update = message.entity.add(id="run").trip_update
    update.trip.trip_id, update.trip.start_time = "F1", "08:10:00"
    stop = update.stop_time_update.add(stop_sequence=1, stop_id="S2")
    stop.departure.time = int(local(2026, 6, 6, 8, 12).timestamp())
    keep(timetable, message.SerializeToString(), at=SATURDAY)
    assert shown(board_at(timetable, "S1", SATURDAY))[:2] == [
        ("F1", "08:04", None, False),
        ("F1", "08:14", "08:16", False),
    ]


def test_extra_trips_show_at_the_stops_they_name_with_their_times(timetable: World) -> None:
    keep(
        timetable,
        trip_updates(
            NOW,
            [
                {
                    "trip_id": "E1",
                    "added": "ADDED",
                    "route_id": "R1",
                    "times": [
                        ("S1a", local(2026, 6, 3, 8, 12)),
                        ("S2", local(2026, 6, 3, 8, 17)),
                        ("S3", local(2026, 6, 3, 8, 22)),
                    ],
                },
                {
                    "trip_id": "E2",
                    "added": "NEW",
                    "route_id": "R2",
                    "headsign": "Stadion",
                    "times": [("S2", local(2026, 6, 3, 8, 1)), ("S3", local(2026, 6, 3, 8, 9))],
                },
            ],
        ),
    )
    markt = board_at(timetable, "S2")
    assert [(d.trip_id, d.route, d.headsign, d.extra_trip) for d in markt.departures] == [
        ("E2", "2", "Stadion", True),
        ("T1", "1", "Endstelle", False),
        ("E1", "1", "Endstelle", True),
        ("T2", "1", "Endstelle", False),
    ]
    assert shown(markt)[2] == ("E1", "08:17", None, False)
    # The station shows it at its platform; its last stop has no departure.
    station = board_at(timetable, "S1")
    assert [(d.trip_id, d.platform) for d in station.departures if d.extra_trip] == [("E1", "1")]
    assert not [d for d in board_at(timetable, "S3").departures if d.extra_trip]


def test_extra_trips_with_unknown_stops_or_no_times_are_ignored_and_counted(
    timetable: World,
) -> None:
    at = local(2026, 6, 3, 8, 10)
    keep(
        timetable,
        trip_updates(
            NOW,
            [
                {"trip_id": "T1", "delay": 60},
                {
                    "trip_id": "E1",
                    "added": "ADDED",
                    "route_id": "R1",
                    "times": [("S2", at), ("GIBT-ES-NICHT", at + timedelta(minutes=5))],
                },
                {
                    "trip_id": "E2",
                    "added": "ADDED",
                    "route_id": "R1",
                    "times": [("S2", None), ("S3", None)],
                },
                {
                    "trip_id": "E3",
                    "added": "ADDED",
                    "route_id": "R9",
                    "times": [("S2", at), ("S3", at)],
                },
            ],
        ),
    )
    with timetable.tenant(timetable.dresden) as db:
        state = db.scalar(select(RealtimeFeed).where(RealtimeFeed.kind == realtime.TRIP_UPDATES))
        assert state is not None
        assert (state.entities, state.unknown_trips, state.ignored_added, state.problem) == (
            1,
            0,
            3,
            "",
        )
    markt = board_at(timetable, "S2")
    assert not [d for d in markt.departures if d.extra_trip]
    assert shown(markt)[0] == ("T1", "08:05", "08:06", False)


def test_stale_realtime_shows_neither_extra_trips_nor_run_delays(timetable: World) -> None:
    old = SATURDAY - timedelta(minutes=10)
    keep(
        timetable,
        trip_updates(
            old,
            [
                {"trip_id": "F1", "start_time": "08:00:00", "canceled": True},
                {
                    "trip_id": "E1",
                    "added": "ADDED",
                    "route_id": "R2",
                    "times": [("S2", local(2026, 6, 6, 8, 2)), ("S3", local(2026, 6, 6, 8, 9))],
                },
            ],
        ),
        at=old,
    )
    markt = board_at(timetable, "S2", SATURDAY)
    assert markt.realtime == "stale"
    assert shown(markt)[:2] == [("F1", "08:00", None, False), ("F1", "08:10", None, False)]


def test_a_duplicated_trip_is_not_applied_to_the_original_and_is_counted(
    timetable: World,
) -> None:
    # A copy of T1 forty minutes later: its delay is the copy's, not T1's. It comes before the
    # update for T1 itself, which is the one that applies.
    keep(
        timetable,
        trip_updates(
            NOW,
            [
                {
                    "trip_id": "T1",
                    "relationship": "DUPLICATED",
                    "duplicate": {
                        "trip_id": "T1-copy",
                        "start_date": "20260603",
                        "start_time": "08:40:00",
                    },
                    "stops": [(1, "S1a", 2400)],
                },
                {"trip_id": "T1", "delay": 120},
                {"trip_id": "T2", "relationship": "DUPLICATED", "delay": 2400},
            ],
        ),
    )
    with timetable.tenant(timetable.dresden) as db:
        state = db.scalar(select(RealtimeFeed).where(RealtimeFeed.kind == realtime.TRIP_UPDATES))
        assert state is not None
        assert (state.entities, state.ignored_added, state.extra_trips) == (1, 2, 0)
        assert [(u.trip_id, u.relationship) for u in db.scalars(select(TripUpdate))] == [
            ("T1", "SCHEDULED")
        ]
    assert shown(board_at(timetable, "S2")) == [
        ("T1", "08:05", "08:07", False),
        ("T2", "08:25", None, False),
    ]


def test_an_update_naming_the_service_day_wins_over_one_that_does_not(timetable: World) -> None:
    keep(
        timetable,
        trip_updates(
            NOW,
            [
                {"trip_id": "T1", "delay": 600},
                {"trip_id": "T1", "start_date": "20260603", "delay": 120},
                {"trip_id": "T2", "delay": 60},
                {"trip_id": "T2", "delay": 300},
            ],
        ),
    )
    # T1: the one naming 3 June; T2: neither names a day, the first in the feed.
    assert shown(board_at(timetable, "S1")) == [
        ("T1", "08:00", "08:02", False),
        ("T2", "08:20", "08:21", False),
    ]


def test_a_deleted_trip_is_left_off_the_board(timetable: World) -> None:
    keep(
        timetable,
        trip_updates(
            SATURDAY,
            [
                {"trip_id": "F1", "start_time": "08:10:00", "relationship": "DELETED"},
            ],
        ),
        at=SATURDAY,
    )
    # Only the 08:10 run of the frequency-based trip is deleted; a cancelled one would show.
    assert shown(board_at(timetable, "S2", SATURDAY))[:3] == [
        ("F1", "08:00", None, False),
        ("F1", "08:20", None, False),
        ("F1", "08:30", None, False),
    ]
    keep(timetable, trip_updates(NOW, [{"trip_id": "T1", "relationship": "DELETED"}]))
    assert shown(board_at(timetable, "S1")) == [("T2", "08:20", None, False)]


def test_boards_look_for_extra_trips_only_when_the_poll_kept_some(timetable: World) -> None:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def extra_queries() -> list[str]:
        return [s for s in statements if "transit_rt_trip" in s and "relationship IN" in s]

    extra = {
        "trip_id": "E1",
        "added": "ADDED",
        "route_id": "R1",
        "times": [("S2", local(2026, 6, 3, 8, 10)), ("S3", local(2026, 6, 3, 8, 15))],
    }
    keep(timetable, trip_updates(NOW, [{"trip_id": "T1", "delay": 60}, extra]))
    with timetable.tenant(timetable.dresden) as db:
        state = db.scalar(select(RealtimeFeed).where(RealtimeFeed.kind == realtime.TRIP_UPDATES))
        assert state is not None
        assert (state.entities, state.extra_trips) == (2, 1)
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        assert [d.trip_id for d in board_at(timetable, "S2").departures] == ["T1", "E1", "T2"]
        assert len(extra_queries()) == 1
        statements.clear()
        keep(timetable, trip_updates(NOW, [{"trip_id": "T1", "delay": 60}]))
        assert [d.trip_id for d in board_at(timetable, "S2").departures] == ["T1", "T2"]
        assert extra_queries() == []
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
