"""What cases need to know about the application a case was opened for, and who tells them.

Cases import no other domain. The domain whose applications open cases (citizen services)
implements `Applications` and registers it with `provide` when its module declaration is
imported (`smartcity.citizen.module`); cases ask `applications()` for it. A case refers to its
application by the ids it keeps (`submission_id`, `adoption_id`), nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Select
from sqlalchemy.orm import Session

from smartcity.cases.models import Case
from smartcity.cases.workflow import Workflow
from smartcity.core.uploads.models import StoredFile


@dataclass(frozen=True)
class Application:
    """The application behind one case, as the clerk's view, the decision and the mails to
    the applicant need it."""

    tracking_code: str
    service_key: str
    # The service's name by language ("de" always present).
    service_names: dict[str, str]
    workflow: Workflow
    decision_template: dict[str, str] | None
    form_version: int
    data: dict[str, Any]
    contact_email: str | None
    language: str
    submitted_at: datetime
    # The address field of letters to the applicant (name, street, postcode and town), from
    # the fields the service's form declares for it; empty where it declares none.
    addressee: tuple[str, ...] = ()

    def service_name(self, language: str = "de") -> str:
        return self.service_names.get(language) or self.service_names["de"]

    @property
    def applicant_name(self) -> str | None:
        """Who applied, for the clerk's inbox: the name the form declares for letters, else
        its field `name` (which `Applications.matching` searches); None where it has neither."""
        if self.addressee:
            return self.addressee[0]
        name = self.data.get("name")
        return name.strip() if isinstance(name, str) and name.strip() else None


@dataclass(frozen=True)
class RetentionRule:
    """How long a closed case of a service is kept, and what happens then."""

    days: int
    action: Literal["delete", "anonymise"]


class Applications(Protocol):
    """The applications cases are opened for (implemented by citizen services)."""

    def of_cases(self, db: Session, cases: Sequence[Case]) -> dict[int, Application]:
        """The application of each case, by case id, in one query."""
        ...

    def adoptions_of_service(self, key: str) -> Select[int]:
        """The adoption ids of the service `key` (a subquery for the inbox's filter)."""
        ...

    def matching(self, text: str) -> Select[int]:
        """The submission ids whose tracking code is `text` or whose applicant's name (the
        form's field `name`) contains it, case-insensitively (a subquery for the inbox's
        search)."""
        ...

    def answers(self, db: Session, case: Case, files: list[StoredFile]) -> list[tuple[str, str]]:
        """The applicant's answers as (label, value), in German, for the clerk."""
        ...

    def retention_rules(self, db: Session) -> dict[int, RetentionRule]:
        """The retention of each adoption whose closed cases expire, by adoption id."""
        ...

    def anonymise(self, db: Session, case: Case, now: datetime) -> None:
        """Remove the applicant's personal data from the case's application."""
        ...

    def delete(self, db: Session, case: Case) -> None:
        """Delete the case's application."""
        ...


_provided: list[Applications] = []


def provide(implementation: Applications) -> None:
    """Register the applications' implementation (replacing one registered before)."""
    _provided[:] = [implementation]


def applications() -> Applications:
    if not _provided:
        raise RuntimeError(
            "No module provides the applications of cases; install the citizen module."
        )
    return _provided[0]


def application(db: Session, case: Case) -> Application:
    """The application of one case."""
    return applications().of_cases(db, [case])[case.id]
