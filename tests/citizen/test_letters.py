"""Letters (the receipt and the decision, DIN 5008) are addressed from what the service's form
declares: an `addressee` mapping or the fields' `autocomplete` purposes, whatever the fields are
called; a form that declares neither gets no guessed address."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from smartcity.citizen.examples import DOG_TAX_TEMPLATE
from smartcity.citizen.forms import check_definition
from smartcity.core.errors import InvalidInput
from tests.citizen.conftest import DRESDEN, adopt, define_service, staff, start
from tests.conftest import World

CASES = "/dresden/api/v1/cases"


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def text_field(de: str) -> dict[str, Any]:
    return {"label": {"de": de, "en": de}}


NESTED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["antragsteller", "wohnsitz", "kennzeichen"],
    "properties": {
        "antragsteller": {
            "type": "object",
            "required": ["vorname", "familienname"],
            "properties": {
                "vorname": {"type": "string", "maxLength": 100},
                "familienname": {"type": "string", "maxLength": 100},
            },
        },
        "wohnsitz": {
            "type": "object",
            "required": ["strasse_hausnr", "plz", "gemeinde"],
            "properties": {
                "strasse_hausnr": {"type": "string", "maxLength": 200},
                "plz": {"type": "string", "pattern": "^[0-9]{5}$"},
                "gemeinde": {"type": "string", "maxLength": 100},
            },
        },
        "kennzeichen": {"type": "string", "maxLength": 12},
    },
}
NESTED_FIELDS = {
    "antragsteller.vorname": text_field("Vorname"),
    "antragsteller.familienname": text_field("Familienname"),
    "wohnsitz.strasse_hausnr": text_field("Straße und Hausnummer"),
    "wohnsitz.plz": text_field("PLZ"),
    "wohnsitz.gemeinde": text_field("Gemeinde"),
    "kennzeichen": text_field("Kennzeichen"),
}
NESTED_DATA = {
    "antragsteller": {"vorname": "Erika", "familienname": "Mustermann"},
    "wohnsitz": {"strasse_hausnr": "Altmarkt 1", "plz": "01067", "gemeinde": "Dresden"},
    "kennzeichen": "DD-EM 123",
}
MAPPING = {
    "name": ["antragsteller.vorname", "antragsteller.familienname"],
    "street": "wohnsitz.strasse_hausnr",
    "postcode": "wohnsitz.plz",
    "city": "wohnsitz.gemeinde",
}

FLAT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["halter", "anschrift", "postleitzahl", "wohnort"],
    "properties": {
        "halter": {"type": "string", "maxLength": 200},
        "anschrift": {"type": "string", "maxLength": 200},
        "postleitzahl": {"type": "string", "pattern": "^[0-9]{5}$"},
        "wohnort": {"type": "string", "maxLength": 100},
    },
}
FLAT_DATA = {
    "halter": "Erika Mustermann",
    "anschrift": "Altmarkt 1",
    "postleitzahl": "01067",
    "wohnort": "Dresden",
}


def offer(
    region: TestClient, admin: TestClient, key: str, schema: dict[str, Any], ui: dict[str, Any]
) -> None:
    template = {**DOG_TAX_TEMPLATE, "key": key, "name": {"de": key, "en": key}}
    define_service(region, template, schema, ui)
    adopt(admin, "dresden", key, department="Straßenverkehrsamt")


def submit(citizen: TestClient, key: str, data: dict[str, Any]) -> str:
    start(citizen, key)
    saved = citizen.put(f"{DRESDEN}/drafts/current", json={"data": data})
    assert saved.status_code == 200, saved.text
    sent = citizen.post(f"{DRESDEN}/drafts/current/submit", json={})
    assert sent.status_code == 201, sent.text
    code: str = sent.json()["tracking_code"]
    return code


def receipt(citizen: TestClient, code: str) -> str:
    answer = citizen.get(f"{DRESDEN}/status/{code}/receipt.pdf")
    assert answer.status_code == 200
    return pdf_text(answer.content)


@pytest.fixture
def services(region_admin: TestClient, new_client: Callable[[], TestClient]) -> None:
    admin = staff(new_client, "dd.admin")
    offer(
        region_admin,
        admin,
        "bewohnerparken",
        NESTED_SCHEMA,
        {"fields": NESTED_FIELDS, "addressee": MAPPING},
    )
    purposes = {"halter": "name", "anschrift": "street-address"}
    purposes |= {"postleitzahl": "postal-code", "wohnort": "address-level2"}
    offer(
        region_admin,
        admin,
        "sondernutzung",
        FLAT_SCHEMA,
        {
            "fields": {
                name: {**text_field(name.title()), "autocomplete": purpose}
                for name, purpose in purposes.items()
            }
        },
    )
    offer(
        region_admin,
        admin,
        "ohne-anschrift",
        {
            "type": "object",
            "properties": {"name": {"type": "string"}, "street": {"type": "string"}},
        },
        {"fields": {"name": text_field("Name"), "street": text_field("Straße")}},
    )


def test_the_receipt_is_addressed_through_the_form_s_declared_mapping(
    services: None, citizen: TestClient
) -> None:
    letter = receipt(citizen, submit(citizen, "bewohnerparken", NESTED_DATA))
    assert "Erika Mustermann" in letter
    assert "Altmarkt 1" in letter
    assert "01067 Dresden" in letter


def test_the_fields_input_purposes_address_the_receipt_and_the_decision(
    services: None, citizen: TestClient, new_client: Callable[[], TestClient], world: World
) -> None:
    code = submit(citizen, "sondernutzung", FLAT_DATA)
    assert "01067 Dresden" in receipt(citizen, code)

    clerk = staff(new_client, "dd.admin")
    found = [c for c in clerk.get(CASES).json()["cases"] if c["tracking_code"] == code]
    case_id = found[0]["id"]

    def version() -> str:
        etag: str = clerk.get(f"{CASES}/{case_id}").headers["ETag"]
        return etag

    moved = clerk.post(
        f"{CASES}/{case_id}/status",
        json={"status": "in_bearbeitung"},
        headers={"If-Match": version()},
    )
    assert moved.status_code == 200, moved.text
    decided = clerk.post(
        f"{CASES}/{case_id}/decision",
        json={"outcome": "approved", "text": "Die Sondernutzung wird erlaubt."},
        headers={"If-Match": version()},
    )
    assert decided.status_code == 200, decided.text
    decision = pdf_text(citizen.get(f"{DRESDEN}/status/{code}/decision.pdf").content)
    assert "Erika Mustermann" in decision
    assert "Altmarkt 1" in decision
    assert "01067 Dresden" in decision


def test_a_form_that_declares_no_addressee_gets_no_guessed_address(
    services: None, citizen: TestClient
) -> None:
    letter = receipt(citizen, submit(citizen, "ohne-anschrift", {"name": "Max", "street": "Weg 2"}))
    # The answers are listed, but no address field is made up from the field names.
    head = letter.split("Eingangsbestätigung")[0]
    assert "Max" not in head
    assert "Weg 2" not in head


@pytest.mark.parametrize(
    ("addressee", "problem"),
    [
        ({"street": "wohnsitz.plz"}, "at least"),
        ({**MAPPING, "name": "antragsteller.rufname"}, "antragsteller.rufname"),
        ({**MAPPING, "land": "wohnsitz.gemeinde"}, "unknown line 'land'"),
        ({**MAPPING, "city": []}, "a field path or a list"),
    ],
)
def test_an_addressee_mapping_that_names_no_fields_of_the_form_is_refused(
    addressee: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_definition(NESTED_SCHEMA, {"fields": NESTED_FIELDS, "addressee": addressee})
    assert problem in refused.value.detail
