"""The citizen portal as a citizen uses it: plain HTML forms, no JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import World
from tests.web.conftest import PDF, Browser, mails, main_text

DRESDEN = "/dresden"
OWNER = {"name": "Erika Mustermann", "street": "Altmarkt 1", "postcode": "01067", "city": "Dresden"}
DOG = {"dog_name": "Bello", "breed": "Dackel", "since": "2026-11-01"}


def start_application(citizen: Browser, key: str) -> None:
    page = citizen.get(f"{DRESDEN}/dienste/{key}")
    assert page.status_code == 200
    assert "Antrag beginnen" in page.text
    started = citizen.submit(f"{DRESDEN}/dienste/{key}/antrag")
    assert started.status_code == 303
    assert started.headers["location"] == f"{DRESDEN}/antrag/schritt/1"


def test_the_service_list_finds_a_service_by_a_word_of_its_description(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    assert "Hund zur Hundesteuer anmelden" in citizen.get(f"{DRESDEN}/").text
    found = citizen.get(f"{DRESDEN}/?q=steuermarke")
    assert "Hund zur Hundesteuer anmelden" in found.text
    nothing = citizen.get(f"{DRESDEN}/?q=Baugenehmigung")
    assert "Keine Dienstleistung passt zu „Baugenehmigung“" in main_text(nothing)


def test_a_citizen_applies_step_by_step_with_an_upload_and_follows_the_status(
    browser: Callable[[], Browser], dog_tax: str, world: World
) -> None:
    citizen = browser()
    start_application(citizen, dog_tax)

    wrong = citizen.submit(f"{DRESDEN}/antrag/schritt/1", {**OWNER, "postcode": "1067"})
    assert wrong.status_code == 422
    # The summary names the problem and links to the field; the field says it again.
    assert 'href="#feld-postcode">Die Postleitzahl hat fünf Ziffern.' in wrong.text
    assert 'id="feld-postcode" name="postcode" type="text" value="1067"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text

    assert (
        citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER)
        .headers["location"]
        .endswith("/antrag/schritt/2")
    )
    assert (
        citizen.submit(f"{DRESDEN}/antrag/schritt/2", DOG)
        .headers["location"]
        .endswith("/antrag/schritt/3")
    )
    missing = citizen.submit(f"{DRESDEN}/antrag/schritt/3")
    assert missing.status_code == 422
    assert "Nachweis der Haftpflichtversicherung" in main_text(missing)
    uploaded = citizen.submit(
        f"{DRESDEN}/antrag/schritt/3",
        files={"insurance": ("versicherung.pdf", PDF, "application/pdf")},
    )
    assert uploaded.headers["location"] == f"{DRESDEN}/antrag/pruefen"

    review = main_text(citizen.get(f"{DRESDEN}/antrag/pruefen"))
    assert "Erika Mustermann" in review
    assert "versicherung.pdf" in review
    sent = citizen.submit(f"{DRESDEN}/antrag/absenden", {"email": "erika@example.org"})
    assert sent.status_code == 303
    status_url = sent.headers["location"]
    code = re.search(r"/status/([0-9A-Z-]+)\?neu=1", status_url)
    assert code is not None

    status = citizen.get(status_url)
    text = main_text(status)
    assert "Vielen Dank, Ihr Antrag wurde gesendet" in text
    assert code.group(1) in text
    assert "Eingegangen" in text
    receipt = citizen.get(f"{DRESDEN}/api/v1/citizen/status/{code.group(1)}/receipt.pdf")
    assert receipt.headers["content-type"] == "application/pdf"
    # The draft is gone from this browser: the form cannot be sent twice.
    assert citizen.get(f"{DRESDEN}/antrag/pruefen").status_code == 404
    assert any(code.group(1) in m.get_payload(decode=True).decode() for m in mails(world))


def test_status_lookup_forgives_lower_case_and_explains_a_wrong_code(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    start_application(citizen, dog_tax)
    citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER)
    citizen.submit(f"{DRESDEN}/antrag/schritt/2", DOG)
    citizen.submit(
        f"{DRESDEN}/antrag/schritt/3", files={"insurance": ("v.pdf", PDF, "application/pdf")}
    )
    code = citizen.submit(f"{DRESDEN}/antrag/absenden").headers["location"].split("/")[-1][:14]

    looked_up = citizen.get(
        f"{DRESDEN}/status?code={code.lower().replace('-', ' ')}", follow_redirects=False
    )
    assert looked_up.status_code == 303
    assert looked_up.headers["location"] == f"{DRESDEN}/status/{code}"
    wrong = citizen.get(f"{DRESDEN}/status?code=12345")
    assert wrong.status_code == 422
    assert "Das ist keine Vorgangsnummer" in main_text(wrong)


def test_an_unknown_tracking_code_shows_the_lookup_again_in_the_citys_frame(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    frame = re.search(
        r'<a class="site-name" href="([^"]+)">([^<]+)</a>', citizen.get(f"{DRESDEN}/status").text
    )
    assert frame is not None
    assert frame.group(1) == f"{DRESDEN}/"
    unknown = "Zu dieser Vorgangsnummer gibt es hier keinen Antrag"
    for path, status, message in (
        ("/status/ABCD-EFGH-JKMN", 404, unknown),
        ("/status?code=abcd efgh jkmn", 404, unknown),
        ("/status/12345", 422, "Das ist keine Vorgangsnummer"),
    ):
        page = citizen.get(f"{DRESDEN}{path}", follow_redirects=True)
        assert page.status_code == status
        assert frame.group(0) in page.text  # the city's header, not the platform's
        assert 'id="feld-code"' in page.text  # a field to try again
        assert 'aria-invalid="true"' in page.text
        assert message in main_text(page)
    english = citizen.get(f"{DRESDEN}/status/ABCD-EFGH-JKMN?lang=en")
    assert "There is no application with this tracking code here" in main_text(english)


def test_a_saved_application_continues_once_on_another_device_with_the_mailed_code(
    browser: Callable[[], Browser], dog_tax: str, world: World
) -> None:
    phone = browser()
    start_application(phone, dog_tax)
    later = phone.submit(f"{DRESDEN}/antrag/schritt/1", {**OWNER, "action": "later"})
    assert later.headers["location"] == f"{DRESDEN}/antrag/speichern"
    saved = phone.submit(f"{DRESDEN}/antrag/speichern", {"email": "erika@example.org"})
    assert "Wir haben Ihnen eine E-Mail mit einem Code" in main_text(saved)
    mail = next(m for m in mails(world) if "gespeicherter Antrag" in str(m["Subject"]))
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/dresden/antrag/fortsetzen#(\S+)", body)
    assert link is not None

    laptop = browser()
    laptop.get(f"{DRESDEN}/antrag/fortsetzen")
    resumed = laptop.submit(f"{DRESDEN}/antrag/fortsetzen", {"code": link.group(1)})
    assert resumed.status_code == 303
    step = laptop.get(resumed.headers["location"])
    assert 'value="Erika Mustermann"' in step.text

    again = browser().submit(f"{DRESDEN}/antrag/fortsetzen", {"code": link.group(1)})
    assert again.status_code == 404
    assert "schon benutzt" in main_text(again)


def test_a_form_sent_from_elsewhere_is_refused_and_nothing_is_stored(
    browser: Callable[[], Browser], dog_tax: str, world: World
) -> None:
    citizen = browser()
    citizen.get(f"{DRESDEN}/")
    forged = citizen.client.post(
        f"{DRESDEN}/dienste/{dog_tax}/antrag",
        data={"csrf_token": "forged-by-another-site"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "nicht von dieser Seite gesendet" in main_text(forged)
    assert "__Host-smartcity_draft" not in forged.headers.get("set-cookie", "")


def test_the_language_switch_turns_the_pages_into_english_and_stays(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    german = citizen.get(f"{DRESDEN}/")
    assert '<html lang="de">' in german.text
    assert "Mangel melden" in german.text
    english = citizen.get(f"{DRESDEN}/?lang=en")
    assert '<html lang="en">' in english.text
    assert "Report a defect" in english.text
    assert "Register a dog for dog tax" in english.text  # the service's own English name
    assert '<html lang="en">' in citizen.get(f"{DRESDEN}/status").text


def test_a_water_meter_reading_gets_a_receipt_and_a_wrong_one_a_field_message(
    browser: Callable[[], Browser], meters: None
) -> None:
    citizen = browser()
    form = citizen.get(f"{DRESDEN}/wasserzaehler")
    assert "Zählernummer" in form.text
    wrong = citizen.submit(
        f"{DRESDEN}/wasserzaehler",
        {"meter_number": "WZ-1", "reading": "hundert", "read_on": "2026-11-20"},
    )
    assert wrong.status_code == 422
    assert 'href="#feld-reading">Bitte geben Sie den Zählerstand als Zahl an' in wrong.text
    unknown = citizen.submit(
        f"{DRESDEN}/wasserzaehler",
        {"meter_number": "WZ-999", "reading": "150", "read_on": "2026-11-20"},
    )
    assert unknown.status_code == 422

    sent = citizen.submit(
        f"{DRESDEN}/wasserzaehler",
        {"meter_number": "WZ-1", "reading": "190,5", "read_on": "2026-11-20"},
    )
    assert sent.status_code == 303
    receipt = main_text(citizen.get(sent.headers["location"]))
    assert "Vielen Dank, Ihr Zählerstand ist eingegangen" in receipt
    assert "190,500 m³" in receipt


def test_the_water_meter_form_names_all_wrong_fields_at_once_and_ignores_case(
    browser: Callable[[], Browser], meters: None
) -> None:
    citizen = browser()
    citizen.get(f"{DRESDEN}/wasserzaehler")
    wrong = citizen.submit(
        f"{DRESDEN}/wasserzaehler",
        {"meter_number": "WZ-999", "reading": "hundert", "read_on": "", "email": "kein"},
    )
    assert wrong.status_code == 422
    summary = re.search(r"<div class=\"error-summary\".*?</div>", wrong.text, re.S)
    assert summary is not None
    for field in ("meter_number", "reading", "read_on", "email"):
        assert f'href="#feld-{field}"' in summary.group(0)

    sent = citizen.submit(
        f"{DRESDEN}/wasserzaehler",
        {"meter_number": "  wz-1 ", "reading": "190,5", "read_on": "2026-11-20"},
    )
    assert sent.status_code == 303
    receipt = main_text(citizen.get(sent.headers["location"]))
    assert "WZ-1" in receipt  # the stored number, as it is stored


def test_a_defect_is_reported_with_a_place_and_shows_on_the_public_map(
    browser: Callable[[], Browser], report_categories: None
) -> None:
    citizen = browser()
    choice = citizen.get(f"{DRESDEN}/maengel/melden")
    assert "Straßenschaden" in main_text(choice) or "strassenschaden" in choice.text
    form = citizen.get(f"{DRESDEN}/maengel/melden?kategorie=strassenschaden")
    assert 'data-pick="feld-lat,feld-lon"' in form.text

    nowhere = citizen.submit(
        f"{DRESDEN}/maengel/melden",
        {
            "kategorie": "strassenschaden",
            "description": "Schlagloch",
            "attribute-flaeche": "gehweg",
        },
    )
    assert nowhere.status_code == 422
    assert 'href="#feld-address">Bitte sagen Sie uns, wo' in nowhere.text

    filed = citizen.submit(
        f"{DRESDEN}/maengel/melden",
        {
            "kategorie": "strassenschaden",
            "description": "Tiefes Schlagloch",
            "attribute-flaeche": "fahrbahn",
            "lat": "51,0493",
            "lon": "13.7381",
        },
    )
    assert filed.status_code == 201
    assert "Vielen Dank für Ihre Meldung" in main_text(filed)
    layer = citizen.get(f"{DRESDEN}/maengel/karte.geojson").json()
    (feature,) = layer["features"]
    assert feature["geometry"]["coordinates"] == [13.7381, 51.0493]
    assert feature["properties"]["state"] == "open"


def test_a_defect_report_with_a_refused_photo_stores_nothing(
    browser: Callable[[], Browser], report_categories: None, world: World
) -> None:
    citizen = browser()
    report = {
        "kategorie": "strassenschaden",
        "description": "Tiefes Schlagloch",
        "attribute-flaeche": "fahrbahn",
        "lat": "51.0493",
        "lon": "13.7381",
    }
    refused = citizen.submit(
        f"{DRESDEN}/maengel/melden",
        report,
        files={"photo": ("loch.txt", b"kein Bild", "text/plain")},
    )
    assert refused.status_code == 422
    assert 'href="#feld-photo">Bitte senden Sie das Foto als JPEG oder PNG' in refused.text
    assert citizen.get(f"{DRESDEN}/maengel/karte.geojson").json()["features"] == []
    bad_mail = citizen.submit(f"{DRESDEN}/maengel/melden", {**report, "email": "kein@"})
    assert bad_mail.status_code == 422
    assert citizen.get(f"{DRESDEN}/maengel/karte.geojson").json()["features"] == []

    filed = citizen.submit(f"{DRESDEN}/maengel/melden", report)
    assert filed.status_code == 201
    assert "Ganz in der Nähe" not in main_text(filed)  # no refused report 0 m away
    assert len(citizen.get(f"{DRESDEN}/maengel/karte.geojson").json()["features"]) == 1


def test_parking_and_bench_pages_say_so_when_there_is_nothing_yet(
    browser: Callable[[], Browser], world: World
) -> None:
    citizen = browser()
    assert "Noch keine Parkhäuser erfasst" in main_text(citizen.get(f"{DRESDEN}/parken"))
    assert "Noch keine Sitzbänke eingerichtet" in main_text(citizen.get(f"{DRESDEN}/umwelt"))
    assert citizen.get(f"{DRESDEN}/parken/karte.geojson").json()["features"] == []


def test_an_unknown_municipality_gets_a_page_not_a_stack_trace(
    browser: Callable[[], Browser], world: World
) -> None:
    page = browser().get("/atlantis/parken")
    assert page.status_code == 404
    assert "Nicht gefunden" in main_text(page)
    assert "Traceback" not in page.text


def test_saving_for_later_and_going_back_keep_an_incomplete_step_and_a_file_can_be_removed(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    start_application(citizen, dog_tax)
    later = citizen.submit(f"{DRESDEN}/antrag/schritt/1", {"name": "Erika", "action": "later"})
    assert later.headers["location"] == f"{DRESDEN}/antrag/speichern"
    assert 'value="Erika"' in citizen.get(f"{DRESDEN}/antrag/schritt/1").text
    citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER)
    back = citizen.submit(f"{DRESDEN}/antrag/schritt/2", {"dog_name": "Bel", "action": "back"})
    assert back.headers["location"] == f"{DRESDEN}/antrag/schritt/1"
    assert 'value="Bel"' in citizen.get(f"{DRESDEN}/antrag/schritt/2").text

    citizen.submit(
        f"{DRESDEN}/antrag/schritt/3", files={"insurance": ("alt.pdf", PDF, "application/pdf")}
    )
    step = citizen.get(f"{DRESDEN}/antrag/schritt/3").text
    found = re.search(r'name="remove" value="(insurance:[^"]+)"', step)
    assert found is not None
    removed = citizen.submit(f"{DRESDEN}/antrag/schritt/3", {"remove": found.group(1)})
    assert removed.headers["location"] == f"{DRESDEN}/antrag/schritt/3"
    assert "alt.pdf" not in citizen.get(f"{DRESDEN}/antrag/schritt/3").text


def test_a_mistyped_service_address_is_not_found(browser: Callable[[], Browser]) -> None:
    for address in ("/dresden/dienste/x", "/dresden/dienste/Gibt-Es-Nicht"):
        page = browser().get(address)
        assert page.status_code == 404, address
