"""The participation pages in a real browser (headless Chromium, Playwright): a signed-in
citizen reads the processes, makes a proposal (first with a mistake), votes and reads a
result; staff review and moderate. axe-core finds no WCAG 2.1 AA violation on any of them."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from PIL import Image

from smartcity.citizen import login as citizen_login
from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.participation import blocking, demo, districts, services
from smartcity.participation.models import Process, Proposal
from tests.conftest import World
from tests.participation.conftest import DAY, add_proposal, make_process, set_phase
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
    # The picture loads lazily: on a busy machine only a moment after the page.
    citizen.get_by_alt_text("Eine Holzbank unter einer Linde").wait_for(state="visible")
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


def test_the_paper_ballot_form_of_a_process_with_districts_in_the_browser(
    new_page: Callable[[], Any], world: World, server: str
) -> None:
    """The district select and each district's projects on the polling station's page, with
    the error for a missing district and an entry made: no axe-core violation."""
    process = make_process(world, "stadtteile", "review", before=("proposals",), budget_cents=0)
    for name, rule in (("Neustadt", "knapsack"), ("Pieschen", "approval")):
        proposal = add_proposal(world, process, f"Bänke in {name}", sub=name)
        with world.tenant(world.dresden) as db:
            found = db.get(Process, process.id)
            on_ballot = db.get(Proposal, proposal.id)
            assert found is not None
            assert on_ballot is not None
            district = districts.save_district(
                db, found, districts.DistrictInput(name, 20_000_00, rule=rule), actor="test"
            )
            services.review(
                db, on_ballot, services.ReviewInput("feasible", "", 5_000_00), actor="test"
            )
            services.set_on_ballot(db, on_ballot, True, actor="test")
            districts.set_project_district(db, found, on_ballot, district.id, actor="test")
    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)

    staff = new_page()
    staff.set_default_timeout(60_000)
    target = "/dresden/verwaltung/beteiligung/stadtteile/papier"
    staff.goto(f"/anmelden?next={target}")
    log_in(staff, "dd.admin", target)
    staff.fill("#feld-station", "Rathaus Neustadt")
    staff.get_by_label("Bänke in Neustadt", exact=False).check()
    staff.get_by_role("button", name="Stimmzettel erfassen").click()
    staff.wait_for_selector("#fehlerliste")
    assert "Bitte wählen Sie den Stadtteil" in staff.content()
    accessible(staff)  # the error summary and the district field's error
    staff.select_option("#feld-district", label="Neustadt")
    staff.get_by_role("button", name="Stimmzettel erfassen").click()
    staff.wait_for_selector("text=wartet auf eine zweite Person")
    assert "Stadtteil: Neustadt" in staff.content()
    accessible(staff)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (40, 120, 60)).save(out, format="PNG")
    return out.getvalue()
