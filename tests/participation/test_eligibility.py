"""Eligibility rules for the citizen login: a minimum age on the day of voting and residence
in the municipality, from what the eID/BundID login says (date of birth, municipality key,
postal code); whoever the rules exclude, or whose login does not say what they need, is
refused with a clear message. Voting codes are not checked (the city chose who got a letter).
The rules are frozen once voting starts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.citizen import login as citizen_login
from smartcity.core.db import utcnow
from smartcity.core.identity.models import CitizenSession
from smartcity.participation import eligibility, services
from smartcity.participation.models import Ballot, Process, Proposal
from tests.conftest import World
from tests.participation.conftest import (
    DAY,
    add_proposal,
    make_process,
    resident_browser,
    set_phase,
)
from tests.web.conftest import Browser, main_text

STAFF = "/dresden/verwaltung/beteiligung/jugend"
BASE = "/dresden/beteiligung/jugend"


def test_age_counts_full_years_on_the_day() -> None:
    born = date(2010, 6, 15)
    assert eligibility.age_on(born, date(2026, 6, 14)) == 15
    assert eligibility.age_on(born, date(2026, 6, 15)) == 16
    leap = date(2008, 2, 29)
    assert eligibility.age_on(leap, date(2024, 2, 28)) == 15
    assert eligibility.age_on(leap, date(2024, 2, 29)) == 16


def test_the_citizen_login_keeps_only_well_formed_facts(world: World) -> None:
    with world.system() as db:
        good = citizen_login.start(
            db,
            {
                "iss": "https://id.example",
                "sub": "a",
                "birthdate": "2001-02-03",
                "ags": "14612000",
                "address": {"postal_code": "01067", "street_address": "Altmarkt 1"},
            },
        )
        bad = citizen_login.start(
            db,
            {
                "iss": "https://id.example",
                "sub": "b",
                "birthdate": "2001-02-30",
                "ags": "DD",
                "address": "Altmarkt 1, 01067 Dresden",
            },
        )
    with world.system() as db:
        sessions = {s.subject: s for s in db.scalars(select(CitizenSession))}
    first, second = sessions["https://id.example|a"], sessions["https://id.example|b"]
    assert (first.birthdate, first.residence_ags, first.postal_code) == (
        date(2001, 2, 3),
        "14612000",
        "01067",
    )
    assert (second.birthdate, second.residence_ags, second.postal_code) == (None, None, None)
    assert good != bad


def _vote(world: World, press: Browser, **rules: str) -> int:
    """A budget in Dresden with one project, its voting open, under `rules`."""
    process = make_process(
        world, "jugend", "review", before=("proposals",), budget_cents=5_000_00, rule="approval"
    )
    proposal = add_proposal(world, process, "Skatepark")
    with world.tenant(world.dresden) as db:
        found = db.get(Proposal, proposal.id)
        assert found is not None
        services.review(db, found, services.ReviewInput("feasible", "", 4_000_00), actor="t")
        services.set_on_ballot(db, found, True, actor="t")
    saved = press.submit(
        f"{STAFF}/teilnahme",
        {"min_age": "", "residence": "", "district_rule": "residence", **rules},
    )
    assert saved.status_code == 303, saved.text
    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)
    return proposal.id


def _years_ago(years: int) -> str:
    """A date of birth `years` ago (at most on the 28th, so every month has it)."""
    today = utcnow().date()
    return today.replace(year=today.year - years, day=min(today.day, 28)).isoformat()


def test_voters_under_the_minimum_age_or_without_a_date_of_birth_are_refused(
    world: World, press: Browser, new_client: Callable[[], TestClient]
) -> None:
    project = _vote(world, press, min_age="16", residence="municipality")
    ballot = [("choice", str(project)), ("action", "cast")]
    page = Browser(new_client()).get(BASE)
    assert "Wer abstimmen darf: Bürgerinnen und Bürger ab 16 Jahren und wohnhaft in Dresden" in (
        main_text(page)
    )

    young = resident_browser(new_client, world, "young", birthdate=_years_ago(15))
    form = young.get(f"{BASE}/abstimmung")
    assert "Mindestalter für diese Abstimmung noch nicht erreicht" in main_text(form)
    assert 'name="choice"' not in form.text
    refused = young.submit(f"{BASE}/abstimmung", ballot)
    assert refused.status_code == 403
    assert "Mindestalter" in main_text(refused)

    unknown = resident_browser(new_client, world, "unknown", birthdate=None)
    assert "Geburtsdatum nicht" in main_text(unknown.get(f"{BASE}/abstimmung"))
    assert unknown.submit(f"{BASE}/abstimmung", ballot).status_code == 403

    homeless = resident_browser(new_client, world, "elsewhere", ags=None)
    assert "Wohnort nicht" in main_text(homeless.get(f"{BASE}/abstimmung"))
    radebeul = resident_browser(new_client, world, "rb", ags="14627210")
    assert radebeul.submit(f"{BASE}/abstimmung", ballot).status_code == 403

    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Ballot)) == 0  # nothing changed

    sixteen = resident_browser(new_client, world, "sixteen", birthdate=_years_ago(16))
    assert "Ihr Stimmzettel wurde gezählt." in main_text(
        sixteen.submit(f"{BASE}/abstimmung", ballot)
    )


def test_the_eligibility_rules_are_checked_on_input_and_frozen_once_voting_starts(
    world: World, press: Browser
) -> None:
    _vote(world, press)
    refused = press.submit(
        f"{STAFF}/teilnahme", {"min_age": "16", "residence": "", "district_rule": "residence"}
    )
    assert refused.status_code == 409
    assert "Die Abstimmung hat begonnen" in main_text(refused)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"min_age": "abc"}, "zwischen 0 und 120"),
        ({"min_age": "200"}, "zwischen 0 und 120"),
        ({"residence": "mars"}, "wo Abstimmende wohnen"),
        ({"residence": "district"}, "zuerst die Stadtteile"),
        ({"district_rule": "dice"}, "wie der Stadtteil"),
    ],
)
def test_bad_eligibility_rules_are_refused_and_change_nothing(
    world: World, press: Browser, fields: dict[str, str], message: str
) -> None:
    make_process(world, "jugend", "proposals", budget_cents=5_000_00)
    form = {"min_age": "", "residence": "", "district_rule": "residence", **fields}
    refused = press.submit(f"{STAFF}/teilnahme", form)
    assert refused.status_code == 422
    assert message in main_text(refused)
    with world.tenant(world.dresden) as db:
        found = db.scalar(select(Process))
        assert found is not None
        assert (found.min_age, found.residence, found.district_rule) == (None, "", "residence")


def test_voting_codes_are_not_checked_against_the_login(
    world: World, press: Browser, new_client: Callable[[], TestClient]
) -> None:
    process = make_process(
        world, "jugend", "proposals", budget_cents=5_000_00, identification="codes"
    )
    saved = press.submit(
        f"{STAFF}/teilnahme", {"min_age": "16", "residence": "", "district_rule": "residence"}
    )
    assert saved.status_code == 303
    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)
    page = Browser(new_client()).get(f"{BASE}/abstimmung")
    assert "per Brief einen Abstimmungscode erhalten" in main_text(page)
    assert 'name="code"' in page.text
