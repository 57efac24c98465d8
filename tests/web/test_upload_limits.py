"""Files over the limits, as a citizen sees them: the file's size and the limit in the page's
language, and a form over the whole request's limit answered with a page, not JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smartcity.core.settings import Settings
from tests.citizen.conftest import PNG
from tests.web.conftest import PDF, Browser, main_text
from tests.web.test_portal import DOG, DRESDEN, OWNER, start_application

MB = 1_048_576


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"upload_max_bytes": MB, "max_request_bytes": 3 * MB})


def test_a_file_over_the_limit_is_told_its_size_and_the_limit_in_the_pages_language(
    browser: Callable[[], Browser], dog_tax: str, meters: None
) -> None:
    citizen = browser()
    start_application(citizen, dog_tax)
    citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER)
    citizen.submit(f"{DRESDEN}/antrag/schritt/2", DOG)
    big_pdf = PDF + b"\0" * int(1.5 * MB)
    refused = citizen.submit(
        f"{DRESDEN}/antrag/schritt/3",
        files={"insurance": ("versicherung.pdf", big_pdf, "application/pdf")},
    )
    assert refused.status_code == 422
    assert "Die Datei ist zu groß (1,5 MB); erlaubt sind höchstens 1,0 MB." in main_text(refused)

    citizen.get(f"{DRESDEN}/wasserzaehler?lang=en")
    big_photo = PNG + b"\0" * int(1.5 * MB)
    english = citizen.submit(
        f"{DRESDEN}/wasserzaehler",
        {"meter_number": "WZ-1", "reading": "190,5", "read_on": "2026-11-20"},
        files={"photo": ("zaehler.png", big_photo, "image/png")},
    )
    assert english.status_code == 422
    assert "The file is too large (1.5 MB); at most 1.0 MB are allowed." in main_text(english)


def test_a_form_over_the_request_limit_gets_a_page_with_a_way_back_and_the_api_json(
    browser: Callable[[], Browser], meters: None
) -> None:
    citizen = browser()
    citizen.get(f"{DRESDEN}/wasserzaehler")
    huge = PNG + b"\0" * (4 * MB)
    form = {"meter_number": "WZ-1", "reading": "190,5", "read_on": "2026-11-20"}
    page = citizen.client.post(
        f"{DRESDEN}/wasserzaehler",
        data={**form, "csrf_token": citizen.csrf()},
        files={"photo": ("zaehler.png", huge, "image/png")},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in page.text
    text = main_text(page)
    assert "Die Dateien sind zu groß" in text
    assert "höchstens 3,0 MB" in text
    assert f'href="{DRESDEN}/wasserzaehler"' in page.text  # back to the form

    api = citizen.client.post(
        f"{DRESDEN}/api/v1/watermeter/readings",
        data=form,
        files={"photo": ("zaehler.png", huge, "image/png")},
    )
    assert api.status_code == 413
    assert api.headers["content-type"] == "application/problem+json"
