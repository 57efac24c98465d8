"""Dates typed into forms: ISO from a date picker, DD.MM.YYYY typed where a browser draws none,
and nothing else (`smartcity.core.web.dates`), on every page with a date field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from smartcity.core.web.dates import field_value, parse_day
from tests.web.conftest import Browser, main_text


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-12-24", date(2026, 12, 24)),
        ("24.12.2026", date(2026, 12, 24)),
        (" 1.2.2026 ", date(2026, 2, 1)),
        ("01. 02. 2026", date(2026, 2, 1)),
        ("31.02.2026", None),
        ("2026-02-31", None),
        ("24.12.26", None),  # which century?
        ("12/24/2026", None),
        ("gestern", None),
        ("", None),
    ],
)
def test_a_day_is_read_from_iso_or_german_text(typed: str, day: date | None) -> None:
    assert parse_day(typed) == day
    assert field_value(typed) == (day.isoformat() if day else typed)


def test_a_water_meter_reading_takes_a_typed_german_date(
    browser: Callable[[], Browser], meters: None
) -> None:
    citizen = browser()
    form = {"meter_number": "WZ-1", "reading": "abc", "read_on": "1.11.2026", "email": ""}
    page = citizen.submit("/dresden/wasserzaehler", form)
    assert page.status_code == 422
    # The other field's error: the date is kept, as ISO for the date picker.
    assert 'name="read_on" type="date" value="2026-11-01"' in page.text
    assert "Ablesedatum an (TT.MM.JJJJ)" not in main_text(page)
    wrong = citizen.submit("/dresden/wasserzaehler", {**form, "read_on": "November"})
    assert "Bitte geben Sie das Ablesedatum an (TT.MM.JJJJ)." in main_text(wrong)
