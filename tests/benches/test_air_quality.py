"""The two air-quality indices, at the edges of every band: a value on a band's upper bound
belongs to that band, the smallest step above it to the next."""

from __future__ import annotations

import pytest

from smartcity.benches.air_quality import (
    EAQI_BOUNDS,
    EAQI_LEVELS,
    UBA_BOUNDS,
    UBA_LEVELS,
    eaqi,
    uba,
)

EAQI_KEYS = [level.key for level in EAQI_LEVELS]
UBA_KEYS = [level.key for level in UBA_LEVELS]


@pytest.mark.parametrize("pollutant", sorted(EAQI_BOUNDS))
def test_eaqi_band_edges(pollutant: str) -> None:
    bounds = EAQI_BOUNDS[pollutant]
    assert eaqi({pollutant: 0})
    for position, bound in enumerate(bounds):
        at_edge = eaqi({pollutant: bound})
        above = eaqi({pollutant: bound + 0.1})
        assert at_edge is not None
        assert above is not None
        assert at_edge.level.key == EAQI_KEYS[position]
        assert above.level.key == EAQI_KEYS[position + 1]


def test_eaqi_bands_are_the_eeas() -> None:
    assert EAQI_BOUNDS == {
        "pm25": (5, 15, 50, 90, 140),
        "pm10": (15, 45, 120, 195, 270),
        "no2": (10, 25, 60, 100, 150),
        "o3": (60, 100, 120, 160, 180),
        "so2": (20, 40, 125, 190, 275),
    }
    assert [level.de for level in EAQI_LEVELS] == [
        "gut",
        "ausreichend",
        "mäßig",
        "schlecht",
        "sehr schlecht",
        "äußerst schlecht",
    ]


def test_the_worst_pollutant_decides() -> None:
    index = eaqi({"pm25": 4, "pm10": 50, "no2": 12, "o3": 30})
    assert index is not None
    assert (index.level.key, index.pollutant) == ("moderate", "pm10")
    assert eaqi({}) is None


@pytest.mark.parametrize("pollutant", sorted(UBA_BOUNDS))
def test_uba_band_edges_on_whole_micrograms(pollutant: str) -> None:
    for position, bound in enumerate(UBA_BOUNDS[pollutant]):
        # Hourly means are rounded to whole µg/m³ first: bound + 0.4 is still the band,
        # bound + 0.5 the next one.
        assert uba({pollutant: bound + 0.4}).level.key == UBA_KEYS[position]  # type: ignore[union-attr]
        assert uba({pollutant: bound + 0.5}).level.key == UBA_KEYS[position + 1]  # type: ignore[union-attr]


def test_uba_classes_are_the_umweltbundesamts() -> None:
    assert UBA_BOUNDS["pm10"] == (9, 27, 54, 90)
    assert UBA_BOUNDS["pm25"] == (5, 15, 30, 50)
    assert UBA_BOUNDS["o3"] == (24, 72, 144, 240)
    assert UBA_BOUNDS["no2"] == (10, 30, 60, 100)
    assert [level.de for level in UBA_LEVELS] == [
        "sehr gut",
        "gut",
        "mäßig",
        "schlecht",
        "sehr schlecht",
    ]
    index = uba({"pm10": 95, "o3": 20})
    assert index is not None
    assert (index.level.de, index.pollutant) == ("sehr schlecht", "pm10")


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("level", EAQI_LEVELS + UBA_LEVELS, ids=lambda level: level.key)
def test_level_text_is_readable_on_its_colour(level: object) -> None:
    background = _luminance(level.colour)  # type: ignore[attr-defined]
    text = _luminance(level.text_colour)  # type: ignore[attr-defined]
    lighter, darker = max(background, text), min(background, text)
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5
