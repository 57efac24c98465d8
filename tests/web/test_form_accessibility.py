"""Forms a citizen fills in: the browser may fill in the applicant's own data (WCAG 2.1 SC
1.3.5) and, after a refused submission, the focus starts at the error summary, with and
without JavaScript (issue 21, defect 17)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from smartcity.citizen.examples import DOG_TAX_SCHEMA, DOG_TAX_UI
from smartcity.citizen.forms import check_definition
from smartcity.core.errors import InvalidInput
from tests.web.conftest import Browser, main_text

DRESDEN = "/dresden"


def test_the_applicant_s_name_and_address_fields_name_their_purpose(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    citizen.get(f"{DRESDEN}/dienste/{dog_tax}")
    citizen.submit(f"{DRESDEN}/dienste/{dog_tax}/antrag")
    step = citizen.get(f"{DRESDEN}/antrag/schritt/1").text
    for name, purpose in (
        ("name", "name"),
        ("street", "street-address"),
        ("postcode", "postal-code"),
        ("city", "address-level2"),
    ):
        field = re.search(rf'<input [^>]*id="feld-{name}"[^>]*>', step)
        assert field is not None, name
        assert f'autocomplete="{purpose}"' in field.group(0), field.group(0)


def test_a_form_definition_may_only_name_the_input_purposes_of_wcag() -> None:
    ui = {**DOG_TAX_UI, "fields": {**DOG_TAX_UI["fields"]}}
    ui["fields"]["city"] = {**ui["fields"]["city"], "autocomplete": "town"}
    with pytest.raises(InvalidInput) as refused:
        check_definition(DOG_TAX_SCHEMA, ui)
    assert "'town'" in str(refused.value.detail) + str(refused.value.errors)


def test_the_error_summary_takes_the_focus_when_the_page_loads(
    browser: Callable[[], Browser], meters: None
) -> None:
    citizen = browser()
    citizen.get(f"{DRESDEN}/wasserzaehler")
    refused = citizen.submit(
        f"{DRESDEN}/wasserzaehler", {"meter_number": "WZ-1", "reading": "abc", "read_on": ""}
    )
    assert refused.status_code == 422
    summary = re.search(r'<div class="error-summary[^"]*"[^>]*>', refused.text)
    assert summary is not None
    # autofocus works without any script; tabindex="-1" lets the summary take the focus.
    assert "autofocus" in summary.group(0)
    assert 'tabindex="-1"' in summary.group(0)


def test_an_unusual_reading_is_stored_only_once_the_citizen_confirms_it(
    browser: Callable[[], Browser], meters: None
) -> None:
    citizen = browser()
    citizen.get(f"{DRESDEN}/wasserzaehler")
    # 400 m³ in a year for two people: far above 300 litres per person and day.
    reading = {"meter_number": "WZ-1", "reading": "400", "read_on": "2026-11-20"}
    asked = citizen.submit(f"{DRESDEN}/wasserzaehler", reading)
    assert asked.status_code == 200
    text = main_text(asked)
    assert "Bitte prüfen Sie den Zählerstand" in text
    assert "mehr als 300 Liter pro Person und Tag" in text
    assert "100,000" not in text  # the meter's earlier reading is not shown
    assert 'value="400"' in asked.text  # kept for correcting
    english = citizen.submit(f"{DRESDEN}/wasserzaehler?lang=en", reading)
    assert "more than 300 litres per person and day" in main_text(english)
    operator = browser()
    operator.login("dd.operator")
    queue = f"{DRESDEN}/verwaltung/wasserzaehler"
    assert "Zähler WZ-1" not in main_text(operator.get(queue))

    # A confirmation for another reading than the one shown counts for nothing.
    changed = {**reading, "reading": "500", "confirmed": "yes", "confirmed_reading": "400"}
    assert citizen.submit(f"{DRESDEN}/wasserzaehler", changed).status_code == 200
    assert "Zähler WZ-1" not in main_text(operator.get(queue))

    sent = citizen.submit(
        f"{DRESDEN}/wasserzaehler",
        {**reading, "confirmed": "yes", "confirmed_reading": "400", "confirmed_meter": "WZ-1"},
    )
    assert sent.status_code == 303
    assert "Zähler WZ-1" in main_text(operator.get(queue))
