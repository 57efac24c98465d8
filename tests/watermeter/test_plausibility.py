"""Each plausibility rule on its own (dates are fixed: the rules see only what they are given)."""

from __future__ import annotations

from datetime import date

from smartcity.watermeter.plausibility import MeterState, check

LAST = date(2026, 1, 1)
# 100 days later
ON = date(2026, 4, 11)


def meter(**overrides: object) -> MeterState:
    values: dict[str, object] = {
        "digits": 5,
        "last_liters": 1_000_000,  # 1000 m³
        "last_read_on": LAST,
        "persons": 2,
        "daily_liters": 250.0,
    }
    values.update(overrides)
    return MeterState(**values)  # type: ignore[arg-type]


def test_a_normal_reading_is_accepted_without_flags() -> None:
    verdict = check(meter(), 1_025_000, ON)  # 25 m³ in 100 days: 250 l/day
    assert not verdict.refused
    assert verdict.flags == []
    assert verdict.consumption_liters == 25_000
    assert verdict.daily_liters == 250


def test_the_date_must_be_after_the_last_reading() -> None:
    assert check(meter(), 1_025_000, LAST).refusal == (
        "Das Ablesedatum muss nach der letzten Ablesung am 01.01.2026 liegen."
    )
    assert check(meter(), 1_025_000, date(2025, 12, 1)).refused


def test_no_more_digits_than_the_meter_has() -> None:
    refused = check(meter(digits=5), 100_000_000, ON)  # 100000 m³: six digits
    assert refused.refusal is not None
    assert "5 Stellen" in refused.refusal
    assert not check(meter(digits=5), 99_999_999, ON).refused  # 99999,999 m³ fits


def test_a_lower_reading_is_a_rollover_when_that_is_plausible() -> None:
    # Last 99990 m³; now 15 m³: over 99999 → 0 that is 25 m³ in 100 days.
    verdict = check(meter(last_liters=99_990_000), 15_000, ON)
    assert verdict.rollover is True
    assert verdict.consumption_liters == 25_000
    assert verdict.flags == []


def test_a_lower_reading_that_no_rollover_explains_is_flagged() -> None:
    verdict = check(meter(), 900_000, ON)  # 1000 → 900 m³; rollover would be 99900 m³
    assert not verdict.refused
    assert verdict.rollover is False
    assert [f.code for f in verdict.flags] == ["lower"]
    assert verdict.consumption_liters is None


def test_a_lower_reading_without_any_expectation_is_flagged() -> None:
    verdict = check(meter(persons=None, daily_liters=None, last_liters=99_990_000), 15_000, ON)
    assert [f.code for f in verdict.flags] == ["lower"]


def test_zero_consumption_is_flagged() -> None:
    verdict = check(meter(), 1_000_000, ON)
    assert [f.code for f in verdict.flags] == ["zero"]
    assert verdict.consumption_liters == 0


def test_far_below_the_previous_rate_is_flagged() -> None:
    # 7.4 m³ in 100 days = 74 l/day < 0.3 × 250 = 75
    assert [f.code for f in check(meter(), 1_007_400, ON).flags] == ["rate"]
    # 7.5 m³ = 75 l/day: just inside
    assert check(meter(), 1_007_500, ON).flags == []


def test_far_above_the_previous_rate_is_flagged() -> None:
    # 3 × 250 = 750 l/day is the edge; 760 l/day is beyond (and beyond 300 l per person too)
    assert check(meter(persons=None), 1_075_000, ON).flags == []
    assert [f.code for f in check(meter(persons=None), 1_076_000, ON).flags] == ["rate"]


def test_more_than_300_litres_per_person_and_day_is_flagged() -> None:
    # One person, expected 250 l/day: 310 l/day is within 3× but above 300 l per person.
    flags = check(meter(persons=1), 1_031_000, ON).flags
    assert [f.code for f in flags] == ["per_person"]
    assert "310 Litern pro Person" in flags[0].message
    assert check(meter(persons=1), 1_030_000, ON).flags == []  # exactly 300: fine


def test_without_history_the_german_average_per_person_is_expected() -> None:
    # 3 persons × 125 l = 375 l/day expected; 100 l/day is below 0.3 × 375 = 112.5
    fresh = meter(daily_liters=None, persons=3)
    assert [f.code for f in check(fresh, 1_010_000, ON).flags] == ["rate"]
    assert check(fresh, 1_037_500, ON).flags == []
    unknown = meter(daily_liters=None, persons=None)
    assert check(unknown, 1_010_000, ON).flags == []  # nothing to compare with
