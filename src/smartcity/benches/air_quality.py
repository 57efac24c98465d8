"""Air-quality indices from hourly mean concentrations (µg/m³); the worst pollutant decides.

- European Air Quality Index (EEA, revised 2024): six levels. A value equal to a band's upper
  bound belongs to that band (PM2.5 of exactly 5 is still "good").
- Luftqualitätsindex of the Umweltbundesamt (revised, hourly means): five classes over whole
  µg/m³ (PM10 "sehr gut" 0–9, "gut" 10–27, …); values are rounded to whole µg/m³ first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

POLLUTANTS = ("pm25", "pm10", "no2", "o3", "so2")


@dataclass(frozen=True)
class Level:
    rank: int  # 1 = best
    key: str
    de: str
    en: str
    colour: str
    # Text colour that keeps a contrast of at least 4.5:1 on `colour` (WCAG AA).
    text_colour: str


EAQI_LEVELS = (
    Level(1, "good", "gut", "good", "#50F0E6", "#000000"),
    Level(2, "fair", "ausreichend", "fair", "#50CCAA", "#000000"),
    Level(3, "moderate", "mäßig", "moderate", "#F0E641", "#000000"),
    Level(4, "poor", "schlecht", "poor", "#FF5050", "#000000"),
    Level(5, "very_poor", "sehr schlecht", "very poor", "#960032", "#FFFFFF"),
    Level(6, "extremely_poor", "äußerst schlecht", "extremely poor", "#7D2181", "#FFFFFF"),
)
# Upper bounds of the first five levels; above the last is "extremely poor".
EAQI_BOUNDS: Mapping[str, tuple[float, ...]] = {
    "pm25": (5, 15, 50, 90, 140),
    "pm10": (15, 45, 120, 195, 270),
    "no2": (10, 25, 60, 100, 150),
    "o3": (60, 100, 120, 160, 180),
    "so2": (20, 40, 125, 190, 275),
}

UBA_LEVELS = (
    Level(1, "very_good", "sehr gut", "very good", "#50F0E6", "#000000"),
    Level(2, "good", "gut", "good", "#50CCAA", "#000000"),
    Level(3, "moderate", "mäßig", "moderate", "#F0E641", "#000000"),
    Level(4, "poor", "schlecht", "poor", "#FF5050", "#000000"),
    Level(5, "very_poor", "sehr schlecht", "very poor", "#960032", "#FFFFFF"),
)
UBA_BOUNDS: Mapping[str, tuple[float, ...]] = {
    "pm10": (9, 27, 54, 90),
    "pm25": (5, 15, 30, 50),
    "o3": (24, 72, 144, 240),
    "no2": (10, 30, 60, 100),
    "so2": (10, 30, 60, 100),
}


@dataclass(frozen=True)
class Index:
    level: Level
    # The pollutant that decided (the worst one).
    pollutant: str


def _band(value: float, bounds: tuple[float, ...]) -> int:
    for position, bound in enumerate(bounds):
        if value <= bound:
            return position
    return len(bounds)


def eaqi(hourly_means: Mapping[str, float]) -> Index | None:
    """The EAQI of the pollutants measured; None when none of them is."""
    return _worst(hourly_means, EAQI_BOUNDS, EAQI_LEVELS, lambda value: value)


def uba(hourly_means: Mapping[str, float]) -> Index | None:
    """The UBA Luftqualitätsindex of the pollutants measured; None when none of them is."""
    return _worst(hourly_means, UBA_BOUNDS, UBA_LEVELS, _whole)


def _whole(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _worst(
    values: Mapping[str, float],
    table: Mapping[str, tuple[float, ...]],
    levels: tuple[Level, ...],
    prepare: Callable[[float], float],
) -> Index | None:
    worst: Index | None = None
    for pollutant, bounds in table.items():
        value = values.get(pollutant)
        if value is None:
            continue
        level = levels[_band(prepare(value), bounds)]
        if worst is None or level.rank > worst.level.rank:
            worst = Index(level=level, pollutant=pollutant)
    return worst


POOR = EAQI_LEVELS[3]
