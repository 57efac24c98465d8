"""GTFS-Realtime on the departure board: delays propagated down the trip, cancelled trips and
skipped stops, alerts per stop and route, stale data falling back to the timetable (visibly),
and feeds that are not GTFS-Realtime or name unknown trips."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from google.transit import gtfs_realtime_pb2
from sqlalchemy import select

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
