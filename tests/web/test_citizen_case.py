"""The citizen's side of a case, as citizen and clerk use the pages: the service page says
what to have ready, a query is answered with a file on the status page, the decision is a
letter to download, a defect report is shown as one and its closing is mailed, and dates and
sizes are written as people read them (issue 21: defects 5, 6, 7, 10, 11, 12, 19)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from smartcity.cases.models import Case
from smartcity.citizen.models import Submission
from tests.conftest import World
from tests.web.conftest import PDF, Browser, mails, main_text

DRESDEN = "/dresden"
OWNER = {"name": "Erika Mustermann", "street": "Altmarkt 1", "postcode": "01067", "city": "Dresden"}
DOG = {"dog_name": "Bello", "breed": "Dackel", "since": "2026-11-01"}
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
REPORT = {
    "kategorie": "strassenschaden",
    "description": "Tiefes Schlagloch",
    "attribute-flaeche": "radweg",
    "address": "Wilsdruffer Straße 2",
    "lat": "51.0493",
    "lon": "13.7381",
}


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def apply(citizen: Browser, key: str, email: str = "erika@example.org") -> str:
    """A complete dog-tax application through the pages; its tracking code."""
    assert citizen.submit(f"{DRESDEN}/dienste/{key}/antrag").status_code == 303
    assert citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER).status_code == 303
    assert citizen.submit(f"{DRESDEN}/antrag/schritt/2", DOG).status_code == 303
    sent = citizen.submit(
        f"{DRESDEN}/antrag/schritt/3",
        files={"insurance": ("versicherung.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 303
    done = citizen.submit(f"{DRESDEN}/antrag/absenden", {"email": email})
    found = CODE.search(done.headers["location"])
    assert found is not None
    return found.group(0)


def case_id(world: World, code: str) -> int:
    with world.tenant(world.dresden) as db:
        found = db.scalar(
            select(Case.id)
            .join(Submission, Submission.id == Case.submission_id)
            .where(Submission.tracking_code == code)
        )
    assert found is not None
    return int(found)


def act(clerk: Browser, world: World, code: str, **fields: Any) -> Any:
    number = case_id(world, code)
    page = clerk.get(f"{DRESDEN}/verwaltung/vorgaenge/{number}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    data = {**fields, "version": version.group(1) if version else ""}
    return clerk.submit(f"{DRESDEN}/verwaltung/vorgaenge/{number}", data)


def report(citizen: Browser, **fields: str) -> str:
    filed = citizen.submit(f"{DRESDEN}/maengel/melden", {**REPORT, **fields})
    assert filed.status_code == 201, main_text(filed)
    found = CODE.search(main_text(filed))
    assert found is not None
    return found.group(0)


def test_the_maengelmelder_service_leads_to_the_defect_form_never_the_machine_form(
    browser: Callable[[], Browser], report_categories: None, dog_tax: str
) -> None:
    citizen = browser()
    report(citizen)  # the first report makes the municipality offer the service
    home = citizen.get(f"{DRESDEN}/")
    assert 'href="dienste/maengelmelder"' not in home.text
    assert 'href="maengel/melden"' in home.text
    service = citizen.get(f"{DRESDEN}/dienste/maengelmelder", follow_redirects=False)
    assert service.status_code == 303
    assert service.headers["location"] == f"{DRESDEN}/maengel/melden"
    started = citizen.submit(f"{DRESDEN}/dienste/maengelmelder/antrag")
    assert started.headers["location"] == f"{DRESDEN}/maengel/melden"
    assert citizen.get(f"{DRESDEN}/antrag/schritt/1").status_code == 404  # no draft
    # Nor through the API: a free-text category would land outside the defect workflow.
    api = citizen.client.post(
        f"{DRESDEN}/api/v1/citizen/services/maengelmelder/submissions",
        json={"data": {"service_code": "quatsch"}},
    )
    assert api.status_code == 409
    assert (
        citizen.client.post(
            f"{DRESDEN}/api/v1/citizen/services/maengelmelder/drafts", json={}
        ).status_code
        == 409
    )


def test_the_service_page_says_what_to_have_ready_and_uploads_say_what_is_allowed(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    page = main_text(citizen.get(f"{DRESDEN}/dienste/{dog_tax}"))
    assert "Nachweis der Haftpflichtversicherung" in page  # documents to have ready
    assert "Hundesteuersatzung" in page  # legal basis
    assert "14 Tage" in page
    assert "Bürgeramt" in page
    citizen.submit(f"{DRESDEN}/dienste/{dog_tax}/antrag")
    citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER)
    citizen.submit(f"{DRESDEN}/antrag/schritt/2", DOG)
    step = citizen.get(f"{DRESDEN}/antrag/schritt/3")
    assert "PDF, JPEG, PNG, höchstens" in main_text(step)
    small = b"%PDF-1.4\n" + b"%" * 184
    assert len(small) == 193
    citizen.submit(
        f"{DRESDEN}/antrag/schritt/3",
        {"action": "stay"},
        files={"insurance": ("klein.pdf", small, "application/pdf")},
    )
    shown = main_text(citizen.get(f"{DRESDEN}/antrag/schritt/3"))
    assert "klein.pdf (193 Bytes)" in shown
    assert "0 KB" not in shown


def test_a_date_is_taken_from_the_date_picker_or_typed_in_german_and_else_refused_in_words(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    citizen.submit(f"{DRESDEN}/dienste/{dog_tax}/antrag")
    citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER)
    wrong = citizen.submit(f"{DRESDEN}/antrag/schritt/2", {**DOG, "since": "1. November"})
    assert wrong.status_code == 422
    assert (
        "Bitte geben Sie bei „Im Haushalt seit“ ein gültiges Datum an, z. B. 24.12.2026."
        in main_text(wrong)
    )
    assert 'href="#feld-since"' in wrong.text
    no_such_day = citizen.submit(f"{DRESDEN}/antrag/schritt/2", {**DOG, "since": "31.02.2026"})
    assert no_such_day.status_code == 422
    # Typed where the browser draws no date picker: read, and shown again as ISO, which a
    # date picker takes (and shows as 01.11.2026 in a German browser).
    typed = citizen.submit(f"{DRESDEN}/antrag/schritt/2", {**DOG, "since": "1.11.2026"})
    assert typed.status_code == 303, main_text(typed)
    step = citizen.get(f"{DRESDEN}/antrag/schritt/2")
    assert 'name="since" type="date" value="2026-11-01"' in step.text
    citizen.submit(
        f"{DRESDEN}/antrag/schritt/3",
        files={"insurance": ("versicherung.pdf", PDF, "application/pdf")},
    )
    assert "01.11.2026" in main_text(citizen.get(f"{DRESDEN}/antrag/pruefen"))


def test_dates_read_as_german_dates_and_english_ones_in_english(
    browser: Callable[[], Browser], dog_tax: str, world: World
) -> None:
    citizen = browser()
    citizen.submit(f"{DRESDEN}/dienste/{dog_tax}/antrag")
    citizen.submit(f"{DRESDEN}/antrag/schritt/1", OWNER)
    citizen.submit(f"{DRESDEN}/antrag/schritt/2", DOG)
    citizen.submit(
        f"{DRESDEN}/antrag/schritt/3",
        files={"insurance": ("versicherung.pdf", PDF, "application/pdf")},
    )
    review = main_text(citizen.get(f"{DRESDEN}/antrag/pruefen"))
    assert "01.11.2026" in review
    assert "2026-11-01" not in review
    english = main_text(citizen.get(f"{DRESDEN}/antrag/pruefen", params={"lang": "en"}))
    assert "1 November 2026" in english
    citizen.get(f"{DRESDEN}/antrag/pruefen", params={"lang": "de"})
    done = citizen.submit(f"{DRESDEN}/antrag/absenden", {"email": ""})
    code = CODE.search(done.headers["location"])
    assert code is not None
    receipt = citizen.get(f"{DRESDEN}/api/v1/citizen/status/{code.group(0)}/receipt.pdf")
    assert "01.11.2026" in pdf_text(receipt.content)
    clerk = browser()
    clerk.login("dd.clerk.a")
    case_page = main_text(
        clerk.get(f"{DRESDEN}/verwaltung/vorgaenge/{case_id(world, code.group(0))}")
    )
    assert "01.11.2026" in case_page
    assert "2026-11-01" not in case_page


def test_a_query_is_answered_with_a_file_and_the_decision_is_a_letter_to_download(
    browser: Callable[[], Browser], dog_tax: str, world: World
) -> None:
    citizen = browser()
    code = apply(citizen, dog_tax)
    clerk = browser()
    clerk.login("dd.clerk.a")
    assert act(clerk, world, code, action="status", status="in_bearbeitung").status_code == 303
    assert act(clerk, world, code, action="status", status="rueckfrage").status_code == 303
    asked = act(
        clerk, world, code, action="message", **{"message-text": "Bitte senden Sie den Impfpass."}
    )
    assert asked.status_code == 303

    status = citizen.get(f"{DRESDEN}/status/{code}")
    text = main_text(status)
    assert "Bitte senden Sie den Impfpass." in text
    assert "Die Behörde wartet auf Ihre Antwort" in text
    nothing = citizen.submit(f"{DRESDEN}/status/{code}/antwort", {"reply-text": ""})
    assert nothing.status_code == 422
    assert 'href="#feld-reply-text"' in nothing.text
    wrong = citizen.submit(
        f"{DRESDEN}/status/{code}/antwort",
        {"reply-text": "Anbei"},
        files={"reply-file": ("impfpass.txt", b"kein PDF", "text/plain")},
    )
    assert wrong.status_code == 422
    assert "PDF, JPEG oder PNG" in main_text(wrong)
    answered = citizen.submit(
        f"{DRESDEN}/status/{code}/antwort",
        {"reply-text": "Anbei der Impfpass."},
        files={"reply-file": ("impfpass.pdf", PDF, "application/pdf")},
    )
    assert answered.status_code == 303
    after = main_text(citizen.get(answered.headers["location"]))
    assert "Ihre Antwort wurde an die Behörde gesendet" in after
    assert "Anbei der Impfpass." in after

    case_page = main_text(clerk.get(f"{DRESDEN}/verwaltung/vorgaenge/{case_id(world, code)}"))
    assert "Anbei der Impfpass." in case_page
    assert "impfpass.pdf" in case_page

    # The answer put the case back in progress: no clerk had to move it.
    assert "Status geändert von „Rückfrage“ zu „In Bearbeitung“ – Antragsteller/in" in case_page
    assert "Status In Bearbeitung" in case_page
    decided = act(
        clerk,
        world,
        code,
        action="decide",
        outcome="approved",
        confirmed="yes",  # after the decision's preview
        **{"decision-text": "Die Steuer beträgt 108,00 € im Jahr."},
    )
    assert decided.status_code == 303
    status = citizen.get(f"{DRESDEN}/status/{code}")
    link = re.search(r'href="([^"]+decision\.pdf)"', status.text)
    assert link is not None
    letter = pdf_text(citizen.get(link.group(1)).content)
    assert "108,00 €" in letter  # not "EUR"
    assert "Erika Mustermann" in letter
    assert "01067 Dresden" in letter
    assert "Bürgeramt" in letter  # the issuing office
    assert code in letter


def test_letters_are_laid_out_as_german_letters_without_overlapping_text(
    browser: Callable[[], Browser], dog_tax: str
) -> None:
    citizen = browser()
    code = apply(citizen, dog_tax)
    content = citizen.get(f"{DRESDEN}/api/v1/citizen/status/{code}/receipt.pdf").content
    page = PdfReader(io.BytesIO(content)).pages[0]
    lines: list[tuple[float, float, str]] = []

    def seen(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            lines.append((tm[4], tm[5], text.strip()))

    page.extract_text(visitor_text=seen)
    label = next(line for line in lines if "Nachweis der" in line[2])
    # The value of the wrapped label sits in its own column, not on top of the next row.
    below = [line for line in lines if line[1] < label[1] - 1 and abs(line[0] - label[0]) < 1]
    assert below, lines
    nearest = max(below, key=lambda line: line[1])
    assert label[1] - nearest[1] >= 9  # points: at least one line apart
    text = pdf_text(content)
    assert "Erika Mustermann" in text
    assert "Altmarkt 1" in text
    assert "Unser Zeichen" in text
    assert "Datum" in text


def test_a_defect_report_is_shown_as_one_and_its_closing_is_mailed(
    browser: Callable[[], Browser], report_categories: None, world: World
) -> None:
    citizen = browser()
    code = report(citizen, email="melder@example.org")
    body = next(text for m in mails(world) if code in (text := m.get_payload(decode=True).decode()))
    assert "Ihre Meldung" in body
    assert "Ihr Antrag" not in body
    assert "bei Landeshauptstadt" not in body

    status = main_text(citizen.get(f"{DRESDEN}/status/{code}"))
    assert "Ihre Meldung" in status
    assert "Ihr Antrag" not in status
    assert "Straßenschaden" in status
    assert "Radweg" in status
    assert "Wilsdruffer Straße 2" in status

    clerk = browser()
    clerk.login("dd.admin")
    case_page = clerk.get(f"{DRESDEN}/verwaltung/vorgaenge/{case_id(world, code)}")
    text = main_text(case_page)
    assert "Straßenschaden" in text
    assert "Wo ist der Schaden? Radweg" in text  # the category's own question
    assert "strassenschaden" not in text  # no raw category code
    assert "Wilsdruffer Straße 2" in text
    assert "51,04930" in text  # coordinates as numbers are written here
    assert f'data-layers="{DRESDEN}/maengel/meldung/{code}.geojson"' in case_page.text
    assert "zeigt.Es" not in text
    place = citizen.get(f"{DRESDEN}/maengel/meldung/{code}.geojson").json()
    assert place["features"][0]["geometry"]["coordinates"] == [13.7381, 51.0493]
    listed = main_text(citizen.get(f"{DRESDEN}/maengel"))
    assert re.search(r"offen · \d\d\.\d\d\.\d{4}", listed)

    before = {m["message-id"] for m in mails(world)}
    closed = act(clerk, world, code, action="status", status="abgeschlossen")
    assert closed.status_code == 303
    new = [m for m in mails(world) if m["message-id"] not in before]
    assert [m["to"] for m in new] == ["melder@example.org"]
    assert "abgeschlossen" in new[0].get_payload(decode=True).decode()
