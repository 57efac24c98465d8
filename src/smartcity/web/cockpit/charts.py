"""Line charts as inline SVG, drawn on the server: no chart library, no script, and the
numbers are in a table beside it for those who cannot see the chart."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

WIDTH, HEIGHT = 800, 300
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 15, 40
# Steps of the time axis: a range of up to a day is marked at round times of day, a longer
# one at midnights, so that no label repeats another (12:00 on two days would).
TIME_STEPS = [timedelta(minutes=m) for m in (5, 10, 15, 30)] + [
    timedelta(hours=h) for h in (1, 2, 3, 6, 12)
]
DAY_STEPS = (1, 2, 7, 14, 28)
MAX_TICKS = 7


@dataclass(frozen=True)
class Point:
    at: datetime
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    line: str
    band: str
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    plot: tuple[int, int, int, int]  # left, top, right, bottom


def _nice_step(span: float) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about five grid lines."""
    raw = span / 5 if span > 0 else 1.0
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def _label(value: float, step: float, decimal_comma: bool) -> str:
    digits = 0 if step >= 1 else 1 if step >= 0.1 else 2
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if decimal_comma else text


def line_chart(
    points: list[Point], start: datetime, end: datetime, zone: str, decimal_comma: bool
) -> Chart | None:
    if not points:
        return None
    low = min(p.low for p in points)
    high = max(p.high for p in points)
    if high == low:
        low, high = low - 1, high + 1
    step = _nice_step(high - low)
    bottom_value = step * (low // step)
    top_value = step * -(-high // step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return LEFT + plot_w * (moment - start).total_seconds() / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - bottom_value) / (top_value - bottom_value))

    line = " ".join(
        f"{'M' if i == 0 else 'L'}{x(p.at):.1f},{y(p.mean):.1f}" for i, p in enumerate(points)
    )
    upper = [f"{x(p.at):.1f},{y(p.high):.1f}" for p in points]
    lower = [f"{x(p.at):.1f},{y(p.low):.1f}" for p in reversed(points)]
    band = "M" + " L".join(upper + lower) + " Z"
    y_ticks = []
    value = bottom_value
    while value <= top_value + step / 2:
        y_ticks.append((round(y(value), 1), _label(value, step, decimal_comma)))
        value += step
    x_ticks = [
        (round(x(moment), 1), label)
        for moment, label in time_ticks(start, end, ZoneInfo(zone), decimal_comma)
    ]
    return Chart(
        WIDTH, HEIGHT, line, band, x_ticks, y_ticks, (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)
    )


def time_ticks(
    start: datetime, end: datetime, zone: ZoneInfo, decimal_comma: bool
) -> list[tuple[datetime, str]]:
    """Round moments between `start` and `end` with their labels: times of day (a new day
    shown as its date) for a range of up to a day, dates at local midnight beyond."""
    span = end - start
    first = start.astimezone(zone)
    midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
    ticks: list[datetime] = []
    if span <= timedelta(days=1):
        step = next((s for s in TIME_STEPS if span / s <= MAX_TICKS - 1), TIME_STEPS[-1])
        # Counted from local midnight: 00:00, 06:00, 12:00 … whatever the range's start.
        moment = midnight + step * math.ceil((first - midnight) / step)
        while moment <= end:
            ticks.append(moment)
            # Elapsed time (over UTC): the hour skipped or repeated by summer time counts once.
            moment = (moment.astimezone(UTC) + step).astimezone(zone)
    else:
        days = next((d for d in DAY_STEPS if span.days / d <= MAX_TICKS - 1), DAY_STEPS[-1])
        moment = midnight if midnight >= start else midnight + timedelta(days=1)
        if days == 7:  # weeks start on Mondays
            moment += timedelta(days=(7 - moment.weekday()) % 7)
        while moment <= end:
            ticks.append(moment)
            # Wall-clock days: midnight stays midnight across a change of summer time.
            moment = (moment + timedelta(days=days)).replace(tzinfo=zone)
    date_format = "%d.%m." if decimal_comma else "%m-%d"
    labels = []
    for moment in ticks:
        local = moment.astimezone(zone)
        at_midnight = (local.hour, local.minute) == (0, 0)
        labels.append(local.strftime(date_format if at_midnight else "%H:%M"))
    return list(zip(ticks, labels, strict=True))
