"""Departures from the timetable: calendars and their exceptions, trips past midnight,
frequency-based trips, the two days the clocks change, stations with platforms and
accessibility, and the last stop of a trip (no departure there)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartcity.transit import departures
from smartcity.transit.departures import Board
from tests.conftest import World
from tests.transit.conftest import BERLIN, local


def board_at(world: World, stop_id: str, now: datetime, minutes: int = 60) -> Board:
    with world.tenant(world.dresden) as db:
        return departures.board(db, stop_id, now=now, minutes=minutes)


def times(board: Board) -> list[tuple[str, str]]:
    return [(d.trip_id, d.scheduled.astimezone(BERLIN).strftime("%H:%M")) for d in board.departures]


def test_a_station_shows_its_platforms_departures_with_platform_and_accessibility(
    timetable: World,
) -> None:
    # Wednesday 3 June 2026: the weekday service runs.
    board = board_at(timetable, "S1", local(2026, 6, 3, 7, 55))
    assert times(board) == [("T1", "08:00"), ("T2", "08:20")]
    first = board.departures[0]
    assert (first.route, first.headsign, first.platform) == ("1", "Endstelle", "1")
    # The platform says "unknown", so the station's "possible" holds; the tram is accessible.
    assert (first.wheelchair_boarding, first.wheelchair_accessible) == (1, 1)
    assert board.realtime == "none"


def test_the_window_is_the_next_hour(timetable: World) -> None:
    assert times(board_at(timetable, "S1", local(2026, 6, 3, 7, 0))) == [("T1", "08:00")]
    assert times(board_at(timetable, "S1", local(2026, 6, 3, 8, 1))) == [("T2", "08:20")]


def test_calendar_exceptions_remove_and_add_service(timetable: World) -> None:
    # Thursday 4 June 2026: the weekday service is removed, an extra bus runs instead.
    board = board_at(timetable, "S1", local(2026, 6, 4, 7, 55))
    assert times(board) == [("X1", "08:15")]
    extra = board.departures[0]
    assert (extra.platform, extra.wheelchair_boarding) == ("2", 2)
    # …and the extra bus does not run on an ordinary Wednesday.
    assert "X1" not in dict(times(board_at(timetable, "S1", local(2026, 6, 3, 7, 55))))


def test_times_past_midnight_belong_to_the_previous_service_day(timetable: World) -> None:
    # Friday's night tram at 24:10 leaves on Saturday at 00:10 (no weekday service on Saturday).
    assert times(board_at(timetable, "S1", local(2026, 6, 6, 0, 5))) == [("N1", "00:10")]
    late = board_at(timetable, "S1", local(2026, 6, 5, 23, 50))
    assert times(late) == [("N1", "00:10")]
    assert late.departures[0].scheduled == datetime(2026, 6, 5, 22, 10, tzinfo=UTC)
    assert late.departures[0].service_date.isoformat() == "2026-06-05"


def test_frequency_based_trips_run_every_headway(timetable: World) -> None:
    # Saturday: bus 2 every 10 minutes from 06:00 to 09:00 at Markt (its first stop).
    board = board_at(timetable, "S2", local(2026, 6, 6, 6, 25))
    assert [t for _, t in times(board)] == ["06:30", "06:40", "06:50", "07:00", "07:10", "07:20"]
    # Four minutes later at the station's platform 2; the last run starts at 08:50.
    late = board_at(timetable, "S1", local(2026, 6, 6, 8, 30))
    assert [t for _, t in times(late)] == ["08:34", "08:44", "08:54"]


def test_departures_on_the_days_the_clocks_change(timetable: World) -> None:
    # 29 March 2026, clocks go forward at 02:00; 25 October 2026, back at 03:00. A trip at
    # 08:00:00 leaves at 08:00 local time on both (GTFS counts from noon minus 12 hours).
    # (Both are Sundays, so the weekend bus runs at Markt as well.)
    spring = board_at(timetable, "S2", local(2026, 3, 29, 7, 30))
    assert [t for t in times(spring) if t[0] == "D1"] == [("D1", "08:00")]
    found = next(d for d in spring.departures if d.trip_id == "D1")
    assert found.scheduled == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    autumn = board_at(timetable, "S2", local(2026, 10, 25, 7, 30))
    assert [t for t in times(autumn) if t[0] == "D1"] == [("D1", "08:00")]
    found = next(d for d in autumn.departures if d.trip_id == "D1")
    assert found.scheduled == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)


def test_the_last_stop_of_a_trip_has_no_departure(timetable: World) -> None:
    assert board_at(timetable, "S3", local(2026, 6, 3, 7, 55)).departures == []


def test_stop_search_finds_stations_and_lone_stops_not_platforms(timetable: World) -> None:
    with timetable.tenant(timetable.dresden) as db:
        assert [s.stop_id for s in departures.search(db, "haupt")] == ["S1"]
        assert [s.stop_id for s in departures.search(db, "mar")] == ["S2"]
        assert [s.stop_id for s in departures.nearby(db, 51.0549, 13.7349)] == ["S2"]


def test_other_municipalities_see_nothing_of_the_timetable(timetable: World) -> None:
    with timetable.tenant(timetable.radebeul) as db:
        assert departures.search(db, "haupt") == []


def test_the_boards_of_several_stops_are_each_stops_own_board(timetable: World) -> None:
    # A kiosk asks for the stops near a bench at once; the shared lookups (service days,
    # the latest departure past midnight, frequency-based runs) change none of them.
    moments = (local(2026, 6, 6, 0, 5), local(2026, 6, 6, 6, 25), local(2026, 6, 3, 7, 55))
    for now in moments:
        with timetable.tenant(timetable.dresden) as db:
            together = departures.boards(db, ["S1", "S2"], now=now, limit=8)
            alone = [departures.board(db, s, now=now, limit=8) for s in ("S1", "S2")]
            assert departures.boards(db, [], now=now) == []
        assert [times(b) for b in together] == [times(b) for b in alone]
    with timetable.tenant(timetable.dresden) as db:
        night, saturday = departures.boards(db, ["S1", "S2"], now=moments[0], limit=8)
    # Friday's service day still reaches Saturday 00:10 at the station.
    assert times(night) == [("N1", "00:10")]
    assert len(saturday.departures) <= 8


def test_a_delay_is_counted_in_the_minutes_a_board_shows() -> None:
    """ "+1" never stands beside two equal times: a board shows HH:MM, so the delay is the
    minutes between the expected and the planned time as shown."""
    planned = datetime(2026, 12, 4, 17, 47, tzinfo=UTC)

    def delay(seconds: int) -> int | None:
        found = departures.Departure(
            trip_id="T1",
            service_date=planned.date(),
            route_id="11",
            route="11",
            route_type=0,
            color="",
            text_color="",
            headsign="Albertplatz",
            stop_id="S1",
            stop_name="Altmarkt",
            platform="",
            scheduled=planned,
            expected=planned + timedelta(seconds=seconds),
        )
        return found.delay_minutes

    assert delay(40) == 0  # still 17:47: on time
    assert delay(70) == 1  # 17:48
    assert delay(180) == 3
    assert delay(-20) == -1  # 17:46:40 is shown as 17:46
