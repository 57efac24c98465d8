"""A group's control program, as stored (JSON) and checked.

{
  "dusk_offset_minutes": 0,      # switch on this long after civil dusk (negative: before)
  "dawn_offset_minutes": 0,      # switch off this long before civil dawn (negative: after)
  "level": 100,                  # level from dusk on
  "steps": [{"at": "22:00", "level": 50}, {"at": "05:00", "level": 100}],
  "min_level": 10,               # single-lamp luminaires never go below this at night
  "on_demand": {"level": 100, "radius_m": 60, "next": 3, "hold_seconds": 120}
}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from smartcity.core.errors import InvalidInput

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class OnDemand:
    level: int
    radius_m: float
    next: int
    hold_seconds: int


@dataclass(frozen=True)
class Program:
    dusk_offset_minutes: int = 0
    dawn_offset_minutes: int = 0
    level: int = 100
    steps: tuple[tuple[time, int], ...] = ()
    min_level: int = 10
    on_demand: OnDemand | None = None

    @classmethod
    def parse(cls, data: Any) -> Program:
        if not isinstance(data, dict):
            raise InvalidInput("A control program is a JSON object.")
        unknown = set(data) - {
            "dusk_offset_minutes",
            "dawn_offset_minutes",
            "level",
            "steps",
            "min_level",
            "on_demand",
        }
        if unknown:
            raise InvalidInput(f"Unknown program field {sorted(unknown)[0]!r}.")
        steps = []
        for position, step in enumerate(data.get("steps") or []):
            if not isinstance(step, dict) or not _CLOCK.match(str(step.get("at", ""))):
                raise InvalidInput(f'steps[{position}] needs "at" as HH:MM and a level.')
            hours, minutes = (int(part) for part in step["at"].split(":"))
            steps.append((time(hours, minutes), _level(step.get("level"), f"steps[{position}]")))
        demand = data.get("on_demand")
        on_demand = None
        if demand is not None:
            if not isinstance(demand, dict):
                raise InvalidInput("on_demand is an object (level, radius_m, next, hold_seconds).")
            on_demand = OnDemand(
                level=_level(demand.get("level", 100), "on_demand.level"),
                radius_m=_number(demand.get("radius_m", 50), "on_demand.radius_m", 0, 1000),
                next=int(_number(demand.get("next", 3), "on_demand.next", 0, 50)),
                hold_seconds=int(
                    _number(demand.get("hold_seconds", 120), "on_demand.hold_seconds", 10, 3600)
                ),
            )
        program = cls(
            dusk_offset_minutes=int(
                _number(data.get("dusk_offset_minutes", 0), "dusk_offset_minutes", -180, 180)
            ),
            dawn_offset_minutes=int(
                _number(data.get("dawn_offset_minutes", 0), "dawn_offset_minutes", -180, 180)
            ),
            level=_level(data.get("level", 100), "level"),
            steps=tuple(steps),
            min_level=_level(data.get("min_level", 10), "min_level"),
            on_demand=on_demand,
        )
        if program.min_level == 0:
            raise InvalidInput(
                "min_level must be above 0: a single-lamp luminaire may be dimmed at night, "
                "not switched off (EN 13201)."
            )
        return program

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dusk_offset_minutes": self.dusk_offset_minutes,
            "dawn_offset_minutes": self.dawn_offset_minutes,
            "level": self.level,
            "steps": [{"at": at.strftime("%H:%M"), "level": level} for at, level in self.steps],
            "min_level": self.min_level,
        }
        if self.on_demand is not None:
            data["on_demand"] = {
                "level": self.on_demand.level,
                "radius_m": self.on_demand.radius_m,
                "next": self.on_demand.next,
                "hold_seconds": self.on_demand.hold_seconds,
            }
        return data


def _number(value: Any, name: str, lowest: float, highest: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be a number.")
    if not lowest <= value <= highest:
        raise InvalidInput(f"{name} must lie between {lowest:g} and {highest:g}.")
    return float(value)


def _level(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise InvalidInput(f"{name} must be a dim level from 0 to 100 (%).")
    return value
