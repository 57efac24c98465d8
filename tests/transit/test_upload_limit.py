"""A city's timetable is larger than the platform's request limit: the two upload paths take
up to the transit limit (SMARTCITY_TRANSIT_MAX_FEED_BYTES), only for the Stadtwerke, while
every other path keeps the platform's limit. Here the platform's limit is set below the size
of the small test feed, so the feed stands in for a large one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from tests.conftest import staff_client
from tests.transit.conftest import feed_zip
from tests.web.conftest import Browser, main_text

API = "/dresden/api/v1/transit"
PLATFORM_LIMIT = 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_request_bytes": PLATFORM_LIMIT})


def test_a_feed_over_the_platform_limit_is_taken_by_the_api(utility: TestClient) -> None:
    content = feed_zip()
    assert len(content) > PLATFORM_LIMIT
    response = utility.post(
        f"{API}/feeds", files={"file": ("fahrplan.zip", content, "application/zip")}
    )
    assert response.status_code == 202, response.text
    feed = utility.get(f"{API}/feeds/{response.json()['id']}").json()
    assert feed["status"] == "active"


def test_the_back_office_takes_it_too(
    utility: TestClient, new_client: Callable[[], TestClient]
) -> None:
    browser = Browser(new_client())
    assert browser.login("dd.stadtwerke").status_code == 303
    sent = browser.submit(
        "/dresden/verwaltung/oepnv/fahrplan",
        {},
        files={"file": ("fahrplan.zip", feed_zip(), "application/zip")},
    )
    assert sent.status_code == 303, sent.text
    assert "Dieser Fahrplan ist aktiv." in main_text(browser.get(sent.headers["location"]))


def test_other_paths_keep_the_platform_limit(utility: TestClient) -> None:
    response = utility.post("/dresden/api/v1/transit/sources", content=b"x" * (PLATFORM_LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_without_the_stadtwerke_role_the_body_is_not_taken(operator: TestClient) -> None:
    response = operator.post(
        f"{API}/feeds", files={"file": ("f.zip", feed_zip(), "application/zip")}
    )
    assert response.status_code == 403


def test_the_transit_limit_still_applies(
    platform: Platform, utility: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTCITY_TRANSIT_MAX_FEED_BYTES", "1500")
    limited = staff_client(
        create_app(platform=platform, run_broker=False, run_jobs=False), "dd.stadtwerke"
    )
    response = limited.post(
        f"{API}/feeds", files={"file": ("fahrplan.zip", feed_zip(), "application/zip")}
    )
    assert response.status_code == 413
    assert "1500 bytes" in response.json()["detail"]
