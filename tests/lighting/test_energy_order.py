"""The energy report lists lamps as people count them (issue 21, defect 15)."""

from __future__ import annotations

from smartcity.lighting.energy import natural_key


def test_lamps_are_ordered_by_the_numbers_in_their_names() -> None:
    names = ["Leuchte 11", "Leuchte 3", "Leuchte 1", "Leuchte 13", "Leuchte 5", "Leuchte 2"]
    assert sorted(names, key=natural_key) == [
        "Leuchte 1",
        "Leuchte 2",
        "Leuchte 3",
        "Leuchte 5",
        "Leuchte 11",
        "Leuchte 13",
    ]


def test_names_without_numbers_and_mixed_names_sort_without_error() -> None:
    names = ["b-Straße 10", "A-Straße 2", "A-Straße 10", "Markt", "7"]
    assert sorted(names, key=natural_key) == [
        "7",
        "A-Straße 2",
        "A-Straße 10",
        "b-Straße 10",
        "Markt",
    ]
