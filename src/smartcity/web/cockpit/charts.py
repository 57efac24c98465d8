"""Line charts as inline SVG, drawn on the server: no chart library, no script, and the
numbers are in a table beside it for those who cannot see the chart."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

WIDTH, HEIGHT = 800, 300
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 15, 40


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
    local = ZoneInfo(zone)
    long_range = span > 2 * 86400
    x_ticks = []
    for i in range(6):
        moment = start + (end - start) * i / 5
        shown = moment.astimezone(local)
        text = shown.strftime("%d.%m." if long_range else "%H:%M")
        if not decimal_comma:
            text = shown.strftime("%m-%d" if long_range else "%H:%M")
        x_ticks.append((round(x(moment), 1), text))
    return Chart(
        WIDTH, HEIGHT, line, band, x_ticks, y_ticks, (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)
    )
