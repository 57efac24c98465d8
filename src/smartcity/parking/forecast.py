"""Forecast of a car park's free spaces for the next hours.

A car park's week repeats: the profile is the mean of each weekday x 15-minute slot over its
history (in the municipality's local time, so that 8 o'clock stays 8 o'clock across daylight
saving changes). Right now, though, the car park may be fuller or emptier than usual (a market,
a holiday): the forecast starts from the current value and moves to the profile as that
difference fades, halving every `HALF_LIFE`. For the next few minutes that is almost "same as
now"; hours ahead it is the profile. bench/parking_forecast.py measures both against the naive
forecast on held-out Dresden data (docs/parking.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

SLOT = timedelta(minutes=15)
SLOTS_PER_DAY = 96
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
# Both chosen with bench/parking_forecast.py on the five Dresden car parks: any half-life from
# 6 to 24 hours beats "same as now" at every horizon there; four weeks of history follow the
# seasons better than six or a whole year.
HALF_LIFE = timedelta(hours=12)
HISTORY = timedelta(weeks=4)
# A profile needs its own values for half of the week's slots before it forecasts anything.
MIN_COVERAGE = 0.5


def slot_of(moment: datetime) -> int:
    """The weekday x 15-minute slot of a local time."""
    return moment.weekday() * SLOTS_PER_DAY + (moment.hour * 60 + moment.minute) // 15


def slot_start(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


@dataclass(frozen=True)
class Profile:
    """Mean value per weekday x 15-minute slot (index `slot_of`)."""

    means: tuple[float, ...]
    # Share of slots that had values of their own (the others are filled in).
    coverage: float

    @classmethod
    def learn(cls, series: Iterable[tuple[datetime, float]]) -> Profile | None:
        """The profile of (local time, value) pairs; None when they cover too little of a week
        to say anything about the slots they miss."""
        sums = [0.0] * SLOTS_PER_WEEK
        counts = [0] * SLOTS_PER_WEEK
        for moment, value in series:
            slot = slot_of(moment)
            sums[slot] += value
            counts[slot] += 1
        covered = sum(1 for count in counts if count)
        if covered < MIN_COVERAGE * SLOTS_PER_WEEK:
            return None
        own = [s / c if c else None for s, c in zip(sums, counts, strict=True)]
        return cls(means=tuple(_filled(own)), coverage=covered / SLOTS_PER_WEEK)

    def at(self, moment: datetime) -> float:
        return self.means[slot_of(moment)]


def _filled(own: list[float | None]) -> list[float]:
    """Missing slots take the mean of the same time of day on the other weekdays, or, where
    no day has it, the nearest earlier slot of the week that has a value."""
    by_time: list[list[float]] = [[] for _ in range(SLOTS_PER_DAY)]
    for slot, value in enumerate(own):
        if value is not None:
            by_time[slot % SLOTS_PER_DAY].append(value)
    filled: list[float | None] = [
        value
        if value is not None
        else (
            sum(by_time[slot % SLOTS_PER_DAY]) / len(by_time[slot % SLOTS_PER_DAY])
            if by_time[slot % SLOTS_PER_DAY]
            else None
        )
        for slot, value in enumerate(own)
    ]
    known = next(v for v in filled if v is not None)
    result: list[float] = []
    # Walk the week twice so that slots at its start can borrow from its end.
    last = known
    for value in filled + filled:
        last = value if value is not None else last
        result.append(last)
    return result[SLOTS_PER_WEEK:]


def forecast(
    profile: Profile,
    now: datetime,
    current: float,
    horizon: timedelta,
    *,
    lowest: float = 0.0,
    highest: float | None = None,
) -> list[tuple[datetime, float]]:
    """Values at each slot start after `now` (a local time) up to `horizon`, starting from the
    `current` value; kept within [lowest, highest]."""
    gap = current - profile.at(now)
    points: list[tuple[datetime, float]] = []
    moment = slot_start(now) + SLOT
    end = now + horizon
    while moment <= end:
        ahead = (moment - now) / HALF_LIFE
        value = profile.at(moment) + gap * math.pow(0.5, ahead)
        value = max(lowest, value if highest is None else min(highest, value))
        points.append((moment, value))
        moment += SLOT
    return points


@dataclass(frozen=True)
class Score:
    """Mean absolute error of the forecast and of "same as now" at one horizon."""

    horizon: timedelta
    forecast_error: float
    naive_error: float
    cases: int


def backtest(
    series: dict[datetime, float],
    start: datetime,
    horizons: Iterable[timedelta],
    *,
    every: timedelta = timedelta(hours=1),
) -> list[Score]:
    """Replay `series` (local times on the 15-minute grid) from `start` as the product runs:
    each week the profile is learnt from the `HISTORY` before it, and from every `every`-th
    point a forecast is made and compared with what was observed `horizon` later."""
    horizons = sorted(horizons)
    tallies = {h: [0.0, 0.0, 0] for h in horizons}
    moments = sorted(series)
    week_start = start
    while week_start <= moments[-1]:
        week_end = week_start + timedelta(weeks=1)
        profile = Profile.learn(
            (t, v) for t, v in series.items() if week_start - HISTORY <= t < week_start
        )
        if profile is not None:
            _score_week(profile, series, week_start, week_end, horizons, every, tallies)
        week_start = week_end
    return [
        Score(horizon=h, forecast_error=t[0] / t[2], naive_error=t[1] / t[2], cases=int(t[2]))
        for h, t in tallies.items()
        if t[2]
    ]


def _score_week(
    profile: Profile,
    series: dict[datetime, float],
    week_start: datetime,
    week_end: datetime,
    horizons: list[timedelta],
    every: timedelta,
    tallies: dict[timedelta, list[float]],
) -> None:
    origin = week_start
    while origin < week_end:
        current = series.get(origin)
        if current is not None:
            predicted = dict(forecast(profile, origin, current, horizons[-1], highest=math.inf))
            for horizon in horizons:
                actual = series.get(origin + horizon)
                if actual is not None:
                    tally = tallies[horizon]
                    tally[0] += abs(predicted[origin + horizon] - actual)
                    tally[1] += abs(current - actual)
                    tally[2] += 1
        origin += every
