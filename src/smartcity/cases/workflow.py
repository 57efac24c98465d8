"""A service's status workflow: which statuses a case goes through and which steps are
allowed. Services may define their own; this is the default:

    eingegangen → in Bearbeitung ⇄ Rückfrage → entschieden → abgeschlossen

The `decided` status is reached only by issuing a decision (which signs it); `closed` ends
the case and starts its retention period. While a case waits for the applicant (`query`), the
applicant's reply moves it on by itself (`answered`): the clerk finds it in progress again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smartcity.core.errors import InvalidInput

DEFAULT_WORKFLOW: dict[str, Any] = {
    "initial": "eingegangen",
    "decided": "entschieden",
    "closed": "abgeschlossen",
    "query": "rueckfrage",
    "answered": "in_bearbeitung",
    "statuses": {
        "eingegangen": {"de": "Eingegangen", "en": "Received"},
        "in_bearbeitung": {"de": "In Bearbeitung", "en": "In progress"},
        "rueckfrage": {"de": "Rückfrage", "en": "Query to applicant"},
        "entschieden": {"de": "Entschieden", "en": "Decided"},
        "abgeschlossen": {"de": "Abgeschlossen", "en": "Closed"},
    },
    "transitions": {
        "eingegangen": ["in_bearbeitung", "abgeschlossen"],
        "in_bearbeitung": ["rueckfrage", "entschieden", "abgeschlossen"],
        "rueckfrage": ["in_bearbeitung", "abgeschlossen"],
        "entschieden": ["abgeschlossen"],
        "abgeschlossen": [],
    },
}


@dataclass(frozen=True)
class Workflow:
    initial: str
    decided: str
    closed: str
    labels: dict[str, dict[str, str]]
    transitions: dict[str, list[str]]
    # Where the case waits for the applicant, and where their reply takes it (None: nowhere).
    query: str | None = None
    answered: str | None = None

    @classmethod
    def of(cls, definition: dict[str, Any] | None) -> Workflow:
        d = definition or DEFAULT_WORKFLOW
        query, answered = d.get("query"), d.get("answered")
        if "query" not in d and "rueckfrage" in d["statuses"]:
            # Workflows stored before the two keys existed: the default's names.
            query, answered = "rueckfrage", "in_bearbeitung"
        return cls(
            d["initial"],
            d["decided"],
            d["closed"],
            d["statuses"],
            d["transitions"],
            query,
            answered,
        )

    def label(self, status: str, language: str = "de") -> str:
        names = self.labels.get(status, {})
        return names.get(language) or names.get("de") or status

    def allows(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, [])

    def after_reply(self, current: str) -> str | None:
        """The status an applicant's reply moves a case to, if it waits for one."""
        if self.query is None or self.answered is None or current != self.query:
            return None
        return self.answered if self.allows(current, self.answered) else None


def check_workflow(definition: Any) -> dict[str, Any]:
    """A workflow definition that cases can follow, or InvalidInput saying why not."""
    if not isinstance(definition, dict):
        raise InvalidInput("A workflow must be a JSON object.")
    statuses = definition.get("statuses")
    transitions = definition.get("transitions")
    problems: list[str] = []
    if not isinstance(statuses, dict) or not statuses:
        raise InvalidInput('A workflow needs "statuses": {"key": {"de": …, "en": …}, …}.')
    if not isinstance(transitions, dict):
        raise InvalidInput('A workflow needs "transitions": {"from": ["to", …], …}.')
    for key, names in statuses.items():
        if not isinstance(names, dict) or not isinstance(names.get("de"), str):
            problems.append(f"Status {key!r} needs a German name.")
    for role in ("initial", "decided", "closed"):
        if definition.get(role) not in statuses:
            problems.append(f'"{role}" must name one of the statuses.')
    for source, targets in transitions.items():
        if source not in statuses:
            problems.append(f"Transitions from the unknown status {source!r}.")
        if not isinstance(targets, list) or any(t not in statuses for t in targets):
            problems.append(f"Transitions from {source!r} must list known statuses.")
    closed = definition.get("closed")
    if transitions.get(closed):
        problems.append("A closed case cannot move on: the closed status has no transitions.")
    query, answered = definition.get("query"), definition.get("answered")
    if (query is None) != (answered is None):
        problems.append('"query" and "answered" go together: name both or neither.')
    elif query is not None:
        if query not in statuses or answered not in statuses:
            problems.append('"query" and "answered" must name statuses.')
        elif answered not in (transitions.get(query) or []):
            problems.append('The "query" status needs a transition to the "answered" status.')
    if problems:
        raise InvalidInput("The workflow has problems: " + " ".join(problems))
    checked = {
        key: definition[key] for key in ("initial", "decided", "closed", "statuses", "transitions")
    }
    # An explicit null keeps a custom workflow from the default's names.
    checked["query"], checked["answered"] = query, answered
    return checked
