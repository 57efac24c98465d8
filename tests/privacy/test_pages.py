"""The pages: a citizen asks on the portal (without JavaScript, with the e-mail link), each
service's privacy notice, the privacy policy's section, and the officer's page with the
register — accessible (axe-core) where Chromium is installed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smartcity.core.settings import Settings
from tests.citizen.conftest import mails
from tests.conftest import World
from tests.web.conftest import Browser, main_text


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    # Pages sit on the services, which the other tests here run on both databases.
    path = tmp_path / "smartcity.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"map_tile_url": ""})


def test_a_citizen_asks_for_access_on_the_portal_and_confirms_by_the_mailed_link(
    new_client: Callable[[], TestClient], world: World, dpo: TestClient
) -> None:
    citizen = Browser(new_client())
    form = citizen.get("/dresden/datenschutz/anfrage")
    assert form.status_code == 200
    assert "Auskunft über meine Daten (Art. 15 DSGVO)" in form.text

    refused = citizen.submit("/dresden/datenschutz/anfrage", {"kind": "access"})
    assert refused.status_code == 422
    assert "Bitte geben Sie Ihre E-Mail-Adresse an" in main_text(refused)

    sent = citizen.submit(
        "/dresden/datenschutz/anfrage", {"kind": "access", "email": "erika@example.org"}
    )
    assert sent.status_code == 200
    assert "Bitte bestätigen Sie Ihre Anfrage" in main_text(sent)
    (mail,) = [m for m in mails(world) if "Datenschutz" in m["Subject"]]
    (link,) = [w for w in mail.get_payload(decode=True).decode().split() if "token=" in w]
    token = link.split("token=")[1]
    page = citizen.get(f"/dresden/datenschutz/anfrage?token={token}")
    assert "Anfrage bestätigen" in page.text
    confirmed = citizen.submit("/dresden/datenschutz/anfrage/bestaetigen", {"token": token})
    assert "Ihre Anfrage ist bestätigt" in main_text(confirmed)
    (listed,) = dpo.get("/dresden/api/v1/privacy/requests").json()
    assert listed["status"] == "open"


def test_each_service_has_its_privacy_notice_from_the_declarations(
    new_client: Callable[[], TestClient], world: World
) -> None:
    citizen = Browser(new_client())
    index = citizen.get("/dresden/datenschutz/hinweise")
    assert "Zählerstände Wasser" in main_text(index)
    notice = main_text(citizen.get("/dresden/datenschutz/hinweise/water-meter-reading"))
    assert "Den Wasserverbrauch der Verbrauchsstelle abrechnen" in notice
    assert "§ 147 AO" in notice
    assert "abgerechneter Zählerstand: 10 Jahre nach der Ablesung" in notice
    assert citizen.get("/dresden/datenschutz/hinweise/unknown").status_code == 404
    policy = main_text(citizen.get("/dresden/datenschutz"))
    assert "Datenschutzhinweise unserer Dienste" in policy


def test_the_officer_sees_the_register_and_nobody_else_does(
    new_client: Callable[[], TestClient], world: World, dpo: TestClient
) -> None:
    officer = Browser(dpo)
    page = officer.get("/dresden/verwaltung/datenschutz")
    assert page.status_code == 200
    text = main_text(page)
    assert "Verzeichnis von Verarbeitungstätigkeiten" in text
    assert "Verantwortlicher: Dresden" in text
    csv_file = dpo.get("/dresden/api/v1/privacy/register.csv")
    assert csv_file.status_code == 200
    assert "Process the application the citizen submitted" in csv_file.text
    assert "Betreiber der gemeinsamen Plattform der Region" in csv_file.text  # two municipalities
    assert dpo.get("/dresden/api/v1/privacy/register.pdf").content.startswith(b"%PDF")
    admin = Browser(new_client())
    admin.login("dd.admin")
    assert admin.get("/dresden/verwaltung/datenschutz").status_code == 403
    assert "/verwaltung/datenschutz" not in admin.get("/dresden/verwaltung/").text


def test_every_portal_form_links_its_privacy_notice(
    new_client: Callable[[], TestClient], world: World, dog_tax: str, categories: None
) -> None:
    citizen = Browser(new_client())
    started = citizen.submit(f"/dresden/dienste/{dog_tax}/antrag")
    assert started.headers["location"] == "/dresden/antrag/schritt/1"
    for form, service in (
        ("/dresden/antrag/schritt/1", "applications"),
        ("/dresden/wasserzaehler", "water-meter-reading"),
        ("/dresden/maengel/melden?kategorie=spielplatz", "defect-report"),
    ):
        page = citizen.get(form)
        assert page.status_code == 200, form
        assert f'href="/dresden/datenschutz/hinweise/{service}">Datenschutzhinweis</a>' in page.text
        assert citizen.get(f"/dresden/datenschutz/hinweise/{service}").status_code == 200
