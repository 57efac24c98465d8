"""The open-data pages in a real browser (Chromium with axe-core, as tests/web/test_in_browser):
the portal's list with its filters, a dataset page with preview and licence, and the data
officer's pages (a series' page with its form refused included), each with no WCAG 2.1 A/AA
violation."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smartcity.core.settings import Settings
from tests.conftest import World
from tests.web import test_in_browser as shared

server = shared.server
chromium = shared.chromium
new_page = shared.new_page
accessible = shared.accessible
expect = shared.expect
log_in = shared.log_in
tab_to = shared.tab_to


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    # Pages sit on the services, which the other tests run on both databases.
    path = tmp_path / "smartcity.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"map_tile_url": ""})


def test_the_open_data_pages_are_accessible(
    new_page: Callable[[], Any], demo_catalogue: World
) -> None:
    page = new_page()
    page.goto("/dresden/offene-daten")
    accessible(page)
    page.select_option("#feld-thema", "TRAN")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("link", name="Parkhausbelegung")).to_be_visible()
    expect(page.get_by_role("link", name="Bürgerbüros und Öffnungszeiten")).to_have_count(0)
    accessible(page)
    page.goto("/dresden/offene-daten")
    page.get_by_role("link", name="Bürgerbüros und Öffnungszeiten").click()
    expect(page.get_by_text("Nennen Sie dabei die Stadt als Quelle.")).to_be_visible()
    expect(page.get_by_role("cell", name="Bürgerbüro Mitte")).to_be_visible()
    accessible(page)


def test_series_time_range_and_back_office_are_accessible(
    app: Any, new_page: Callable[[], Any], demo_catalogue: World
) -> None:
    from fastapi.testclient import TestClient

    from smartcity.opendata import datastreams, services
    from tests.sensorthings.conftest import STA, THING_WITH_EVERYTHING

    device = TestClient(app)
    key = demo_catalogue.api_key(demo_catalogue.dresden, "sta:write")
    device.headers["Authorization"] = f"Bearer {key}"
    assert device.post(f"{STA}/Things", json=THING_WITH_EVERYTHING).status_code == 201
    with demo_catalogue.tenant(demo_catalogue.dresden) as db:
        sensors = services.released(db)[datastreams.SOURCE].uuid
    page = new_page()
    page.goto("/dresden/offene-daten")
    page.get_by_role("link", name="Haushaltsübersicht", exact=True).first.click()
    expect(page.get_by_role("link", name="Haushaltsübersicht 2025")).to_be_visible()
    accessible(page)
    page.goto(f"/dresden/offene-daten/{sensors}")
    page.fill("#feld-von", "2026-10-01")
    page.fill("#feld-bis", "2026-11-27")
    page.get_by_role("button", name="CSV herunterladen").click()
    expect(page.get_by_role("alert")).to_have_text("Höchstens 31 Tage auf einmal.")
    accessible(page)
    staff = new_page()
    staff.goto("/dresden/verwaltung/offene-daten")
    log_in(staff, "dd.steward", "/dresden/verwaltung/offene-daten")
    accessible(staff)
    # A series' page in the back office, and its form refused with the reasons.
    staff.get_by_role("link", name="Haushaltsübersicht", exact=True).click()
    expect(staff.get_by_role("heading", name="Reihe ändern")).to_be_visible()
    accessible(staff)
    staff.fill("#feld-series_title", "")
    staff.get_by_role("button", name="Reihe speichern").click()
    expect(staff.get_by_role("alert")).to_contain_text("Bitte geben Sie einen Titel ein.")
    accessible(staff)
