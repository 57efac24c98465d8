"""Field messages a citizen understands, in German and English, for each kind of problem."""

from __future__ import annotations

from typing import Any

import pytest

from smartcity.citizen.forms import FormDefinition, check_definition, field_errors
from smartcity.core.errors import InvalidInput

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["email", "persons"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "persons": {"type": "integer", "minimum": 1, "maximum": 20},
        "moved_on": {"type": "string", "format": "date"},
        "kind": {"enum": ["haus", "wohnung"]},
        "phone": {"type": "string"},
        "address": {
            "type": "object",
            "required": ["street"],
            "properties": {"street": {"type": "string", "maxLength": 5}},
        },
    },
    "dependentRequired": {"phone": ["email"]},
}
UI: dict[str, Any] = {
    "fields": {
        "email": {"label": {"de": "E-Mail-Adresse", "en": "E-mail address"}},
        "persons": {"label": {"de": "Personen im Haushalt", "en": "People in the household"}},
        "moved_on": {"label": {"de": "Einzugsdatum"}},
        "kind": {"label": {"de": "Wohnform"}, "widget": "select"},
        "address.street": {"label": {"de": "Straße", "en": "Street"}},
    }
}
FORM = FormDefinition(SCHEMA, UI)


@pytest.mark.parametrize(
    ("data", "field", "german"),
    [
        ({"persons": 2}, "email", "Bitte geben Sie „E-Mail-Adresse“ an."),
        (
            {"email": "keine", "persons": 2},
            "email",
            "Bitte geben Sie bei „E-Mail-Adresse“ eine gültige E-Mail-Adresse an.",
        ),
        (
            {"email": "a@b.de", "persons": 0},
            "persons",
            "„Personen im Haushalt“ muss mindestens 1 sein.",
        ),
        (
            {"email": "a@b.de", "persons": 21},
            "persons",
            "„Personen im Haushalt“ darf höchstens 20 sein.",
        ),
        (
            {"email": "a@b.de", "persons": "zwei"},
            "persons",
            "„Personen im Haushalt“ hat nicht die erwartete Form (ganze Zahl).",
        ),
        (
            {"email": "a@b.de", "persons": 1, "moved_on": "31.02.2026"},
            "moved_on",
            "Bitte geben Sie bei „Einzugsdatum“ ein gültiges Datum an, z. B. 24.12.2026.",
        ),
        (
            {"email": "a@b.de", "persons": 1, "kind": "zelt"},
            "kind",
            "Bitte wählen Sie für „Wohnform“ einen der angebotenen Werte.",
        ),
        (
            {"email": "a@b.de", "persons": 1, "address": {}},
            "address.street",
            "Bitte geben Sie „Straße“ an.",
        ),
        (
            {"email": "a@b.de", "persons": 1, "address": {"street": "Hauptstraße"}},
            "address.street",
            "„Straße“ darf höchstens 5 Zeichen lang sein.",
        ),
    ],
)
def test_each_problem_has_a_german_message(data: dict[str, Any], field: str, german: str) -> None:
    assert field_errors(FORM, data)[field] == german


def test_english_messages_and_conditional_requirements() -> None:
    errors = field_errors(FORM, {"phone": "0351 123", "persons": 1}, "en")
    assert errors == {"email": "Please fill in “E-mail address”."}
    assert field_errors(FORM, {"email": "a@b.de", "persons": 1}) == {}


def test_only_the_fields_of_a_step_are_checked() -> None:
    assert field_errors(FORM, {}, only=["persons"]) == {
        "persons": "Bitte geben Sie „Personen im Haushalt“ an."
    }


def test_definitions_are_checked_before_publishing() -> None:
    with pytest.raises(InvalidInput, match='type": "object"'):
        check_definition({"type": "string"}, {})
    with pytest.raises(InvalidInput, match="does not have"):
        check_definition(SCHEMA, {"fields": {"mobile": {"label": {"de": "Handy"}}}})
    with pytest.raises(InvalidInput, match="unknown widget"):
        check_definition(
            SCHEMA, {"fields": {"email": {"label": {"de": "E-Mail"}, "widget": "slider"}}}
        )
    assert check_definition(SCHEMA, UI).label("address.street", "en") == "Street"
