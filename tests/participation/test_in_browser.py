"""The participation pages in a real browser (headless Chromium, Playwright): a signed-in
citizen reads the processes, makes a proposal (first with a mistake), votes and reads a
result; staff review and moderate. axe-core finds no WCAG 2.1 AA violation on any of them."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from PIL import Image

from smartcity.citizen import login as citizen_login
from smartcity.core.demo import DemoContext
from smartcity.participation import blocking, demo
from tests.conftest import World
from tests.web.conftest import database_url, tiles
from tests.web.test_in_browser import accessible, chromium, log_in, new_page, server, settings

# Fixtures of the web tests (SQLite only, a served app, Chromium, the local tile server).
__all__ = ["chromium", "database_url", "new_page", "server", "settings", "tiles"]


def test_participating_and_moderating_in_the_browser(
    new_page: Callable[[], Any], world: World, server: str
) -> None:
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=lambda _: None))
    with world.system() as db:
        token = citizen_login.start(
            db, {"iss": "https://id.example", "sub": "anna", "name": "Anna"}
        )
    citizen = new_page()
    citizen.set_default_timeout(60_000)  # the shared test machine can be slow
    citizen.goto("/dresden/beteiligung")
    # As the citizen login's callback would set it (127.0.0.1 is a secure context).
    citizen.evaluate(
        "([name, value]) => {"
        " document.cookie = `${name}=${value}; Path=/; Secure; SameSite=Lax`; }",
        [citizen_login.COOKIE, token],
    )
    citizen.reload()
    accessible(citizen)
    citizen.get_by_role("link", name="Neugestaltung Altmarkt").click()
    citizen.wait_for_url("**/dresden/beteiligung/altmarkt")
    accessible(citizen)
    citizen.get_by_role("link", name="Vorschlag machen").click()
    citizen.wait_for_url("**/altmarkt/neu")
    accessible(citizen)
    citizen.fill("#feld-text", "Eine Bank im Schatten.")
    citizen.get_by_role("button", name="Vorschlag veröffentlichen").click()
    citizen.wait_for_selector("#fehlerliste")
    accessible(citizen)  # the error summary
    citizen.fill("#feld-title", "Schattige Bank")
    citizen.get_by_role("button", name="Vorschlag veröffentlichen").click()
    citizen.wait_for_url("**/altmarkt/vorschlaege/*")
    assert "Schattige Bank" in citizen.content()
    accessible(citizen)

    citizen.goto("/dresden/beteiligung/buergerhaushalt-neustadt/abstimmung")
    accessible(citizen)
    citizen.get_by_label("Lastenrad zum Ausleihen", exact=False).check()
    citizen.get_by_role("button", name="Summe prüfen").click()
    citizen.wait_for_selector("#summe")
    assert "Restliches Budget" in citizen.content()
    citizen.get_by_role("button", name="Stimmzettel abgeben").click()
    citizen.wait_for_selector("text=Ihr Stimmzettel wurde gezählt.")
    accessible(citizen)
    citizen.goto("/dresden/beteiligung/buergerhaushalt-2025/ergebnis")
    accessible(citizen)

    staff = new_page()
    staff.set_default_timeout(60_000)
    staff.goto("/anmelden?next=/dresden/verwaltung/beteiligung/moderation")
    log_in(staff, "dd.admin", "/dresden/verwaltung/beteiligung/moderation")
    accessible(staff)
    staff.goto("/dresden/verwaltung/beteiligung")
    accessible(staff)
    staff.goto("/dresden/verwaltung/beteiligung/altmarkt")
    accessible(staff)
    staff.get_by_role("link", name="Schattige Bank").click()
    staff.wait_for_url("**/altmarkt/vorschlaege/*")
    accessible(staff)


def test_paper_ballots_held_posts_and_attachments_in_the_browser(
    new_page: Callable[[], Any], world: World, server: str
) -> None:
    """The polling station's page with an entry waiting, the moderation page with a held
    proposal and a blocked account, and a proposal with its photo: no axe-core violation."""
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=lambda _: None))
    with world.tenant(world.dresden) as db:
        blocking.set_words(db, ["Vollpfosten"], actor="test")
    with world.system() as db:
        token = citizen_login.start(
            db, {"iss": "https://id.example", "sub": "anna", "name": "Anna"}
        )
    citizen = new_page()
    citizen.set_default_timeout(60_000)
    citizen.goto("/dresden/beteiligung")
    citizen.evaluate(
        "([name, value]) => {"
        " document.cookie = `${name}=${value}; Path=/; Secure; SameSite=Lax`; }",
        [citizen_login.COOKIE, token],
    )
    citizen.goto("/dresden/beteiligung/altmarkt/neu")
    citizen.fill("#feld-title", "Bank für Vollpfosten")
    citizen.fill("#feld-text", "Eine Bank im Schatten.")
    citizen.set_input_files(
        "#feld-file1",
        files=[{"name": "bank.png", "mimeType": "image/png", "buffer": _png()}],
    )
    citizen.fill("#feld-description1", "Eine Holzbank unter einer Linde")
    citizen.get_by_role("button", name="Vorschlag veröffentlichen").click()
    citizen.wait_for_url("**/altmarkt/vorschlaege/*")
    assert "Ihr Vorschlag wird geprüft" in citizen.content()
    assert citizen.get_by_alt_text("Eine Holzbank unter einer Linde").is_visible()
    accessible(citizen)

    staff = new_page()
    staff.set_default_timeout(60_000)
    staff.goto("/anmelden?next=/dresden/verwaltung/beteiligung/moderation")
    log_in(staff, "dd.admin", "/dresden/verwaltung/beteiligung/moderation")
    assert "Bank für Vollpfosten" in staff.content()
    staff.get_by_text("Konto der Verfasserin oder des Verfassers sperren").click()
    staff.get_by_label("Grund für die Sperre (nur für die Moderation)").fill("Beleidigung")
    staff.get_by_role("button", name="Sperren").click()
    staff.wait_for_selector("text=Sperre aufheben")
    accessible(staff)
    staff.goto("/dresden/verwaltung/beteiligung/buergerhaushalt-neustadt/papier")
    staff.get_by_role("button", name="Stimmzettel erfassen").click()
    staff.wait_for_selector("#fehlerliste")
    accessible(staff)  # the error summary
    staff.fill("#feld-station", "Rathaus Neustadt")
    staff.get_by_label("Lastenrad zum Ausleihen", exact=False).check()
    staff.get_by_role("button", name="Stimmzettel erfassen").click()
    staff.wait_for_selector("text=wartet auf eine zweite Person")
    accessible(staff)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (40, 120, 60)).save(out, format="PNG")
    return out.getvalue()
