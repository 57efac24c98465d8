"""From cumulative readings to consumption: plain differences, a meter exchange, a counter
running over, a lower reading nobody can explain; months split by time in Dresden's time
zone (across the change to summer time); sudden rises and a high base load at night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smartcity.energy.consumption import (
    EXCHANGE,
    LOWER,
    ROLLOVER,
    Exchange,
    Reading,
    covered_months,
    intervals,
    jumps,
    monthly,
    night_base_load,
    seasonal_jumps,
)

BERLIN = ZoneInfo("Europe/Berlin")


def local(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BERLIN).astimezone(UTC)


def test_differences_exchange_rollover_and_an_unexplained_lower_reading() -> None:
    readings = [
        Reading(local(2026, 1, 1), 1000.0),
        Reading(local(2026, 2, 1), 1300.0),
        # Exchanged on 10 February: old meter ended at 1400, the new one started at 5.
        Reading(local(2026, 3, 1), 205.0),
        Reading(local(2026, 4, 1), 100.0),
    ]
    exchange = Exchange(local(2026, 2, 10), 1400.0, 5.0)
    found = intervals(readings, [exchange])
    assert [(i.amount, i.note) for i in found] == [
        (300.0, ""),
        (100.0 + 200.0, EXCHANGE),
        (None, LOWER),
    ]
    # With five digits, 99 900 → 150 is the counter passing 99 999.
    over = intervals(
        [Reading(local(2026, 1, 1), 99_900.0), Reading(local(2026, 2, 1), 150.0)], (), 5
    )
    assert [(i.amount, i.note) for i in over] == [(250.0, ROLLOVER)]


def test_months_are_split_by_time_in_local_time_across_summer_time() -> None:
    # 15 March to 15 April (local): March has 16 days and 23 hours of it (the night of
    # 29 March is an hour short), April 14 days.
    start, end = local(2026, 3, 15), local(2026, 4, 15)
    hours = (end - start).total_seconds() / 3600
    assert hours == 31 * 24 - 1
    months = monthly(intervals([Reading(start, 0.0), Reading(end, hours)]), BERLIN)
    assert months[(2026, 3)] == pytest.approx(17 * 24 - 1)
    assert months[(2026, 4)] == pytest.approx(14 * 24)
    # A month counts as covered only where readings reach from its start to its end.
    readings = [Reading(local(2026, 1, 1), 0), Reading(local(2026, 3, 2), 1)]
    assert covered_months(readings, BERLIN) == {(2026, 1), (2026, 2)}
    # Read in the morning of the first: the month counts; read a day later, it does not.
    morning = [Reading(local(2026, 1, 1, 6), 0), Reading(local(2026, 4, 1, 6), 1)]
    assert covered_months(morning, BERLIN) == {(2026, 1), (2026, 2), (2026, 3)}
    late = [Reading(local(2026, 1, 2, 6), 0), Reading(local(2026, 3, 30, 6), 1)]
    assert covered_months(late, BERLIN) == {(2026, 2)}


def test_a_sudden_rise_and_a_seasonal_one() -> None:
    start = local(2026, 1, 1)
    values = [0.0, 100.0, 205.0, 300.0, 398.0, 1400.0, 1500.0]
    readings = [Reading(start + timedelta(days=7 * i), v) for i, v in enumerate(values)]
    found = jumps(intervals(readings))
    assert len(found) == 1
    assert found[0].at == start + timedelta(days=35)
    assert found[0].value == pytest.approx(1002 / 7)
    assert found[0].expected == pytest.approx(99 / 7)  # median of 100, 105, 95, 98
    # Heating: a cold January against last January is fine; twice last January is not.
    months = {(2025, 1): 1000.0, (2026, 1): 1400.0, (2025, 2): 900.0, (2026, 2): 1800.0}
    assert [(a.at, a.value) for a in seasonal_jumps(months, BERLIN)] == [
        (local(2026, 3, 1), 1800.0)
    ]


def test_a_high_base_load_at_night_is_found_in_hourly_readings() -> None:
    def hourly(night_kw: float) -> list[Reading]:
        value, rows = 0.0, []
        at = local(2026, 11, 2)  # a Monday
        while at < local(2026, 11, 9):
            rows.append(Reading(at, value))
            hour = at.astimezone(BERLIN)
            busy = hour.weekday() < 5 and 8 <= hour.hour < 18
            value += 100.0 if busy else night_kw
            at += timedelta(hours=1)
        return rows

    high = night_base_load(intervals(hourly(70.0)), BERLIN)
    assert high is not None
    assert high.value == pytest.approx(70.0)
    assert high.expected == pytest.approx(100.0)
    assert night_base_load(intervals(hourly(20.0)), BERLIN) is None
    # Monthly readings say nothing about nights.
    monthly_only = [Reading(local(2026, m, 1), 1000.0 * m) for m in range(1, 6)]
    assert night_base_load(intervals(monthly_only), BERLIN) is None
