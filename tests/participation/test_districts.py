"""Budgets per district: one process, a budget and a rule per district, each voter in one
district (their own by address, or chosen where the process says so), each district counted
on its own with its rules frozen once voting starts, a results page and exports per district."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.participation import districts, exports, services, voting
from smartcity.participation.models import Ballot, District, Process, Proposal
from tests.conftest import World
from tests.participation.conftest import (
    DAY,
    add_proposal,
    make_process,
    resident_browser,
    set_phase,
)
from tests.web.conftest import Browser, main_text

STAFF = "/dresden/verwaltung/beteiligung/stadtteile"
BASE = "/dresden/beteiligung/stadtteile"
# Neustadt: 01097, 01099; Pieschen: 01127, 01129.
PROJECTS = {
    "Neustadt": {"Spielplatz": 30_000_00, "Bänke": 10_000_00, "Brunnen": 25_000_00},
    "Pieschen": {"Elbwiese": 20_000_00, "Radbügel": 5_000_00},
}


def _setup(world: World, press: Browser, *, district_rule: str = "residence") -> dict[str, int]:
    """The process with its two districts (through the back office) and projects on the
    ballot of each; returns the projects' ids by title."""
    make_process(world, "stadtteile", "review", before=("proposals",), budget_cents=0)
    neustadt = press.submit(
        f"{STAFF}/bezirke",
        {
            "name": "Neustadt",
            "budget": "40000",
            "rule": "knapsack",
            "max_choices": "3",
            "tie_break": "lower_cost",
            "min_share_percent": "0",
            "partial_funding": "no",
            "postal_codes": "01097, 01099",
        },
    )
    assert neustadt.status_code == 303, neustadt.text
    pieschen = press.submit(
        f"{STAFF}/bezirke",
        {
            "name": "Pieschen",
            "budget": "20000",
            "rule": "approval",
            "max_choices": "1",
            "tie_break": "lower_cost",
            "min_share_percent": "0",
            "partial_funding": "no",
            "postal_codes": "01127 01129",
        },
    )
    assert pieschen.status_code == 303, pieschen.text
    rules = press.submit(
        f"{STAFF}/teilnahme", {"min_age": "", "residence": "", "district_rule": district_rule}
    )
    assert rules.status_code == 303, rules.text
    with world.tenant(world.dresden) as db:
        process = services.process_by_slug(db, "stadtteile")
        by_name = {d.name: d.id for d in districts.districts(db, process)}
        db.expunge(process)
    ids: dict[str, int] = {}
    for projects in PROJECTS.values():
        for title, cost in projects.items():
            proposal = add_proposal(world, process, title, sub=title)
            with world.tenant(world.dresden) as db:
                found = db.get(Proposal, proposal.id)
                assert found is not None
                services.review(db, found, services.ReviewInput("feasible", "", cost), actor="t")
                services.set_on_ballot(db, found, True, actor="t")
            ids[title] = proposal.id
    form = [
        (f"district-{ids[title]}", str(by_name[district]))
        for district, projects in PROJECTS.items()
        for title in projects
    ]
    assigned = press.submit(f"{STAFF}/projektbezirke", form)
    assert assigned.status_code == 303, assigned.text
    ids.update({f"district:{name}": i for name, i in by_name.items()})
    return ids


def _process(world: World) -> Process:
    with world.tenant(world.dresden) as db:
        found = services.process_by_slug(db, "stadtteile")
        db.expunge(found)
        return found


def _vote(browser: Browser, *titles: int, district: int | None = None) -> str:
    fields = [("choice", str(t)) for t in titles] + [("action", "cast")]
    if district is not None:
        fields.append(("district", str(district)))
    return main_text(browser.submit(f"{BASE}/abstimmung", fields))


def test_each_voter_votes_in_their_district_and_each_district_is_counted_on_its_own(
    world: World, press: Browser, new_client: Callable[[], TestClient]
) -> None:
    ids = _setup(world, press)
    set_phase(world, _process(world), "voting", utcnow() - DAY, utcnow() + DAY)

    neustadt = resident_browser(new_client, world, "n1", postal_code="01099")
    page = neustadt.get(f"{BASE}/abstimmung")
    assert "Abstimmung: Verfahren stadtteile – Neustadt" in main_text(page)
    assert "40 000,00 €" in main_text(page)
    assert "Elbwiese" not in main_text(page)  # Pieschen's project is not on Neustadt's ballot
    assert "Ihr Stimmzettel wurde gezählt." in _vote(neustadt, ids["Spielplatz"], ids["Bänke"])
    # Another district's project, or another district chosen, changes nothing.
    assert "nicht auf dem Stimmzettel" in _vote(neustadt, ids["Elbwiese"])
    assert "in dem Sie wohnen" in _vote(
        neustadt, ids["Elbwiese"], district=ids["district:Pieschen"]
    )
    # Over Neustadt's budget (30,000 + 25,000 > 40,000 €).
    assert "mehr als das Budget" in _vote(neustadt, ids["Spielplatz"], ids["Brunnen"])

    for number, choice in enumerate(("Elbwiese", "Elbwiese", "Radbügel")):
        voter = resident_browser(new_client, world, f"p{number}", postal_code="01127")
        assert "Ihr Stimmzettel wurde gezählt." in _vote(voter, ids[choice])
    # Pieschen's approval rule allows one project.
    two = resident_browser(new_client, world, "p9", postal_code="01129")
    assert "mehr Projekte" in _vote(two, ids["Elbwiese"], ids["Radbügel"])

    elsewhere = resident_browser(new_client, world, "x", postal_code="01307")
    refused = elsewhere.get(f"{BASE}/abstimmung")
    assert "in keinem Stadtteil dieser Abstimmung" in main_text(refused)
    assert elsewhere.submit(f"{BASE}/abstimmung", [("choice", str(ids["Bänke"]))]).status_code in (
        403,
        422,
    )

    set_phase(world, _process(world), "voting", utcnow() - 2 * DAY, utcnow() - DAY)
    with world.tenant(world.dresden) as db:
        process = services.process_by_slug(db, "stadtteile")
        found = {d.name: d for d in districts.districts(db, process)}
        n_result = voting.result(db, process, found["Neustadt"])
        p_result = voting.result(db, process, found["Pieschen"])
        assert n_result.ballots == 1
        assert n_result.budget_cents == 40_000_00
        assert {line.project.title for line in n_result.lines if line.funded} == {
            "Spielplatz",
            "Bänke",
        }
        assert p_result.ballots == 3
        assert [(line.project.title, line.votes) for line in p_result.lines] == [
            ("Elbwiese", 2),
            ("Radbügel", 1),
        ]
        # Recounted from each district's published ballots with its rules: the same.
        for district, announced in ((found["Neustadt"], n_result), (found["Pieschen"], p_result)):
            ballots = [c for _, c in voting.published_ballots(db, process, district)]
            again = voting.tally(
                voting.projects_of(db, process, district).values(),
                ballots,
                voting.Rules.of_district(district),
            )
            assert again == announced

    overview = Browser(new_client()).get(f"{BASE}/ergebnis")
    assert overview.status_code == 200
    assert "Ergebnisse nach Stadtteil" in main_text(overview)
    one = Browser(new_client()).get(f"{BASE}/ergebnis?bezirk={ids['district:Pieschen']}")
    assert "Ergebnis: Verfahren stadtteile – Pieschen" in main_text(one)
    assert "Spielplatz" not in main_text(one)
    assert Browser(new_client()).get(f"{BASE}/ergebnis?bezirk=999999").status_code == 404

    table = Browser(new_client()).get(f"{BASE}/ergebnis.csv").text
    header = next(csv.reader(io.StringIO(table)))
    assert header == [*exports.RESULT_COLUMNS, "district", "district_name"]  # appended
    rows = list(csv.DictReader(io.StringIO(table)))
    assert {(r["district_name"], r["title"], r["votes"]) for r in rows} >= {
        ("Neustadt", "Spielplatz", "1"),
        ("Pieschen", "Elbwiese", "2"),
    }
    only = Browser(new_client()).get(f"{BASE}/ergebnis.csv?bezirk={ids['district:Neustadt']}")
    assert {r["district_name"] for r in csv.DictReader(io.StringIO(only.text))} == {"Neustadt"}
    published = Browser(new_client()).get(
        f"{BASE}/stimmzettel.csv?bezirk={ids['district:Pieschen']}"
    )
    assert len(list(csv.DictReader(io.StringIO(published.text)))) == 3
    everything = Browser(new_client()).get(f"{BASE}/stimmzettel.csv").text
    assert next(csv.reader(io.StringIO(everything))) == ["receipt", "district", "choices"]

    api = Browser(new_client())
    result_url = "/dresden/api/v1/participation/processes/stadtteile/result"
    assert api.get(result_url).status_code == 422  # which district?
    pieschen = api.get(f"{result_url}?district={ids['district:Pieschen']}")
    assert pieschen.status_code == 200
    assert pieschen.json()["ballots"] == 3
    assert pieschen.json()["voting_rule"] == "approval"
    assert api.get(f"{result_url}?district=999999").status_code == 404

    # The open-data table: each district's result on its own lines.
    with world.tenant(world.dresden) as db:
        open_data = exports._results_table(db, world.dresden, utcnow())
        # The district columns come last (they were the second and third before, which
        # moved every column after them for the table's users): read by name.
        columns = [column.name for column in open_data.columns]
        assert columns == [*exports.RESULT_COLUMNS, "district", "district_name"]
        names = {row[columns.index("district_name")] for row in open_data.rows}
        assert names == {"Neustadt", "Pieschen"}


def test_where_the_process_says_so_the_voter_chooses_the_district(
    world: World, press: Browser, new_client: Callable[[], TestClient]
) -> None:
    ids = _setup(world, press, district_rule="choice")
    set_phase(world, _process(world), "voting", utcnow() - DAY, utcnow() + DAY)
    anna = resident_browser(new_client, world, "anna", postal_code=None)
    chooser = anna.get(f"{BASE}/abstimmung")
    assert "Stadtteil, über dessen Budget Sie abstimmen" in main_text(chooser)
    assert 'name="choice"' not in chooser.text
    ballot = anna.get(f"{BASE}/abstimmung?bezirk={ids['district:Pieschen']}")
    assert "Elbwiese" in main_text(ballot)
    assert 'name="district" value="' in ballot.text
    assert "Bitte wählen Sie den Stadtteil" in _vote(anna, ids["Elbwiese"])
    assert "Ihr Stimmzettel wurde gezählt." in _vote(
        anna, ids["Elbwiese"], district=ids["district:Pieschen"]
    )
    # Changing the ballot to another district moves it there: still one ballot.
    assert "Ihr Stimmzettel wurde gezählt." in _vote(
        anna, ids["Bänke"], district=ids["district:Neustadt"]
    )
    with world.tenant(world.dresden) as db:
        ballots = db.scalars(select(Ballot)).all()
        assert [(b.district_id, b.choices) for b in ballots] == [
            (ids["district:Neustadt"], [ids["Bänke"]])
        ]


def test_district_rules_are_frozen_once_voting_starts_and_bad_input_changes_nothing(
    world: World, press: Browser
) -> None:
    ids = _setup(world, press)
    neustadt = ids["district:Neustadt"]
    bad = press.submit(
        f"{STAFF}/bezirke",
        {"name": "", "budget": "abc", "rule": "knapsack", "max_choices": "3", "postal_codes": "1"},
    )
    assert bad.status_code == 422
    clash = press.submit(
        f"{STAFF}/bezirke",
        {"name": "Neustadt", "budget": "1", "rule": "approval", "max_choices": "1",
         "tie_break": "lower_cost", "min_share_percent": "0", "partial_funding": "no",
         "postal_codes": ""},
    )  # fmt: skip
    assert clash.status_code == 422
    assert "schon einen Stadtteil" in main_text(clash)
    wrong_codes = press.submit(
        f"{STAFF}/bezirke",
        {"name": "Klotzsche", "budget": "1", "rule": "approval", "max_choices": "1",
         "tie_break": "lower_cost", "min_share_percent": "0", "partial_funding": "no",
         "postal_codes": "0110"},
    )  # fmt: skip
    assert "fünf Ziffern" in main_text(wrong_codes)
    with world.tenant(world.dresden) as db:
        assert len(districts.districts(db, services.process_by_slug(db, "stadtteile"))) == 2

    set_phase(world, _process(world), "voting", utcnow() - DAY, utcnow() + DAY)
    changed = press.submit(
        f"{STAFF}/bezirke/{neustadt}",
        {"name": "Neustadt", "budget": "99000", "rule": "knapsack", "max_choices": "3",
         "tie_break": "lower_cost", "min_share_percent": "0", "partial_funding": "no",
         "postal_codes": "01097 01099"},
    )  # fmt: skip
    assert changed.status_code == 409
    assert "Die Abstimmung hat begonnen" in main_text(changed)
    removed = press.submit(f"{STAFF}/bezirke/{neustadt}", {"action": "remove"})
    assert removed.status_code == 409
    moved = press.submit(
        f"{STAFF}/projektbezirke", [(f"district-{ids['Bänke']}", str(ids["district:Pieschen"]))]
    )
    assert moved.status_code == 409
    eligibility = press.submit(
        f"{STAFF}/teilnahme", {"min_age": "16", "residence": "", "district_rule": "residence"}
    )
    assert eligibility.status_code == 409
    with world.tenant(world.dresden) as db:
        district = db.get(District, neustadt)
        assert district is not None
        assert district.budget_cents == 40_000_00
        proposal = db.get(Proposal, ids["Bänke"])
        assert proposal is not None
        assert proposal.district_id == neustadt
        refused = db.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "participation.rules.refused")
        ).all()
        assert len(refused) == 4
    assert _process(world).min_age is None


def test_a_ballot_without_a_district_is_refused_by_the_service(
    world: World, press: Browser
) -> None:
    ids = _setup(world, press, district_rule="choice")
    set_phase(world, _process(world), "voting", utcnow() - DAY, utcnow() + DAY)
    with world.tenant(world.dresden) as db:
        process = services.process_by_slug(db, "stadtteile")
        with pytest.raises(InvalidInput) as refused:
            voting.cast(
                db, process, [ids["Bänke"]], citizen_subject="https://id.example|z", secret="s" * 32
            )
        assert "district" in refused.value.errors
        with pytest.raises(NotFound):
            voting.cast(
                db,
                process,
                [ids["Bänke"]],
                citizen_subject="https://id.example|z",
                secret="s" * 32,
                district_id=process.id + 1000,
            )
        assert db.scalars(select(Ballot)).all() == []


def test_a_ballot_is_read_under_its_districts_rule_not_the_processs(
    world: World, press: Browser, new_client: Callable[[], TestClient]
) -> None:
    """Pieschen gives supports (up to three, several per project) while the process itself
    is an approval vote: the marks sent from Pieschen's ballot count as supports."""
    ids = _setup(world, press, district_rule="choice")
    with world.tenant(world.dresden) as db:
        pieschen = db.get(District, ids["district:Pieschen"])
        assert pieschen is not None
        pieschen.rule, pieschen.max_choices = "supports", 3
    set_phase(world, _process(world), "voting", utcnow() - DAY, utcnow() + DAY)
    assert _process(world).rule != "supports"
    anna = resident_browser(new_client, world, "anna", postal_code=None)
    page = anna.get(f"{BASE}/abstimmung?bezirk={ids['district:Pieschen']}")
    assert f'name="support-{ids["Elbwiese"]}"' in page.text
    cast = anna.submit(
        f"{BASE}/abstimmung",
        [
            (f"support-{ids['Elbwiese']}", "2"),
            (f"support-{ids['Radbügel']}", "1"),
            ("district", str(ids["district:Pieschen"])),
            ("action", "cast"),
        ],
    )
    assert "Ihr Stimmzettel wurde gezählt." in main_text(cast)
    with world.tenant(world.dresden) as db:
        [ballot] = db.scalars(select(Ballot)).all()
        assert sorted(ballot.choices) == sorted([ids["Elbwiese"]] * 2 + [ids["Radbügel"]])
