"""The shape of a page's form handler (POST, then redirect, then GET): make the change and go
on to the page that shows it (303), or show the form again with the errors beside their fields.

The form's CSRF token is checked before the handler runs (`FormDep`); the handler reads its
fields and hands two functions to `submit`:

    def change() -> str:            # the service call(s); returns where to go next
        proposal = services.submit_proposal(db, ...)
        return f"{base}/vorschlaege/{proposal.id}"

    return submit(change, lambda errors, status: form_page(values, errors, status))

Invalid input (`InvalidInput`) shows the form again with 422 and the messages by field, in the
reader's language. A refusal the service records in the audit log (a `Conflict` such as "voting
has started") is named in `answered` with the field it belongs to: it is shown on the form with
its own status instead of raised, so that the request's transaction, and with it the audit
entry, is committed. Any other service error becomes the error page, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from smartcity.core.errors import InvalidInput, ServiceError
from smartcity.core.web.i18n import gettext_

# Where a message that names no field is shown (the form's error summary).
GENERAL = "_"
# The hint for a field without one of its own, unless the hints name one under OTHER.
CHECK = "Please check this entry."
OTHER = "*"
M = TypeVar("M", bound=BaseModel)


def parse(
    model: type[M],
    data: Mapping[str, Any],
    hints: Mapping[str, str],
    fields: Mapping[str, str] | None = None,
) -> tuple[M | None, dict[str, str]]:
    """The form's values as `model`, or what is wrong with which form field: the field's hint
    from `hints` (English message ids of the module's catalogue; `hints[OTHER]` for a field
    without one) in the reader's language, one per field. `fields` names the form field of a
    model field where the two differ."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            where = [str(part) for part in error["loc"] if not isinstance(part, int)]
            name = where[-1] if where else "form"
            hint = hints.get(name) or hints.get(OTHER, CHECK)
            errors.setdefault((fields or {}).get(name, name), gettext_(hint))
        return None, errors


def field_errors(exc: InvalidInput, fallback: str = GENERAL) -> dict[str, str]:
    """The service's messages by field, in the reader's language; its general message under
    `fallback` when it names no field."""
    found = {field: gettext_(message) for field, message in exc.errors.items() if message}
    return found or {fallback: gettext_(exc.detail)}


def in_language(exc: ServiceError) -> ServiceError:
    """The same error with its message in the reader's language (for the error page)."""
    try:
        return type(exc)(gettext_(exc.detail), errors=exc.errors)
    except TypeError:  # an error type with a constructor of its own keeps its message
        return exc


def submit(
    change: Callable[[], str],
    again: Callable[[dict[str, str], int], Response],
    *,
    answered: Mapping[type[ServiceError], str] | None = None,
) -> Response:
    """Run `change` and redirect to the address it returns (303); on invalid input, or a
    refusal named in `answered` (error type → field), `again(errors, status)` shows the form."""
    try:
        target = change()
    except InvalidInput as exc:
        return again(field_errors(exc), 422)
    except ServiceError as exc:
        field = next((f for kind, f in (answered or {}).items() if isinstance(exc, kind)), None)
        if field is None:
            raise in_language(exc) from None
        return again({field: gettext_(exc.detail)}, exc.status)
    return RedirectResponse(target, status_code=303)
