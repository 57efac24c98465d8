"""The energy pages in a real browser (headless Chromium, Playwright): the energy manager
signs in, opens a building from the overview by keyboard-reachable links, sends a form with
errors; axe-core finds no WCAG 2.1 AA violation on any of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smartcity.core.db import transaction
from smartcity.core.demo import DemoContext
from smartcity.core.identity import users
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.energy import demo
from smartcity.energy.permissions import ENERGY_MANAGER
from tests.conftest import PASSWORD, World
from tests.web.conftest import database_url, tiles
from tests.web.test_in_browser import accessible, chromium, new_page, server, settings

# Fixtures of the web tests (SQLite only, a served app, Chromium, tiles served by the test).
__all__ = ["chromium", "database_url", "new_page", "server", "settings", "tiles"]


@pytest.fixture
def energy_demo(world: World) -> None:
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=lambda _: None))
    with transaction(world.platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        account = users.create_user(
            db,
            username="dd.energie",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        users.assign_role(
            db,
            account,
            ENERGY_MANAGER,
            municipality=world.dresden,
            region=None,
            department=None,
            actor="test",
        )


@pytest.mark.usefixtures("energy_demo")
def test_the_energy_manager_reads_the_report_and_keeps_the_buildings(
    new_page: Callable[[], Any],
) -> None:
    page = new_page()
    page.set_default_timeout(60_000)  # the shared test machine can be slow
    page.goto("/anmelden?next=/dresden/verwaltung/energie")
    page.fill("#feld-username", "dd.energie")
    page.fill("#feld-password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/dresden/verwaltung/energie")
    accessible(page)
    page.get_by_role("link", name="Neues Rathaus").click()
    page.wait_for_url("**/dresden/verwaltung/energie/gebaeude/*")
    assert page.get_by_role("heading", name="Auffälligkeiten").is_visible()
    assert "hohe Grundlast in der Nacht" in page.content()
    accessible(page)
    page.get_by_role("button", name="Zähler anlegen").click()
    page.wait_for_selector(".kern-form-input--error, .has-error")
    accessible(page)
    page.goto("/dresden/verwaltung/energie")
    page.get_by_role("button", name="Zählerstände einlesen").click()
    page.wait_for_selector(".has-error")
    accessible(page)
