"""Back-office pages as a new clerk reads them: the inbox's search and filters, a case's
history in words, photos to look at, the audit log in words with filters and pages, the
region overview's frame, the energy report's lamp order, and pages in the reader's language
(issue 21: defects 8, 14, 15 and the back office's missing parts)."""

from __future__ import annotations

import re
from collections.abc import Callable

from smartcity.lighting import services as lighting
from tests.citizen.conftest import PNG
from tests.conftest import World
from tests.web.conftest import Browser, main_text
from tests.web.test_backoffice import ADMIN, DRESDEN, apply, case_id_of, logged_in, version_of

COCKPIT = f"{ADMIN}/cockpit"


def test_the_inbox_names_the_applicant_and_finds_a_case_by_name_or_code(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    clerk = logged_in(browser, "dd.clerk.a")
    inbox = main_text(clerk.get(f"{ADMIN}/vorgaenge"))
    assert "Antragsteller" in inbox or "Antragstellende" in inbox
    assert "Erika Mustermann" in inbox

    by_name = clerk.get(f"{ADMIN}/vorgaenge?q=mustermann")
    assert code in main_text(by_name)
    by_code = clerk.get(f"{ADMIN}/vorgaenge?q={code.lower()}")
    assert code in main_text(by_code)
    nobody = clerk.get(f"{ADMIN}/vorgaenge?q=Musterfrau")
    assert code not in main_text(nobody)
    assert "Kein Vorgang passt zu diesen Filtern." in main_text(nobody)


def test_the_inbox_filters_by_the_day_of_receipt(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    clerk = logged_in(browser, "dd.clerk.a")
    assert code in main_text(clerk.get(f"{ADMIN}/vorgaenge?von=2020-01-01"))
    assert code not in main_text(clerk.get(f"{ADMIN}/vorgaenge?bis=2020-01-01"))
    # Typed by hand where a browser shows no date picker.
    assert code not in main_text(clerk.get(f"{ADMIN}/vorgaenge?bis=01.01.2020"))
    wrong = clerk.get(f"{ADMIN}/vorgaenge?von=gestern")
    assert wrong.status_code == 422
    assert "Bitte geben Sie das Datum als TT.MM.JJJJ ein." in main_text(wrong)
    # The pages' links keep the search.
    assert 'href="#feld-von"' in wrong.text


def test_the_history_says_from_which_state_to_which_and_names_no_internal_codes(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    clerk = logged_in(browser, "dd.clerk.a")
    case_url = f"{ADMIN}/vorgaenge/{case_id_of(clerk, code)}"
    page = clerk.get(case_url)
    clerk.submit(
        case_url, {"action": "status", "status": "in_bearbeitung", "version": version_of(page.text)}
    )
    text = main_text(clerk.get(case_url))
    assert "Status geändert von „Eingegangen“ zu „In Bearbeitung“" in text
    assert "Status: „Eingegangen“" in text
    assert "Automatisch (Plattform)" in text
    assert "Antrag eingegangen – Bürgerin oder Bürger (nicht angemeldet)" in text
    for code_word in ("system", "anonymous", "submission.create", "case.status"):
        assert code_word not in text, code_word
    english = main_text(clerk.get(f"{case_url}?lang=en"))
    assert "State changed from “Received” to “In progress”" in english
    assert "Application received – Citizen (not logged in)" in english


def test_a_photo_of_a_report_is_shown_to_the_clerk_with_the_download_s_permission_check(
    browser: Callable[[], Browser], report_categories: None
) -> None:
    citizen = browser()
    filed = citizen.submit(
        f"{DRESDEN}/maengel/melden",
        {
            "kategorie": "strassenschaden",
            "description": "Loch",
            "attribute-flaeche": "fahrbahn",
            "lat": "51.05",
            "lon": "13.74",
        },
        files={"photo": ("loch.png", PNG, "image/png")},
    )
    assert filed.status_code == 201
    clerk = logged_in(browser, "dd.admin")
    inbox = clerk.get(f"{ADMIN}/vorgaenge")
    case_id = re.findall(r'href="vorgaenge/(\d+)"', inbox.text)[0]
    page = clerk.get(f"{ADMIN}/vorgaenge/{case_id}")
    preview = re.search(
        r'<img class="preview" src="([^"]+)" alt="Vorschau von loch\.png"', page.text
    )
    assert preview is not None, main_text(page)
    image = clerk.get(preview.group(1))
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    assert browser().get(preview.group(1)).status_code in (401, 403)


def test_the_audit_log_reads_as_sentences_in_the_reader_s_language(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    code = apply(browser, dog_tax)
    admin = logged_in(browser, "dd.admin")
    case_url = f"{ADMIN}/vorgaenge/{case_id_of(admin, code)}"
    page = admin.get(case_url)
    admin.submit(
        case_url, {"action": "status", "status": "in_bearbeitung", "version": version_of(page.text)}
    )
    page = admin.get(case_url)
    admin.submit(
        case_url,
        {
            "action": "decide",
            "outcome": "approved",
            "decision-text": "Gut.",
            "version": version_of(page.text),
            "confirmed": "yes",
        },
    )
    admin.submit(
        f"{ADMIN}/api-schluessel", {"action": "create", "name": "Simulator", "scopes": "sta:write"}
    )
    auditor = logged_in(browser, "dd.auditor")
    german = main_text(auditor.get(f"{ADMIN}/protokoll"))
    assert "Bescheid erlassen" in german
    assert "Status: von Eingegangen zu In Bearbeitung" in german
    assert "Ergebnis: Ihrem Antrag wird stattgegeben." in german
    assert "API-Schlüssel angelegt" in german
    assert "Rechte: SensorThings-Objekte und Messwerte anlegen und ändern (Geräte)" in german
    assert "Bürgerin oder Bürger (nicht angemeldet)" in german
    for raw in ("approved", "case.decision", "apikey.create", "sta:write", "anonymous", "{"):
        assert raw not in german, raw
    english = main_text(auditor.get(f"{ADMIN}/protokoll?lang=en"))
    assert "Decision issued" in english
    assert "Outcome: Your application is granted." in english
    assert "Bescheid" not in english


def test_the_audit_log_filters_by_time_actor_action_and_object_and_pages(
    browser: Callable[[], Browser], world: World
) -> None:
    admin = logged_in(browser, "dd.admin")
    for number in range(55):
        admin.submit(
            f"{ADMIN}/api-schluessel",
            {"action": "create", "name": f"Sensor {number}", "scopes": "sta:write"},
        )
    auditor = logged_in(browser, "dd.auditor")
    admin_actor = f"user:{world.accounts['dd.admin'].id}"
    first = auditor.get(f"{ADMIN}/protokoll?wer={admin_actor}&aktion=apikey.create")
    text = main_text(first)
    assert "55 Einträge" in text
    assert "Sensor 54" in text  # newest first, 50 a page
    assert "Sensor 4," not in text
    older = re.search(r'<a href="(\?[^"]+)">Ältere Einträge</a>', first.text)
    assert older is not None
    second = main_text(auditor.get(f"{ADMIN}/protokoll" + older.group(1).replace("&amp;", "&")))
    assert "Sensor 0" in second
    assert "Sensor 54" not in second
    assert "Neueste Einträge" in second

    only_one = main_text(auditor.get(f"{ADMIN}/protokoll?objekt=api_key&nummer=1"))
    assert "1 Eintrag" in only_one
    # The role assignments of the test world are older than any day after today.
    assert "Kein Eintrag passt zu diesen Filtern." in main_text(
        auditor.get(f"{ADMIN}/protokoll?von=2999-01-01")
    )
    assert "55 Einträge" in main_text(
        auditor.get(f"{ADMIN}/protokoll?aktion=apikey.create&bis=2999-12-31")
    )
    wrong = auditor.get(f"{ADMIN}/protokoll?von=morgen")
    assert wrong.status_code == 422
    assert "TT.MM.JJJJ" in main_text(wrong)


def test_error_pages_speak_the_visitor_s_language_only(
    browser: Callable[[], Browser], world: World
) -> None:
    visitor = browser()
    german = visitor.get("/nirgendwo")
    assert german.status_code == 404
    assert "Nicht gefunden" in main_text(german)
    assert "There is no" not in german.text
    html = {"Accept": "text/html,application/xhtml+xml"}
    unknown = logged_in(browser, "dd.admin").get(f"{ADMIN}/gibt-es-nicht", headers=html)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert "Diese Seite oder diesen Eintrag gibt es nicht." in main_text(unknown)
    # API clients keep their problem JSON.
    api = visitor.get("/dresden/api/v1/gibt-es-nicht")
    assert api.headers["content-type"].startswith("application/problem+json")

    english = visitor.get("/nirgendwo?lang=en")
    assert "Not found" in main_text(english)
    assert "Startseite" not in english.text


def test_the_region_overview_names_the_user_and_offers_logout_and_a_way_back(
    browser: Callable[[], Browser], world: World
) -> None:
    region = logged_in(browser, "region.admin")
    page = region.get("/region/cockpit")
    assert page.status_code == 200
    assert "region.admin" in page.text
    assert 'action="/abmelden"' in page.text
    assert 'href="/verwaltung"' in page.text
    assert 'aria-current="page"' in page.text


def test_the_energy_report_lists_lamps_in_the_order_of_their_numbers(
    browser: Callable[[], Browser], world: World
) -> None:
    with world.tenant(world.dresden) as db:
        group = lighting.create_group(db, "Altstadt", {}, actor="test")
        for number in (1, 11, 13, 3, 5, 2):
            lighting.add_luminaire(
                db,
                group,
                name=f"Leuchte {number}",
                lat=51.05,
                lon=13.74,
                rated_power_w=40,
                single_lamp=True,
                actor="test",
            )
    page = logged_in(browser, "dd.operator").get(f"{COCKPIT}/energie")
    shown = re.findall(r"<td>(Leuchte \d+)</td>", page.text)
    assert shown == [f"Leuchte {n}" for n in (1, 2, 3, 5, 11, 13)]
