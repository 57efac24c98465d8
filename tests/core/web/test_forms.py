"""A page's form goes on to the next page when the change is made, and shows the form again
with the messages by field when it is not — in the reader's language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.responses import HTMLResponse, Response

from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.web import i18n
from smartcity.core.web.forms import field_errors, submit


class Frozen(Conflict):
    """A refusal the service audits (answered on the form, not raised)."""


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # The messages are shown in the reader's language; these tests read the English originals.
    token = i18n.current_language.set("en")
    yield
    i18n.current_language.reset(token)


def _form(errors: dict[str, str], status: int) -> Response:
    return HTMLResponse(" | ".join(f"{k}={v}" for k, v in sorted(errors.items())), status)


def _raises(error: Exception) -> str:
    raise error


def test_a_made_change_goes_on_to_the_page_it_names() -> None:
    answer = submit(lambda: "/dresden/beteiligung/radweg", _form)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dresden/beteiligung/radweg"


def test_invalid_input_shows_the_form_again_with_the_messages_by_field() -> None:
    invalid = InvalidInput("form", errors={"title": "Please enter a title.", "text": ""})
    answer = submit(lambda: _raises(invalid), _form)
    assert answer.status_code == 422
    assert answer.body == b"title=Please enter a title."
    # A message that names no field goes to the form's summary.
    assert field_errors(InvalidInput("Please choose what to do.")) == {
        "_": "Please choose what to do."
    }


def test_an_answered_refusal_is_shown_on_the_form_with_its_status() -> None:
    answer = submit(
        lambda: _raises(Frozen("Voting has started.")), _form, answered={Frozen: "rule"}
    )
    assert answer.status_code == 409
    assert answer.body == b"rule=Voting has started."


def test_any_other_service_error_becomes_the_error_page() -> None:
    with pytest.raises(NotFound, match=r"^There is no such proposal\.$"):
        submit(lambda: _raises(NotFound("There is no such proposal.")), _form)
    with pytest.raises(Conflict):  # a conflict the handler did not name is not answered
        submit(lambda: _raises(Conflict("Taken.")), _form, answered={Frozen: "rule"})
