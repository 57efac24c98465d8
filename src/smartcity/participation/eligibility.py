"""Who may vote with the citizen login: a minimum age and residence in the municipality (in a
participating one, for a region-wide process) or in a district of the process.

The facts come from the citizen login as the identity provider sent them (the eID/BundID
path sends the date of birth and the address; the platform keeps the date of birth, the
official municipality key and the postal code for the session). A voter whose login lacks a
fact the rules need is refused with a message saying so, never let through. Voting codes are
not checked here: the city decides who receives a letter. The rules are frozen with the
voting rules once voting starts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInput, NotFound, PermissionDenied
from smartcity.core.tenancy.models import Municipality
from smartcity.participation import districts as district_services
from smartcity.participation import region
from smartcity.participation.models import DISTRICT_RULES, RESIDENCE_RULES, District, Process
from smartcity.participation.services import change_frozen


class NotEligible(PermissionDenied):
    """The citizen login shows that this person may not vote in this process (or does not
    show what the rules need)."""


@dataclass(frozen=True)
class Facts:
    """What the citizen login says about a voter."""

    birthdate: date | None = None
    residence_ags: str | None = None
    postal_code: str | None = None

    @classmethod
    def of(cls, citizen: Any) -> Facts:
        """From a citizen session (None: nothing known)."""
        if citizen is None:
            return cls()
        return cls(citizen.birthdate, citizen.residence_ags, citizen.postal_code)


def age_on(birthdate: date, day: date) -> int:
    """Full years on `day` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def set_rules(
    db: Session,
    process: Process,
    *,
    min_age: int | None,
    residence: str,
    district_rule: str,
    actor: str,
    now: datetime | None = None,
) -> Process:
    """Sets who may vote; refused (and audited) once voting has started."""
    errors = {}
    if min_age is not None and not 0 <= min_age <= 120:
        errors["min_age"] = "Please give an age between 0 and 120."
    if residence not in RESIDENCE_RULES:
        errors["residence"] = "Please choose where voters must live."
    elif residence == "district" and not district_services.districts(db, process):
        errors["residence"] = "Residence in a district needs the districts of the process first."
    if district_rule not in DISTRICT_RULES:
        errors["district_rule"] = "Please choose how a voter's district is decided."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    changes: dict[str, object] = {
        name: value
        for name, value in (
            ("min_age", min_age),
            ("residence", residence),
            ("district_rule", district_rule),
        )
        if getattr(process, name) != value
    }
    return change_frozen(
        db, process, changes, what="eligibility", action="eligibility.change", actor=actor, now=now
    )


def check(
    db: Session,
    process: Process,
    facts: Facts,
    now: datetime,
    found: Sequence[District] | None = None,
) -> District | None:
    """Refuses a voter the rules exclude (`NotEligible`); returns the district they live in
    when the process has districts and the voter's address names one, else None. The age
    counts on the day of voting in the municipality's time zone. `found`: the process's
    districts when the caller has read them."""
    lead = db.get(Municipality, process.municipality_id)
    assert lead is not None
    if found is None:
        found = district_services.districts(db, process)
    home = district_services.district_by_postal_code(found, facts.postal_code)
    if process.min_age is not None:
        today = now.astimezone(ZoneInfo(lead.timezone)).date()
        if facts.birthdate is None:
            raise NotEligible(
                "Your citizen login does not tell us your date of birth, which this vote needs "
                "because of its minimum age. Please sign in with your online ID (eID)."
            )
        if age_on(facts.birthdate, today) < process.min_age:
            raise NotEligible("You are not old enough to take part in this vote.")
    if process.residence == "municipality":
        if facts.residence_ags is None:
            raise NotEligible(
                "Your citizen login does not tell us where you live, which this vote needs. "
                "Please sign in with your online ID (eID)."
            )
        if facts.residence_ags not in region.residence_keys(db, process, lead):
            raise NotEligible("This vote is open only to residents of its municipalities.")
    elif process.residence == "district":
        if facts.postal_code is None:
            raise NotEligible(
                "Your citizen login does not tell us where you live, which this vote needs. "
                "Please sign in with your online ID (eID)."
            )
        if home is None:
            raise NotEligible("This vote is open only to residents of its districts.")
    return home


def voting_district(
    db: Session,
    process: Process,
    *,
    home: District | None,
    chosen: int | None,
    by_login: bool,
    found: Sequence[District] | None = None,
) -> District | None:
    """The district whose budget a ballot is in: none without districts; with the rule
    "residence" and the citizen login, the voter's own (from their address); otherwise
    (the rule "choice", or voting codes, whose letters the city sends per district) the one
    the voter chose. `found` as for `check`."""
    if found is None:
        found = district_services.districts(db, process)
    if not found:
        return None
    if by_login and process.district_rule == "residence":
        if home is None:
            raise NotEligible(
                "Your address is in none of the districts of this vote, so we cannot tell "
                "which district's budget you vote in."
            )
        if chosen is not None and chosen != home.id:
            message = "You vote in the budget of the district you live in."
            raise InvalidInput(message, errors={"district": message})
        return home
    if chosen is None:
        message = "Please choose the district whose budget you vote in."
        raise InvalidInput(message, errors={"district": message})
    district = next((d for d in found if d.id == chosen), None)
    if district is None:
        raise NotFound("There is no such district in this process.")
    return district
