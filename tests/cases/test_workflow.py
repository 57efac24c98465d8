"""A service's own workflow says whether the applicant's answer moves a waiting case on."""

from __future__ import annotations

import pytest

from smartcity.cases.workflow import DEFAULT_WORKFLOW, Workflow, check_workflow
from smartcity.core.errors import InvalidInput

STATUSES = {
    "neu": {"de": "Neu"},
    "pruefung": {"de": "In Prüfung"},
    "nachforderung": {"de": "Unterlagen nachgefordert"},
    "entschieden": {"de": "Entschieden"},
    "erledigt": {"de": "Erledigt"},
}
TRANSITIONS = {
    "neu": ["pruefung"],
    "pruefung": ["nachforderung", "entschieden", "erledigt"],
    "nachforderung": ["pruefung", "erledigt"],
    "entschieden": ["erledigt"],
    "erledigt": [],
}
OWN = {
    "initial": "neu",
    "decided": "entschieden",
    "closed": "erledigt",
    "statuses": STATUSES,
    "transitions": TRANSITIONS,
}


def test_the_default_workflow_takes_an_answered_query_back_in_progress() -> None:
    workflow = Workflow.of(None)
    assert workflow.after_reply("rueckfrage") == "in_bearbeitung"
    assert workflow.after_reply("in_bearbeitung") is None
    assert workflow.after_reply("abgeschlossen") is None
    stored_before = {k: v for k, v in DEFAULT_WORKFLOW.items() if k not in ("query", "answered")}
    assert Workflow.of(stored_before).after_reply("rueckfrage") == "in_bearbeitung"


def test_a_service_names_its_own_query_state_or_none() -> None:
    named = check_workflow({**OWN, "query": "nachforderung", "answered": "pruefung"})
    assert Workflow.of(named).after_reply("nachforderung") == "pruefung"
    assert Workflow.of(check_workflow(OWN)).after_reply("nachforderung") is None


@pytest.mark.parametrize(
    "extra",
    [
        {"query": "nachforderung"},
        {"query": "nachforderung", "answered": "unbekannt"},
        {"query": "neu", "answered": "erledigt"},  # no such step
    ],
)
def test_a_query_state_that_cannot_be_followed_is_refused(extra: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        check_workflow({**OWN, **extra})
