"""Form definitions: JSON Schema 2020-12 for what is valid, presentation hints for how it is
asked (steps, order, widgets, labels and help in German and English).

Validation errors are turned into one message per field, in the citizen's language, naming
the field by its label ("Bitte geben Sie „E-Mail-Adresse“ an.") instead of JSON Schema's
wording. Conditional fields are plain JSON Schema (`if`/`then`, `dependentRequired`).

Presentation hints (`ui`):

    {"steps": [{"title": {"de": "Person", "en": "Person"}, "fields": ["name", "email"]}, …],
     "fields": {"name": {"label": {"de": "Name", "en": "Name"}, "help": {…},
                         "widget": "text", "patternMessage": {…}, "accept": ["application/pdf"],
                         "autocomplete": "name"}}}

`autocomplete` names what a field asks about the applicant with a token of the HTML standard
(WCAG 2.1 SC 1.3.5, "Identify Input Purpose"): browsers fill it in and assistive technology
can announce it.

Letters (receipt, decision) are addressed from what the form declares, never from guessed field
names: `ui.addressee` maps the lines of the address field to field paths,

    "addressee": {"name": ["first", "last"], "street": "anschrift.strasse",
                  "postcode": "anschrift.plz", "city": "anschrift.ort"}

(`name` is required in it; a list is joined with spaces), and without it the fields whose
`autocomplete` purpose says so are taken: `name` (or `given-name` and `family-name`),
`street-address` (or `address-line1` and `address-line2`), `postal-code`, `address-level2`.
A form that declares neither gets letters without an address field.

Nested objects are addressed with dots (`address.street`). A field with the widget `file`
holds the id of an upload (a string), or a list of them (type array).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import SchemaError

from smartcity.core.errors import InvalidInput
from smartcity.core.uploads.services import DEFAULT_TYPES

# The input purposes of WCAG 2.1 (section 7, from the HTML autofill field names) a citizen's
# form may ask for.
INPUT_PURPOSES = frozenset(
    {
        "name", "honorific-prefix", "given-name", "additional-name", "family-name",
        "honorific-suffix", "nickname", "organization-title", "username", "new-password",
        "current-password", "organization", "street-address", "address-line1",
        "address-line2", "address-line3", "address-level4", "address-level3",
        "address-level2", "address-level1", "country", "country-name", "postal-code",
        "cc-name", "cc-given-name", "cc-additional-name", "cc-family-name", "cc-number",
        "cc-exp", "cc-exp-month", "cc-exp-year", "cc-csc", "cc-type",
        "transaction-currency", "transaction-amount", "language", "bday", "bday-day",
        "bday-month", "bday-year", "sex", "url", "photo", "tel", "tel-country-code",
        "tel-national", "tel-area-code", "tel-local", "tel-local-prefix",
        "tel-local-suffix", "tel-extension", "email", "impp",
    }
)  # fmt: skip

WIDGETS = frozenset(
    {"text", "textarea", "email", "tel", "number", "date", "select", "radio", "checkbox", "file"}
)
LANGUAGES = ("de", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "required": {
        "de": "Bitte geben Sie „{label}“ an.",
        "en": "Please fill in “{label}”.",
    },
    "type": {
        "de": "„{label}“ hat nicht die erwartete Form ({expected}).",
        "en": "“{label}” is not of the expected kind ({expected}).",
    },
    "minLength": {
        "de": "„{label}“ muss mindestens {limit} Zeichen lang sein.",
        "en": "“{label}” must be at least {limit} characters long.",
    },
    "maxLength": {
        "de": "„{label}“ darf höchstens {limit} Zeichen lang sein.",
        "en": "“{label}” may be at most {limit} characters long.",
    },
    "minimum": {
        "de": "„{label}“ muss mindestens {limit} sein.",
        "en": "“{label}” must be at least {limit}.",
    },
    "exclusiveMinimum": {
        "de": "„{label}“ muss größer als {limit} sein.",
        "en": "“{label}” must be greater than {limit}.",
    },
    "maximum": {
        "de": "„{label}“ darf höchstens {limit} sein.",
        "en": "“{label}” may be at most {limit}.",
    },
    "exclusiveMaximum": {
        "de": "„{label}“ muss kleiner als {limit} sein.",
        "en": "“{label}” must be less than {limit}.",
    },
    "pattern": {
        "de": "„{label}“ hat nicht das erwartete Format.",
        "en": "“{label}” is not in the expected format.",
    },
    "enum": {
        "de": "Bitte wählen Sie für „{label}“ einen der angebotenen Werte.",
        "en": "Please choose one of the offered values for “{label}”.",
    },
    "minItems": {
        "de": "Bitte geben Sie bei „{label}“ mindestens {limit} an.",
        "en": "Please give at least {limit} for “{label}”.",
    },
    "maxItems": {
        "de": "Bei „{label}“ sind höchstens {limit} möglich.",
        "en": "At most {limit} are possible for “{label}”.",
    },
    "additionalProperties": {
        "de": "„{label}“ gehört nicht zu diesem Formular.",
        "en": "“{label}” is not part of this form.",
    },
    "format:email": {
        "de": "Bitte geben Sie bei „{label}“ eine gültige E-Mail-Adresse an.",
        "en": "Please enter a valid e-mail address for “{label}”.",
    },
    "format:date": {
        "de": "Bitte geben Sie bei „{label}“ ein gültiges Datum an, z. B. 24.12.2026.",
        "en": "Please enter a valid date for “{label}”, e.g. 24.12.2026.",
    },
    "other": {
        "de": "Die Angabe bei „{label}“ ist nicht gültig.",
        "en": "The entry for “{label}” is not valid.",
    },
}
# The lines of a letter's address field (DIN 5008), each filled from the declared fields.
ADDRESS_LINES = ("name", "street", "postcode", "city")
KINDS = {
    "string": {"de": "Text", "en": "text"},
    "number": {"de": "Zahl", "en": "number"},
    "integer": {"de": "ganze Zahl", "en": "whole number"},
    "boolean": {"de": "Ja oder Nein", "en": "yes or no"},
    "array": {"de": "Liste", "en": "list"},
    "object": {"de": "Gruppe von Angaben", "en": "group of entries"},
}


@dataclass(frozen=True)
class FormDefinition:
    schema: dict[str, Any]
    ui: dict[str, Any]

    def label(self, path: str, language: str) -> str:
        hints = self.ui.get("fields", {}).get(path, {})
        label = hints.get("label", {})
        if isinstance(label, dict) and (label.get(language) or label.get("de")):
            return str(label.get(language) or label["de"])
        node = self.schema_at(path)
        return str(node.get("title", path)) if node else path

    def file_fields(self) -> list[str]:
        return [
            path
            for path, hints in self.ui.get("fields", {}).items()
            if hints.get("widget") == "file"
        ]

    def accepted_types(self, path: str) -> frozenset[str]:
        accept = self.ui.get("fields", {}).get(path, {}).get("accept")
        return frozenset(accept) if accept else DEFAULT_TYPES

    def steps(self) -> list[list[str]]:
        return [list(step.get("fields", [])) for step in self.ui.get("steps", [])]

    def schema_at(self, path: str) -> dict[str, Any] | None:
        node: Any = self.schema
        for part in path.split("."):
            node = node.get("properties", {}).get(part) if isinstance(node, dict) else None
            if node is None:
                return None
        return node if isinstance(node, dict) else None

    def _purpose_paths(self, purpose: str) -> list[str]:
        return [
            path
            for path, hints in self.ui.get("fields", {}).items()
            if isinstance(hints, dict) and hints.get("autocomplete") == purpose
        ][:1]

    def addressee_paths(self) -> dict[str, list[str]]:
        """The field paths of each line of a letter's address field (`name`, `street`,
        `postcode`, `city`), as the form declares them; empty if it declares no name."""
        declared = self.ui.get("addressee")
        if isinstance(declared, dict):
            return {
                line: [paths] if isinstance(paths, str) else list(paths)
                for line, paths in declared.items()
                if line in ADDRESS_LINES
            }
        found = {
            "name": self._purpose_paths("name")
            or self._purpose_paths("given-name") + self._purpose_paths("family-name"),
            "street": self._purpose_paths("street-address")
            or self._purpose_paths("address-line1") + self._purpose_paths("address-line2"),
            "postcode": self._purpose_paths("postal-code"),
            "city": self._purpose_paths("address-level2"),
        }
        return {line: paths for line, paths in found.items() if paths} if found["name"] else {}

    def addressee(self, data: dict[str, Any]) -> list[str]:
        """The lines of a letter's address field from the applicant's answers: name, street,
        postcode and town; none without a name."""

        def text(paths: list[str]) -> str:
            parts = []
            for path in paths:
                node: Any = data
                for part in path.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                if isinstance(node, str) and node.strip():
                    parts.append(" ".join(node.split()))
            return " ".join(parts)

        paths = self.addressee_paths()
        name = text(paths.get("name", []))
        if not name:
            return []
        place = " ".join(
            p for p in (text(paths.get("postcode", [])), text(paths.get("city", []))) if p
        )
        return [line for line in (name, text(paths.get("street", [])), place) if line]

    def property_paths(self) -> list[str]:
        paths: list[str] = []

        def walk(node: dict[str, Any], prefix: str) -> None:
            for name, child in node.get("properties", {}).items():
                path = f"{prefix}{name}"
                if isinstance(child, dict) and child.get("type") == "object":
                    walk(child, path + ".")
                else:
                    paths.append(path)

        walk(self.schema, "")
        return paths


def check_definition(schema: Any, ui: Any) -> FormDefinition:
    """A form definition that can be published, or InvalidInput saying what is wrong."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise InvalidInput('The form schema must be a JSON Schema of "type": "object".')
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        raise InvalidInput(
            f"The form schema is not valid JSON Schema 2020-12 at {where}: {exc.message}"
        ) from None
    if not isinstance(ui, dict):
        raise InvalidInput("The presentation hints must be a JSON object.")
    form = FormDefinition(schema, ui)
    known = set(form.property_paths())
    problems: list[str] = []
    fields = ui.get("fields", {})
    if not isinstance(fields, dict):
        problems.append('"fields" must be an object keyed by field path.')
        fields = {}
    for path, hints in fields.items():
        if path not in known:
            problems.append(f'"fields" describes {path!r}, which the schema does not have.')
            continue
        if not isinstance(hints, dict):
            problems.append(f"The hints for {path!r} must be an object.")
            continue
        label = hints.get("label")
        if not isinstance(label, dict) or not isinstance(label.get("de"), str):
            problems.append(f'{path!r} needs a German label ("label": {{"de": …}}).')
        widget = hints.get("widget", "text")
        if widget not in WIDGETS:
            problems.append(f"{path!r} has the unknown widget {widget!r}.")
        purpose = hints.get("autocomplete")
        if purpose is not None and purpose not in INPUT_PURPOSES:
            problems.append(f"{path!r} has the unknown autocomplete token {purpose!r}.")
        accept = hints.get("accept")
        if accept is not None and not (set(accept) <= DEFAULT_TYPES):
            problems.append(
                f"{path!r} accepts types we cannot check: {sorted(set(accept) - DEFAULT_TYPES)}."
            )
    steps = ui.get("steps", [])
    if not isinstance(steps, list):
        problems.append('"steps" must be a list.')
        steps = []
    placed: list[str] = []
    for index, step in enumerate(steps, start=1):
        title = step.get("title") if isinstance(step, dict) else None
        if not isinstance(title, dict) or not isinstance(title.get("de"), str):
            problems.append(f"Step {index} needs a German title.")
        for path in step.get("fields", []) if isinstance(step, dict) else []:
            if path not in known:
                problems.append(f"Step {index} lists {path!r}, which the schema does not have.")
            placed.append(path)
    problems += _addressee_problems(ui.get("addressee"), known)
    if steps:
        missing = sorted(known - set(placed))
        twice = sorted({p for p in placed if placed.count(p) > 1})
        if missing:
            problems.append(f"Fields in no step: {', '.join(missing)}.")
        if twice:
            problems.append(f"Fields in more than one step: {', '.join(twice)}.")
    if problems:
        raise InvalidInput("The form definition has problems: " + " ".join(problems))
    return form


def _addressee_problems(declared: Any, known: set[str]) -> list[str]:
    if declared is None:
        return []
    if not isinstance(declared, dict) or "name" not in declared:
        return ['"addressee" must be an object that names at least the field(s) of "name".']
    problems = []
    for line, paths in declared.items():
        if line not in ADDRESS_LINES:
            problems.append(
                f'"addressee" has the unknown line {line!r} (possible: {", ".join(ADDRESS_LINES)}).'
            )
            continue
        listed = [paths] if isinstance(paths, str) else paths
        if (
            not isinstance(listed, list)
            or not listed
            or not all(isinstance(p, str) for p in listed)
        ):
            problems.append(f'"addressee.{line}" must be a field path or a list of them.')
            continue
        unknown = [p for p in listed if p not in known]
        if unknown:
            problems.append(f'"addressee.{line}" names fields the schema does not have: {unknown}.')
    return problems


def field_errors(
    form: FormDefinition, data: Any, language: str = "de", only: Iterable[str] | None = None
) -> dict[str, str]:
    """One message per field (the first problem found), keyed by field path; `only`
    restricts them to some fields (a step's)."""
    validator = Draft202012Validator(
        form.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    wanted = set(only) if only is not None else None
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.relative_path)):
        for path, message in _describe(form, error, language):
            if wanted is not None and path not in wanted:
                continue
            errors.setdefault(path, message)
    return errors


# Compiled validators by schema text: building one for every submission cost more than
# validating. Published schemas never change, so the cache never goes stale.
_validators: dict[str, Draft202012Validator] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    text = json.dumps(schema, sort_keys=True)
    found = _validators.get(text)
    if found is None:
        if len(_validators) > 1000:
            _validators.clear()
        found = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        _validators[text] = found
    return found


def _describe(form: FormDefinition, error: ValidationError, language: str) -> list[tuple[str, str]]:
    base = ".".join(str(part) for part in error.absolute_path if not isinstance(part, int))
    keyword = str(error.validator)
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if keyword == "required":
        present = instance if isinstance(instance, dict) else {}
        missing = [name for name in expected if name not in present]
        return [
            (_join(base, name), _text(form, "required", _join(base, name), language))
            for name in missing
        ]
    if keyword == "dependentRequired":
        present = instance if isinstance(instance, dict) else {}
        missing = [name for names in expected.values() for name in names if name not in present]
        return [
            (_join(base, name), _text(form, "required", _join(base, name), language))
            for name in missing
        ]
    if keyword == "additionalProperties":
        extra = [name for name in (instance or {}) if name not in schema.get("properties", {})]
        return [
            (_join(base, name), _text(form, "additionalProperties", _join(base, name), language))
            for name in extra
        ]
    if keyword == "format":
        key = f"format:{expected}"
        return [(base, _text(form, key if key in MESSAGES else "other", base, language))]
    if keyword == "pattern":
        custom = form.ui.get("fields", {}).get(base, {}).get("patternMessage", {})
        if isinstance(custom, dict) and (custom.get(language) or custom.get("de")):
            return [(base, str(custom.get(language) or custom["de"]))]
    if keyword == "type":
        kind = expected[0] if isinstance(expected, list) else expected
        words = KINDS.get(str(kind), {}).get(language, str(kind))
        return [(base, _text(form, "type", base, language, expected=words))]
    if keyword == "const":
        keyword = "enum"
    if keyword in MESSAGES:
        return [(base, _text(form, keyword, base, language, limit=_number(expected)))]
    return [(base, _text(form, "other", base, language))]


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(form: FormDefinition, key: str, path: str, language: str, **values: str) -> str:
    language = language if language in LANGUAGES else "de"
    label = form.label(path, language) if path else ("Formular" if language == "de" else "form")
    return MESSAGES[key][language].format(label=label, **values)
