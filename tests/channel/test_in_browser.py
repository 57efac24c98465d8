"""The channel's pages in a real browser (headless Chromium, Playwright): a publisher writes
a warning, citizens read news, events and the warning banner; axe-core finds no WCAG 2.1 AA
violation on any of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from smartcity.channel import services
from smartcity.core.db import utcnow
from smartcity.core.platform import Platform
from smartcity.core.uploads.services import UploadLimits
from tests.conftest import World
from tests.web.conftest import database_url
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server

# Fixtures of the web tests (SQLite only, a served app, Chromium).
__all__ = ["chromium", "database_url", "new_page", "server"]


def test_publishing_and_reading_in_the_browser(
    new_page: Callable[[], Any], world: World, platform: Platform
) -> None:
    with world.tenant(world.dresden) as db:
        main = services.main_channel(db, world.dresden, platform.settings.require_secret_key())
        start = utcnow() + timedelta(days=2)
        services.create_post(
            db,
            services.PostInput(
                channel_id=main.id,
                kind="event",
                title="Bürgerversammlung",
                teaser="Alle sind eingeladen.",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                location="Rathaus",
                categories=("rathaus",),
            ),
            author_id=None,
            actor="test",
            data_dir=platform.settings.data_dir,
            limits=UploadLimits.of(platform.settings),
        )
    page = new_page()
    page.set_default_timeout(60_000)  # the shared test machine can be slow
    page.goto("/anmelden?next=/dresden/verwaltung/kanal/neu?art=warning")
    log_in(page, "dd.press", "/dresden/verwaltung/kanal/neu?art=warning")
    accessible(page)
    page.fill("#feld-title", "Sturmwarnung")
    page.fill("#feld-teaser", "Orkanböen erwartet.")
    page.select_option("#feld-kind", "warning")
    page.select_option("#feld-severity", "Severe")
    page.select_option("#feld-urgency", "Immediate")
    page.select_option("#feld-certainty", "Likely")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_selector("#fehlerliste")
    accessible(page)  # the error summary: the warning has no expiry yet
    assert "Eine Warnung braucht ihr Ende." in page.content()
    expiry = (utcnow() + timedelta(hours=6)).astimezone().strftime("%Y-%m-%dT%H:%M")
    page.fill("#feld-expires_at", expiry)
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url("**/dresden/verwaltung/kanal?gespeichert=*")
    accessible(page)
    page.goto("/dresden/verwaltung/foederation")
    accessible(page)

    citizen = new_page()
    citizen.set_default_timeout(60_000)
    for path in ("/dresden/aktuelles", "/dresden/veranstaltungen"):
        citizen.goto(path)
        assert "Sturmwarnung" in citizen.content()
        accessible(citizen)
    citizen.goto("/dresden/aktuelles")
    citizen.get_by_role("link", name="Bürgerversammlung").click()
    citizen.wait_for_url("**/dresden/aktuelles/*")
    accessible(citizen)
