"""The cockpit's charts mark their time axis at round times that a reader can name, and no
label stands twice on one axis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smartcity.web.cockpit.charts import time_ticks

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 11, 47, 13, tzinfo=UTC)  # 12:47:13 in Berlin


@pytest.mark.parametrize(
    ("span", "labels"),
    [
        (timedelta(hours=1), ["11:50", "12:00", "12:10", "12:20", "12:30", "12:40"]),
        (timedelta(hours=6), ["07:00", "08:00", "09:00", "10:00", "11:00", "12:00"]),
        (timedelta(days=1), ["18:00", "02.12.", "06:00", "12:00"]),
        (timedelta(days=7), ["26.11.", "28.11.", "30.11.", "02.12."]),
        (timedelta(days=30), ["09.11.", "16.11.", "23.11.", "30.11."]),
    ],
)
def test_ticks_are_round_times_and_no_label_repeats(span: timedelta, labels: list[str]) -> None:
    ticks = time_ticks(NOW - span, NOW, BERLIN, decimal_comma=True)
    assert [label for _, label in ticks] == labels
    assert all(NOW - span <= moment <= NOW for moment, _ in ticks)


def test_the_change_to_summer_time_neither_repeats_nor_skips_a_moment() -> None:
    ticks = time_ticks(
        datetime(2026, 3, 29, 0, tzinfo=UTC), datetime(2026, 3, 29, 5, tzinfo=UTC), BERLIN, True
    )
    moments = [moment.astimezone(UTC).hour for moment, _ in ticks]
    assert moments == [0, 1, 2, 3, 4, 5]
    assert [label for _, label in ticks] == ["01:00", "03:00", "04:00", "05:00", "06:00", "07:00"]
    english = time_ticks(NOW - timedelta(days=7), NOW, BERLIN, decimal_comma=False)
    assert [label for _, label in english] == ["11-26", "11-28", "11-30", "12-02"]
