"""Bars of a year's months beside the previous year's, drawn on the server as inline SVG (no
script, no chart library); the page puts the same numbers in a table beside it."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 10, 30


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    # "now" (the year shown) or "before" (the year before)
    series: str


@dataclass(frozen=True)
class MonthsChart:
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[tuple[float, float]]  # position, value
    x_labels: list[tuple[float, int]]  # position, month
    baseline: float


def _step(top: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving four or five grid lines."""
    raw = top / 4 if top > 0 else 1.0
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def months_chart(lines: list[tuple[int, float | None, float | None]]) -> MonthsChart | None:
    values = [v for _, now, before in lines for v in (now, before) if v is not None]
    if not values:
        return None
    step = _step(max(values))
    top = step * max(1, math.ceil(max(values) / step))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / 12
    bar_w = slot * 0.38
    baseline = TOP + plot_h

    def height(value: float) -> float:
        return plot_h * value / top

    bars = []
    for month, now, before in lines:
        left = LEFT + slot * (month - 1) + slot * 0.1
        for offset, value, series in ((0.0, before, "before"), (bar_w, now, "now")):
            if value is not None:
                h = height(value)
                bars.append(
                    Bar(
                        round(left + offset, 1),
                        round(baseline - h, 1),
                        round(bar_w, 1),
                        round(h, 1),
                        series,
                    )
                )
    ticks = []
    value = 0.0
    while value <= top + step / 2:
        ticks.append((round(baseline - height(value), 1), value))
        value += step
    labels = [(round(LEFT + slot * (m - 0.5), 1), m) for m in range(1, 13)]
    return MonthsChart(WIDTH, HEIGHT, bars, ticks, labels, baseline)
