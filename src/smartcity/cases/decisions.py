"""The decision (Bescheid): its text from the service's template, signed like the receipt.

Templates are Jinja2, rendered in a sandbox (a template is configuration a region admin
writes, not code we trust). They see: `municipality`, `service`, `tracking_code`,
`submitted_on`, `decided_on`, `outcome` (the sentence for the outcome), `reasons` (the
clerk's text) and `data` (the application's answers by field)."""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from smartcity.core.errors import InvalidInput

OUTCOMES = {
    "approved": {
        "de": "Ihrem Antrag wird stattgegeben.",
        "en": "Your application is granted.",
    },
    "partially_approved": {
        "de": "Ihrem Antrag wird teilweise stattgegeben.",
        "en": "Your application is partly granted.",
    },
    "rejected": {
        "de": "Ihr Antrag wird abgelehnt.",
        "en": "Your application is refused.",
    },
}

DEFAULT_TEMPLATE = {
    "de": (
        "Bescheid\n\n"
        "über Ihren Antrag „{{ service }}“ vom {{ submitted_on }} "
        "(Vorgangsnummer {{ tracking_code }}).\n\n"
        "{{ outcome }}\n\n"
        "Begründung:\n{{ reasons }}\n\n"
        "Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats nach "
        "Bekanntgabe Widerspruch erhoben werden, schriftlich oder zur Niederschrift bei der "
        "Behörde, die diesen Bescheid erlassen hat.\n\n"
        "{{ municipality }}, {{ decided_on }}"
    ),
    "en": (
        "Decision\n\n"
        "on your application “{{ service }}” of {{ submitted_on }} "
        "(tracking code {{ tracking_code }}).\n\n"
        "{{ outcome }}\n\n"
        "Reasons:\n{{ reasons }}\n\n"
        "You may object to this decision at {{ municipality }} within one month of its "
        "notification.\n\n"
        "{{ municipality }}, {{ decided_on }}"
    ),
}

_environment = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


def check_template(template: dict[str, str]) -> dict[str, str]:
    for language, text in template.items():
        try:
            _environment.from_string(text)
        except TemplateError as exc:
            raise InvalidInput(f"The {language} decision template is not valid: {exc}") from None
    return template


def render(template: dict[str, str] | None, language: str, values: dict[str, Any]) -> str:
    chosen = template or DEFAULT_TEMPLATE
    text = chosen.get(language) or chosen.get("de") or DEFAULT_TEMPLATE["de"]
    try:
        return _environment.from_string(text).render(**values)
    except TemplateError as exc:
        raise InvalidInput(f"The decision template could not be filled in: {exc}") from None
