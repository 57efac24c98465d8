"""A complete example service (dog tax registration) for the demo and the tests: three steps,
a conditional field and uploads."""

from __future__ import annotations

from typing import Any

DOG_TAX_TEMPLATE: dict[str, Any] = {
    "key": "hundesteuer-anmeldung",
    "name": {"de": "Hund zur Hundesteuer anmelden", "en": "Register a dog for dog tax"},
    "description": {
        "de": "Wer einen Hund hält, meldet ihn innerhalb von zwei Wochen an. Sie erhalten "
        "einen Bescheid über die Hundesteuer und die Steuermarke.",
        "en": "Dog owners register their dog within two weeks and receive a tax assessment "
        "and the dog tag.",
    },
    "default_department": "Steueramt",
    "default_fee_cents": 0,
    "default_processing_days": 14,
    "allows_anonymous": True,
    "retention_days": 3650,
    "retention_action": "anonymise",
    "documents": {
        "de": [
            "Nachweis der Haftpflichtversicherung für den Hund (PDF oder Foto)",
            "bei einem Listenhund: die Erlaubnis zur Haltung",
            "Name, Rasse und das Datum, seit dem der Hund in Ihrem Haushalt lebt",
        ],
        "en": [
            "Proof of the dog's liability insurance (PDF or photo)",
            "for a listed breed: the keeping permit",
            "The dog's name, breed and the date since when it lives in your household",
        ],
    },
    "legal_basis": {
        "de": "Hundesteuersatzung der Gemeinde; § 3 Sächsisches Kommunalabgabengesetz",
        "en": "The municipality's dog tax bylaw (Hundesteuersatzung); section 3 of the Saxon "
        "Municipal Charges Act",
    },
}

DOG_TAX_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "street", "postcode", "city", "dog_name", "breed", "since", "insurance"],
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 200},
        "street": {"type": "string", "minLength": 3, "maxLength": 200},
        "postcode": {"type": "string", "pattern": "^[0-9]{5}$"},
        "city": {"type": "string", "minLength": 2, "maxLength": 100},
        "dog_name": {"type": "string", "minLength": 1, "maxLength": 100},
        "breed": {"type": "string", "minLength": 2, "maxLength": 100},
        "since": {"type": "string", "format": "date"},
        "listed_breed": {"type": "boolean"},
        "certificate": {"type": "string"},
        "insurance": {"type": "string"},
    },
    "if": {"properties": {"listed_breed": {"const": True}}, "required": ["listed_breed"]},
    "then": {"required": ["certificate"]},
}

DOG_TAX_UI: dict[str, Any] = {
    "steps": [
        {
            "title": {"de": "Halterin oder Halter", "en": "Owner"},
            "fields": ["name", "street", "postcode", "city"],
        },
        {
            "title": {"de": "Ihr Hund", "en": "Your dog"},
            "fields": ["dog_name", "breed", "since", "listed_breed", "certificate"],
        },
        {"title": {"de": "Nachweise", "en": "Documents"}, "fields": ["insurance"]},
    ],
    "fields": {
        "name": {
            "label": {"de": "Vor- und Nachname", "en": "Full name"},
            "widget": "text",
            "autocomplete": "name",
        },
        "street": {
            "label": {"de": "Straße und Hausnummer", "en": "Street and number"},
            "autocomplete": "street-address",
        },
        "postcode": {
            "label": {"de": "Postleitzahl", "en": "Postcode"},
            "autocomplete": "postal-code",
            "patternMessage": {
                "de": "Die Postleitzahl hat fünf Ziffern.",
                "en": "A German postcode has five digits.",
            },
        },
        "city": {"label": {"de": "Ort", "en": "Town"}, "autocomplete": "address-level2"},
        "dog_name": {"label": {"de": "Name des Hundes", "en": "Dog's name"}},
        "breed": {"label": {"de": "Rasse", "en": "Breed"}},
        "since": {
            "label": {"de": "Im Haushalt seit", "en": "In the household since"},
            "widget": "date",
        },
        "listed_breed": {
            "label": {"de": "Listenhund", "en": "Listed breed"},
            "help": {
                "de": "Gehört Ihr Hund zu einer Rasse, für die eine Erlaubnis nötig ist?",
                "en": "Does your dog belong to a breed that needs a permit?",
            },
            "widget": "checkbox",
        },
        "certificate": {
            "label": {"de": "Erlaubnis zur Haltung", "en": "Keeping permit"},
            "widget": "file",
            "accept": ["application/pdf"],
        },
        "insurance": {
            "label": {"de": "Nachweis der Haftpflichtversicherung", "en": "Proof of insurance"},
            "widget": "file",
        },
    },
}
