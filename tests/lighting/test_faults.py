"""Each fault rule on its own readings (rated power 60 W)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartcity.lighting import faults

NOW = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
RATED = 60.0


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_lamp_failure_commanded_on_but_no_power() -> None:
    commanded = NOW - minutes(20)
    assert faults.lamp_failure(100, commanded, (NOW - minutes(1), 0.4), RATED, NOW)
    assert not faults.lamp_failure(100, commanded, (NOW - minutes(1), 31.0), RATED, NOW)
    # Off is no failure; nor is a reading taken before the lamp had time to follow.
    assert not faults.lamp_failure(0, commanded, (NOW - minutes(1), 0.0), RATED, NOW)
    assert not faults.lamp_failure(100, NOW - minutes(2), (NOW - minutes(1), 0.0), RATED, NOW)
    assert not faults.lamp_failure(100, commanded, (commanded + minutes(1), 0.0), RATED, NOW)
    assert not faults.lamp_failure(100, commanded, None, RATED, NOW)


def test_day_burner_lit_in_daylight() -> None:
    assert faults.day_burner(False, (NOW, 58.0), RATED)
    assert not faults.day_burner(False, (NOW, 0.5), RATED)
    assert not faults.day_burner(True, (NOW, 58.0), RATED)


def test_cycling_many_switches_in_the_window() -> None:
    flicker = [(NOW - minutes(29 - 4 * i), 60.0 if i % 2 else 0.0) for i in range(7)]
    assert faults.cycling(flicker, RATED, NOW)
    steady = [(NOW - minutes(29 - 4 * i), 60.0) for i in range(7)]
    assert not faults.cycling(steady, RATED, NOW)
    # The same switches spread over two hours are no cycling.
    slow = [(NOW - minutes(119 - 20 * i), 60.0 if i % 2 else 0.0) for i in range(7)]
    assert not faults.cycling(slow, RATED, NOW)


def test_communication_loss_after_the_silence() -> None:
    assert faults.communication_loss(NOW - minutes(31), NOW)
    assert not faults.communication_loss(NOW - minutes(29), NOW)
    assert not faults.communication_loss(None, NOW)
