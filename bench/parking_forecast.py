"""How well the car-park forecast does on held-out Dresden data, against "same as now".

For each of the five Dresden car parks with a history (2015/16, one of them 2019), the last 30 %
of the series is replayed as in production: each week the profile is learnt from the four weeks
before, and every hour a forecast is made for the next 8 hours. Errors are mean absolute errors
in percentage points of occupancy. Results: docs/parking.md.

    python -m bench.parking_forecast
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from smartcity.parking import forecast
from smartcity.parking.dresden import LOTS, occupancy_history

HORIZONS = [timedelta(minutes=m) for m in (15, 60, 120, 240, 480)]
HELD_OUT = 0.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half-life-hours", type=float, default=None)
    args = parser.parse_args()
    if args.half_life_hours is not None:
        forecast.HALF_LIFE = timedelta(hours=args.half_life_hours)
    print(f"half-life {forecast.HALF_LIFE}, history {forecast.HISTORY}")
    print("| car park | test period | " + " | ".join(_label(h) for h in HORIZONS) + " |")
    print("|---|---|" + "---|" * len(HORIZONS))
    overall = {h: [0.0, 0.0, 0] for h in HORIZONS}
    for lot in LOTS:
        series = occupancy_history(lot)
        moments = sorted(series)
        start = moments[int(len(moments) * (1 - HELD_OUT))].replace(hour=0, minute=0)
        scores = forecast.backtest(series, start, HORIZONS)
        cells = []
        for score in scores:
            cells.append(f"{score.forecast_error:.1f} / {score.naive_error:.1f}")
            total = overall[score.horizon]
            total[0] += score.forecast_error * score.cases
            total[1] += score.naive_error * score.cases
            total[2] += score.cases
        print(f"| {lot} | {start:%Y-%m-%d} … {moments[-1]:%Y-%m-%d} | " + " | ".join(cells) + " |")
    cells = [f"**{t[0] / t[2]:.1f} / {t[1] / t[2]:.1f}**" for t in overall.values()]
    print("| all five | | " + " | ".join(cells) + " |")


def _label(horizon: timedelta) -> str:
    minutes = int(horizon.total_seconds() // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h"


if __name__ == "__main__":
    main()
