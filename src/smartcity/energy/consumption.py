"""From a meter's cumulative readings to consumption: per reading interval, per calendar
month (in the municipality's time zone), and what looks wrong.

Between two readings the meter used the difference, except where
- a meter exchange lies between them (at or after the first, before the second): the old
  meter's final reading minus the first, plus the second minus the new meter's start;
- the second is lower and the meter has a known number of digits: the counter ran over from
  all nines to zero (second + 10^digits − first);
- the second is lower otherwise: not a consumption anyone can know; the interval counts as
  nothing and is reported.

An interval's consumption is spread over the months it spans in proportion to time (the
readings are usually taken around the turn of a month, not exactly at midnight)."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# A reading interval whose daily rate is this many times the median of the meter's previous
# intervals is a sudden jump (electricity, water: use that does not follow the seasons).
JUMP_FACTOR = 3.0
JUMP_HISTORY = 6
JUMP_MIN_HISTORY = 3
# Heating follows the seasons, so a month is compared with the same month a year earlier.
SEASONAL_JUMP_FACTOR = 1.5
# Night base load: mean power from 0 to 4 o'clock at least this share of the mean power on
# working days from 8 to 18 o'clock (a building that is empty at night should draw far less).
NIGHT_SHARE = 0.6
NIGHT_HOURS = range(0, 4)
DAY_HOURS = range(8, 18)
NIGHT_WINDOW = timedelta(days=14)
# Readings at most this far apart show the course of a day.
FINE_INTERVAL = timedelta(hours=1)
# How far from a month's turn a reading may be and still mark it (in either direction).
MONTH_EDGE = timedelta(hours=23)

LOWER = "lower"
ROLLOVER = "rollover"
EXCHANGE = "exchange"

Month = tuple[int, int]


@dataclass(frozen=True)
class Reading:
    at: datetime
    value: float


@dataclass(frozen=True)
class Exchange:
    at: datetime
    old_final: float
    new_start: float


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    # None: the second reading was lower and no exchange or run-over explains it.
    amount: float | None
    note: str = ""

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400


@dataclass(frozen=True)
class Anomaly:
    # "jump", "night" or LOWER
    kind: str
    at: datetime
    value: float = 0.0
    expected: float = 0.0


def intervals(
    readings: Iterable[Reading], exchanges: Sequence[Exchange] = (), digits: int | None = None
) -> list[Interval]:
    ordered = sorted({r.at: r for r in readings}.values(), key=lambda r: r.at)
    found = []
    for first, second in itertools.pairwise(ordered):
        exchange = next((e for e in exchanges if first.at <= e.at < second.at), None)
        if exchange is not None:
            amount = (exchange.old_final - first.value) + (second.value - exchange.new_start)
            found.append(Interval(first.at, second.at, max(amount, 0.0), EXCHANGE))
        elif second.value >= first.value:
            found.append(Interval(first.at, second.at, second.value - first.value))
        elif digits is not None:
            amount = second.value + 10**digits - first.value
            found.append(Interval(first.at, second.at, amount, ROLLOVER))
        else:
            found.append(Interval(first.at, second.at, None, LOWER))
    return found


def month_start(month: Month, zone: ZoneInfo) -> datetime:
    return datetime(month[0], month[1], 1, tzinfo=zone).astimezone(UTC)


def next_month(month: Month) -> Month:
    return (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)


def monthly(found: Iterable[Interval], zone: ZoneInfo) -> dict[Month, float]:
    """Consumption per local calendar month, each interval spread over its months by time."""
    months: dict[Month, float] = defaultdict(float)
    for interval in found:
        if interval.amount is None or interval.end <= interval.start:
            continue
        span = (interval.end - interval.start).total_seconds()
        local = interval.start.astimezone(zone)
        month: Month = (local.year, local.month)
        cursor = interval.start
        while cursor < interval.end:
            boundary = min(month_start(next_month(month), zone), interval.end)
            months[month] += interval.amount * (boundary - cursor).total_seconds() / span
            cursor, month = boundary, next_month(month)
    return dict(months)


def covered_months(readings: Sequence[Reading], zone: ZoneInfo) -> set[Month]:
    """The months from whose start to whose end the readings reach; a reading taken on the
    first day of a month counts as taken at its turn (meters are read in the morning)."""
    if len(readings) < 2:
        return set()
    first = min(r.at for r in readings) - MONTH_EDGE
    last = max(r.at for r in readings) + MONTH_EDGE
    local = first.astimezone(zone)
    month: Month = (local.year, local.month)
    if month_start(month, zone) < first:
        month = next_month(month)
    found = set()
    while month_start(next_month(month), zone) <= last:
        found.add(month)
        month = next_month(month)
    return found


def jumps(found: Sequence[Interval], zone: ZoneInfo | None = None) -> list[Anomaly]:
    """Intervals whose daily rate is far above the median of the intervals before them.
    Readings less than a day apart are taken together per local day (`days`): hour by hour,
    every working morning would be a sudden rise after the night."""
    anomalies = []
    rates: list[float] = []
    for interval in days(found, zone or ZoneInfo("UTC")):
        if interval.amount is None or interval.days <= 0:
            continue
        rate = interval.amount / interval.days
        history = rates[-JUMP_HISTORY:]
        if len(history) >= JUMP_MIN_HISTORY:
            usual = statistics.median(history)
            if usual > 0 and rate > JUMP_FACTOR * usual:
                anomalies.append(Anomaly("jump", interval.end, rate, usual))
        rates.append(rate)
    return anomalies


def days(found: Sequence[Interval], zone: ZoneInfo) -> list[Interval]:
    """The intervals with those shorter than a day joined per local day of their start; the
    last day is left out until an interval of the next one follows (it is not over yet, and
    its end would move with every reading)."""
    joined: list[Interval] = []
    current: Interval | None = None
    for interval in found:
        if interval.amount is None or interval.end - interval.start >= timedelta(days=1):
            if current is not None:
                joined.append(current)
                current = None
            joined.append(interval)
            continue
        day = interval.start.astimezone(zone).date()
        if current is not None and current.start.astimezone(zone).date() == day:
            amount = (current.amount or 0.0) + interval.amount
            current = Interval(current.start, interval.end, amount)
        else:
            if current is not None:
                joined.append(current)
            current = interval
    return joined


def seasonal_jumps(months: dict[Month, float], zone: ZoneInfo) -> list[Anomaly]:
    """Months far above the same month a year earlier (daily rates: months differ in length)."""
    anomalies = []
    for (year, month), amount in sorted(months.items()):
        before = months.get((year - 1, month))
        if before and amount > SEASONAL_JUMP_FACTOR * before:
            at = month_start(next_month((year, month)), zone)
            anomalies.append(Anomaly("jump", at, amount, before))
    return anomalies


@dataclass(frozen=True)
class NightLoad:
    """Mean power at night and on working days over the last two weeks of fine readings,
    up to `at` (the newest of them)."""

    at: datetime
    night_kw: float
    day_kw: float

    @property
    def high(self) -> bool:
        return self.day_kw > 0 and self.night_kw >= NIGHT_SHARE * self.day_kw


def night_load(found: Sequence[Interval], zone: ZoneInfo) -> NightLoad | None:
    """For meters read at least hourly: over the last two weeks of such readings, the mean
    power at night and on working days by day; None without enough such readings."""
    fine = [
        i for i in found if i.amount is not None and timedelta(0) < i.end - i.start <= FINE_INTERVAL
    ]
    if not fine:
        return None
    since = fine[-1].end - NIGHT_WINDOW
    night = [0.0, 0.0]  # kWh, hours
    day = [0.0, 0.0]
    for interval in fine:
        if interval.start < since or interval.amount is None:
            continue
        local = interval.start.astimezone(zone)
        hours = (interval.end - interval.start).total_seconds() / 3600
        if local.hour in NIGHT_HOURS:
            night[0] += interval.amount
            night[1] += hours
        elif local.weekday() < 5 and local.hour in DAY_HOURS:
            day[0] += interval.amount
            day[1] += hours
    if night[1] < 4 or day[1] < 8:
        return None
    return NightLoad(fine[-1].end, night[0] / night[1], day[0] / day[1])


def night_base_load(found: Sequence[Interval], zone: ZoneInfo) -> Anomaly | None:
    """An anomaly when the night draws at least NIGHT_SHARE of the day (see `night_load`)."""
    load = night_load(found, zone)
    if load is None or not load.high:
        return None
    return Anomaly("night", load.at, load.night_kw, load.day_kw)
