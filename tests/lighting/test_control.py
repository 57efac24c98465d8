"""What the controller wants from each lamp, under a frozen clock (Dresden, late November:
civil dusk about 16:43, civil dawn about 07:02 local time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smartcity.core.errors import InvalidInput
from smartcity.lighting.control import Lamp, Place, night, targets
from smartcity.lighting.program import Program

BERLIN = ZoneInfo("Europe/Berlin")
DRESDEN = Place(51.0478, 13.7364, BERLIN)
PROGRAM = Program.parse(
    {
        "level": 100,
        "steps": [{"at": "22:00", "level": 50}, {"at": "05:00", "level": 100}],
        "min_level": 20,
        "on_demand": {"level": 90, "radius_m": 60, "next": 2, "hold_seconds": 120},
    }
)
# Five lamps 40 m apart along a street.
STREET = [Lamp(i, 51.0478 - i * 0.00036, 13.7364, single_lamp=True) for i in range(5)]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


def test_the_night_runs_from_civil_dusk_to_civil_dawn() -> None:
    start, end = night(DRESDEN, PROGRAM, at(26, 20))
    assert at(26, 16, 35) < start < at(26, 16, 50)
    assert at(27, 6, 55) < end < at(27, 7, 10)
    # Just after midnight the night that began the evening before is meant.
    assert night(DRESDEN, PROGRAM, at(27, 1)) == (start, end)


def test_off_in_daylight_on_after_dusk() -> None:
    assert set(targets(STREET, DRESDEN, PROGRAM, at(26, 12)).values()) == {0}
    assert set(targets(STREET, DRESDEN, PROGRAM, at(26, 17)).values()) == {100}


def test_offsets_move_the_switching_times() -> None:
    later = Program.parse({"dusk_offset_minutes": 30, "dawn_offset_minutes": 30})
    assert set(targets(STREET, DRESDEN, later, at(26, 17)).values()) == {0}
    assert set(targets(STREET, DRESDEN, later, at(26, 17, 20)).values()) == {100}
    assert set(targets(STREET, DRESDEN, later, at(27, 6, 45)).values()) == {0}


def test_the_dimming_profile() -> None:
    assert set(targets(STREET, DRESDEN, PROGRAM, at(26, 21, 59)).values()) == {100}
    assert set(targets(STREET, DRESDEN, PROGRAM, at(26, 22, 0)).values()) == {50}
    assert set(targets(STREET, DRESDEN, PROGRAM, at(27, 3)).values()) == {50}
    assert set(targets(STREET, DRESDEN, PROGRAM, at(27, 5, 30)).values()) == {100}


def test_a_single_lamp_luminaire_is_dimmed_but_never_switched_off_at_night() -> None:
    dark = Program.parse({"level": 100, "steps": [{"at": "23:00", "level": 0}], "min_level": 15})
    double = Lamp(99, 51.0478, 13.7364, single_lamp=False)
    wanted = targets([*STREET[:1], double], DRESDEN, dark, at(27, 1))
    assert wanted == {0: 15, 99: 0}
    with pytest.raises(InvalidInput, match="not switched off"):
        Program.parse({"min_level": 0})


def test_light_on_demand_raises_the_lamp_and_the_next_ones_within_reach() -> None:
    motion = [(1, at(27, 1) - timedelta(seconds=30))]
    wanted = targets(STREET, DRESDEN, PROGRAM, at(27, 1), motion)
    # Lamp 1 saw the motion; lamps 0 and 2 are 40 m away (within 60 m, the next two);
    # lamp 3 is 80 m away.
    assert wanted == {0: 90, 1: 90, 2: 90, 3: 50, 4: 50}


def test_light_on_demand_ends_after_the_hold_time() -> None:
    motion = [(1, at(27, 1) - timedelta(seconds=121))]
    assert set(targets(STREET, DRESDEN, PROGRAM, at(27, 1), motion).values()) == {50}


def test_motion_in_daylight_does_not_switch_on() -> None:
    motion = [(1, at(26, 12) - timedelta(seconds=10))]
    assert set(targets(STREET, DRESDEN, PROGRAM, at(26, 12), motion).values()) == {0}


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ({"steps": [{"at": "25:00", "level": 50}]}, "HH:MM"),
        ({"level": 120}, "0 to 100"),
        ({"on_demand": {"radius_m": -5}}, "radius_m"),
        ({"dimm": 1}, "Unknown program field"),
    ],
)
def test_bad_programs_are_refused_with_a_reason(program: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Program.parse(program)
