"""What the simulated devices measure: pure functions of time (and a random source), shared
by the demo's history and the live simulator."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from smartcity.parking import forecast
from smartcity.parking.dresden import LOTS, history_end, occupancy_history

BERLIN = ZoneInfo("Europe/Berlin")
# Late-autumn levels in a city centre (°C, %, µg/m³): base, daily swing, hour of the peak.
BENCH_LEVELS = {
    "temperature": (5.0, 3.0, 15),
    "humidity": (80.0, -10.0, 15),
    "pm10": (18.0, 6.0, 18),
    "pm25": (9.0, 4.0, 18),
    "no2": (24.0, 12.0, 18),
    "o3": (35.0, 15.0, 15),
}
TRAFFIC_BOUND = ("pm10", "pm25", "no2")


def bench_value(key: str, traffic: float, moment: datetime, noise: random.Random) -> float:
    """A daily cycle (pollution peaks with the evening traffic, temperature in the afternoon)
    plus noise; now and then a pollution spike (a bus idling, a building site)."""
    base, swing, peak = BENCH_LEVELS[key]
    local = moment.astimezone(BERLIN)
    cycle = math.cos((local.hour + local.minute / 60 - peak) / 24 * 2 * math.pi)
    scale = traffic if key in TRAFFIC_BOUND else 1.0
    value = (base + swing * cycle) * scale + noise.gauss(0, abs(swing) * 0.1)
    if key in TRAFFIC_BOUND and noise.random() < 0.01:
        value += noise.uniform(20, 60)
    return round(max(value, 0.0), 1)


def car_park_free(lot: str, total: int, moment: datetime, noise: random.Random) -> int:
    """Free spaces: the lot's own history replayed onto the same weekday and time where it has
    one (five Dresden car parks), else Altmarkt's pattern shifted by a lot-specific amount."""
    source = lot if lot in LOTS else "dresdenaltmarkt"
    history = occupancy_history(source)
    local = forecast.slot_start(moment.astimezone(BERLIN)).replace(tzinfo=None)
    weeks_back = (local - history_end(source)).days // 7 + 1
    percent = history.get(local - timedelta(weeks=weeks_back))
    if percent is None:
        percent = 60.0
    if source != lot:
        shift = random.Random(lot).uniform(-20, 15)  # noqa: S311 - simulated values
        percent = min(100.0, max(0.0, percent + shift + noise.gauss(0, 2)))
    return max(0, min(total, round(total * (1 - percent / 100))))
