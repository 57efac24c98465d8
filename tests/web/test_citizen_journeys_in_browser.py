"""The citizen's two main journeys in a real browser (Chromium, axe-core on every page):
an application with an upload that the office asks back about, answered with a file, then
decided and read as a letter; and a defect reported on the map, closed by the clerk, with the
reporter told by e-mail."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import World
from tests.web import test_in_browser as in_browser
from tests.web.conftest import PDF, mails
from tests.web.tile_server import TileServer

# The browser, the served app (with the test's own map tiles) and the page helpers of the
# other browser tests.
settings = in_browser.settings
chromium = in_browser.chromium
server = in_browser.server
new_page = in_browser.new_page
accessible = in_browser.accessible
expect = in_browser.expect
log_in = in_browser.log_in
shows_tiles = in_browser.shows_tiles


def test_an_application_is_asked_back_answered_with_a_file_decided_and_read(
    new_page: Callable[[], Any], dog_tax: str, tmp_path: Path
) -> None:
    proof = tmp_path / "versicherung.pdf"
    proof.write_bytes(PDF)
    citizen = new_page()
    citizen.goto(f"/dresden/dienste/{dog_tax}")
    expect(citizen.locator("main")).to_contain_text("Was Sie brauchen")
    accessible(citizen)
    citizen.get_by_role("button", name="Antrag beginnen").click()
    citizen.fill("#feld-name", "Erika Mustermann")
    citizen.fill("#feld-street", "Altmarkt 1")
    citizen.fill("#feld-postcode", "01067")
    citizen.fill("#feld-city", "Dresden")
    citizen.get_by_role("button", name="Weiter", exact=True).click()
    citizen.fill("#feld-dog_name", "Bello")
    citizen.fill("#feld-breed", "Dackel")
    citizen.fill("#feld-since", "2026-11-01")
    citizen.get_by_role("button", name="Weiter", exact=True).click()
    citizen.set_input_files("#feld-insurance", str(proof))
    citizen.get_by_role("button", name="Weiter zur Prüfung").click()
    expect(citizen.locator("main")).to_contain_text("01.11.2026")
    citizen.get_by_role("button", name="Antrag absenden").click()
    code = citizen.inner_text("#tracking-code").strip()
    status_url = citizen.url

    clerk = new_page()
    clerk.goto("/dresden/verwaltung/vorgaenge")
    log_in(clerk, "dd.clerk.a", "/dresden/verwaltung/vorgaenge")
    clerk.get_by_role("link", name=code).click()
    clerk.select_option("#feld-status", "in_bearbeitung")
    clerk.get_by_role("button", name="Status ändern").click()
    expect(clerk.locator("#case-status")).to_have_text("In Bearbeitung")
    clerk.select_option("#feld-status", "rueckfrage")
    clerk.get_by_role("button", name="Status ändern").click()
    clerk.fill("#feld-message-text", "Bitte senden Sie uns den Impfpass.")
    clerk.get_by_role("button", name="Nachricht senden").click()

    citizen.goto(status_url)
    expect(citizen.locator("#antwort")).to_contain_text("Die Behörde wartet auf Ihre Antwort")
    expect(citizen.locator("main")).to_contain_text("Bitte senden Sie uns den Impfpass.")
    accessible(citizen)
    citizen.fill("#feld-reply-text", "Anbei der Impfpass.")
    citizen.set_input_files("#feld-reply-file", str(proof))
    citizen.get_by_role("button", name="Antwort senden").click()
    expect(citizen.locator("main")).to_contain_text("Ihre Antwort wurde an die Behörde gesendet")
    accessible(citizen)

    clerk.reload()
    expect(clerk.locator("main")).to_contain_text("Anbei der Impfpass.")
    # The citizen's answer put the case back in progress.
    expect(clerk.locator("#case-status")).to_have_text("In Bearbeitung")
    clerk.select_option("#feld-outcome", "approved")
    clerk.fill("#feld-decision-text", "Die Steuer beträgt 108,00 € im Jahr.")
    clerk.get_by_role("button", name="Bescheid prüfen …").click()
    clerk.get_by_role("button", name="Bescheid erlassen").click()
    expect(clerk.locator("#case-status")).to_have_text("Entschieden")

    citizen.goto(status_url)
    expect(citizen.locator("#decision")).to_contain_text("Ihrem Antrag wird stattgegeben.")
    accessible(citizen)
    with citizen.expect_download() as download:
        citizen.get_by_role("link", name="Bescheid herunterladen (PDF, signiert)").click()
    saved = tmp_path / "bescheid.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")


def test_a_defect_reported_on_the_map_is_closed_and_the_reporter_gets_the_mail(
    new_page: Callable[[], Any], report_categories: None, world: World, tiles: TileServer
) -> None:
    citizen = new_page()
    citizen.goto("/dresden/", wait_until="domcontentloaded")
    citizen.locator('main a[href="maengel/melden"]').click()
    citizen.get_by_role("link", name="Straßenschaden").click()
    citizen.wait_for_selector(".leaflet-container")
    shows_tiles(citizen, tiles)
    citizen.fill("#feld-description", "Tiefes Schlagloch im Radweg")
    citizen.select_option("#feld-attribute-flaeche", "radweg")
    citizen.locator("#karte").click(position={"x": 200, "y": 150})
    citizen.fill("#feld-email", "melder@example.org")
    citizen.get_by_role("button", name="Meldung absenden").click()
    expect(citizen.locator("h1")).to_have_text("Vielen Dank für Ihre Meldung")
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", citizen.inner_text("main"))
    assert code is not None

    clerk = new_page()
    clerk.goto("/dresden/verwaltung/vorgaenge")
    log_in(clerk, "dd.admin", "/dresden/verwaltung/vorgaenge")
    clerk.get_by_role("link", name=code.group(0)).click()
    expect(clerk.locator("#meldung")).to_contain_text("Radweg")
    clerk.wait_for_selector("#meldung ~ .map .leaflet-marker-icon, #meldung ~ .map path")
    shows_tiles(clerk, tiles)
    accessible(clerk)
    clerk.select_option("#feld-status", "abgeschlossen")
    clerk.get_by_role("button", name="Status ändern").click()
    expect(clerk.locator("#case-status")).to_have_text("Abgeschlossen")

    def closing_mail() -> str | None:
        for message in mails(world):
            body = message.get_payload(decode=True).decode()
            if message["to"] == "melder@example.org" and "abgeschlossen" in body:
                return str(body)
        return None

    expect(clerk.locator("#case-status")).to_have_text("Abgeschlossen")
    for _ in range(50):  # the mail goes out after the response
        if closing_mail():
            break
        clerk.wait_for_timeout(100)
    body = closing_mail()
    assert body is not None
    assert code.group(0) in body

    citizen.goto(f"/dresden/status/{code.group(0)}")
    expect(citizen.locator("h1")).to_have_text("Ihre Meldung")
    expect(citizen.locator("#meldung")).to_contain_text("Straßenschaden")
    expect(citizen.locator("#status-label")).to_have_text("Abgeschlossen")
    accessible(citizen)
