"""The participatory budget's vote: the rules are frozen once voting starts (CONSUL #5321),
one ballot per citizen (also when the same voter casts from many requests at once), ballots
changeable until the end, bad ballots refused with a clear message, and a published result
that anybody can recount from the published ballots."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.participation import services, voting
from smartcity.participation.models import Ballot, Process, Proposal
from tests.conftest import World
from tests.participation.conftest import DAY, add_proposal, citizen_browser, make_process, set_phase
from tests.web.conftest import Browser, main_text

BASE = "/dresden/beteiligung/haushalt"
STAFF = "/dresden/verwaltung/beteiligung/haushalt"
COSTS = {"Spielplatz": 50_000_00, "Bänke": 20_000_00, "Lastenrad": 10_000_00, "Wiese": 30_000_00}


def _budget(
    world: World, current: str = "voting", **fields: object
) -> tuple[Process, dict[str, int]]:
    """A participatory budget of 80,000 € with four reviewed projects on the ballot."""
    fields.setdefault("rule", "knapsack")
    process = make_process(
        world,
        "haushalt" + str(fields.pop("slug_suffix", "")),
        "review",
        before=("proposals",),
        budget_cents=80_000_00,
        **fields,  # type: ignore[arg-type]
    )
    ids = {}
    for title, cost in COSTS.items():
        proposal = add_proposal(world, process, title, sub=title)
        with world.tenant(world.dresden) as db:
            found = db.get(Proposal, proposal.id)
            assert found is not None
            services.review(
                db,
                found,
                services.ReviewInput("feasible", "", cost, "Grünflächenamt"),
                actor="test",
            )
            services.set_on_ballot(db, found, True, actor="test")
        ids[title] = proposal.id
    if current == "voting":
        set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)
    return process, ids


def _process(world: World) -> Process:
    with world.tenant(world.dresden) as db:
        found = services.process_by_slug(db, "haushalt")
        db.expunge(found)
        return found


def test_the_voting_rule_is_frozen_once_voting_starts(world: World, press: Browser) -> None:
    _budget(world, current="review", rule="approval", max_choices=2)
    before = press.submit(
        f"{STAFF}/regeln",
        {"rule": "knapsack", "max_choices": "2", "tie_break": "lower_cost", "budget": "80000"},
    )
    assert before.status_code == 303, before.text
    assert _process(world).rule == "knapsack"

    set_phase(world, _process(world), "voting", utcnow() - timedelta(minutes=1), utcnow() + DAY)
    refused = press.submit(
        f"{STAFF}/regeln",
        {"rule": "approval", "max_choices": "1", "tie_break": "lower_cost", "budget": "90000"},
    )
    assert refused.status_code == 409
    assert "Die Abstimmung hat begonnen: Abstimmungsregel, Budget" in main_text(refused)
    process = _process(world)
    assert (process.rule, process.budget_cents) == ("knapsack", 80_000_00)
    with world.tenant(world.dresden) as db:
        refusals = db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "participation.rules.refused")
        )
        assert refusals == 1
        # The projects on the ballot and the voting phase are frozen as well.
        proposal = db.scalar(select(Proposal).where(Proposal.title == "Wiese"))
        assert proposal is not None
        with pytest.raises(services.RulesFrozen):
            services.set_on_ballot(db, proposal, False, actor="test")
    moved = press.submit(
        f"{STAFF}/phasen", {"voting_start": "2030-01-01T10:00", "voting_end": "2030-01-02T10:00"}
    )
    assert moved.status_code == 409


def test_one_ballot_per_citizen_changeable_until_the_end_with_the_same_receipt(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    _, ids = _budget(world)
    anna = citizen_browser(new_client, world, "anna")
    page = anna.get(f"{BASE}/abstimmung")
    assert page.status_code == 200
    assert "Restliches Budget: 80 000,00 €" in main_text(page)
    checked = anna.submit(
        f"{BASE}/abstimmung",
        [("choice", str(ids["Spielplatz"])), ("choice", str(ids["Bänke"])), ("action", "check")],
    )
    assert "Restliches Budget: 10 000,00 €" in main_text(checked)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Ballot)) == 0  # checking casts nothing

    cast = anna.submit(
        f"{BASE}/abstimmung",
        [("choice", str(ids["Spielplatz"])), ("choice", str(ids["Bänke"])), ("action", "cast")],
    )
    assert cast.status_code == 200
    assert "Ihr Stimmzettel wurde gezählt." in main_text(cast)
    with world.tenant(world.dresden) as db:
        first = db.scalar(select(Ballot))
        assert first is not None
        receipt = first.receipt
        # Stored apart from the identity: no trace of the citizen's subject.
        assert "anna" not in first.voter_key
        assert len(first.voter_key) == 64
    assert receipt in cast.text

    again = anna.submit(
        f"{BASE}/abstimmung", [("choice", str(ids["Lastenrad"])), ("action", "cast")]
    )
    assert again.status_code == 200
    with world.tenant(world.dresden) as db:
        ballots = list(db.scalars(select(Ballot)))
    assert [(b.receipt, b.choices) for b in ballots] == [(receipt, [ids["Lastenrad"]])]


def test_bad_ballots_are_refused_with_a_clear_message_and_change_nothing(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    _, ids = _budget(world)
    other = make_process(world, "anderes", "proposals")
    foreign = add_proposal(world, other, "Fremdes Projekt")
    anna = citizen_browser(new_client, world, "anna")
    over = anna.submit(
        f"{BASE}/abstimmung", [("choice", str(i)) for i in ids.values()] + [("action", "cast")]
    )
    assert over.status_code == 422
    assert "Die gewählten Projekte kosten mehr als das Budget." in main_text(over)
    wrong = anna.submit(f"{BASE}/abstimmung", [("choice", str(foreign.id)), ("action", "cast")])
    assert wrong.status_code == 422
    assert "steht nicht auf dem Stimmzettel dieses Verfahrens" in main_text(wrong)
    empty = anna.submit(f"{BASE}/abstimmung", [("action", "cast")])
    assert empty.status_code == 422
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Ballot)) == 0
    # Another municipality's process: not found.
    assert (
        anna.submit("/radebeul/beteiligung/haushalt/abstimmung", [("choice", "1")]).status_code
        == 404
    )
    # After the end of voting nothing is accepted.
    set_phase(world, _process(world), "voting", utcnow() - 2 * DAY, utcnow() - DAY)
    late = anna.submit(f"{BASE}/abstimmung", [("choice", str(ids["Bänke"])), ("action", "cast")])
    assert late.status_code == 409


def test_approval_allows_at_most_n_projects(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    _, ids = _budget(world, rule="approval", max_choices=2)
    anna = citizen_browser(new_client, world, "anna")
    three = [("choice", str(ids[t])) for t in ("Bänke", "Lastenrad", "Wiese")]
    refused = anna.submit(f"{BASE}/abstimmung", [*three, ("action", "cast")])
    assert refused.status_code == 422
    assert "mehr Projekte gewählt, als die Abstimmungsregel erlaubt" in main_text(refused)


def test_the_same_voter_casting_from_many_requests_at_once_leaves_one_ballot(world: World) -> None:
    process, ids = _budget(world)
    secret = world.platform.settings.require_secret_key()
    choices = [[ids["Bänke"]], [ids["Lastenrad"]], [ids["Wiese"]], [ids["Spielplatz"]]]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def vote(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            with world.tenant(world.dresden) as db:
                found = db.get(Process, process.id)
                assert found is not None
                voting.cast(
                    db,
                    found,
                    choices[number % 4],
                    citizen_subject="https://id.example|anna",
                    secret=secret,
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with world.tenant(world.dresden) as db:
        ballots = list(db.scalars(select(Ballot)))
    assert len(ballots) == 1
    assert ballots[0].choices in choices


def test_the_published_ballots_recount_to_the_announced_result(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process, ids = _budget(world, tie_break="lower_cost")
    votes = {
        "a": ["Spielplatz", "Bänke"],
        "b": ["Spielplatz", "Lastenrad"],
        "c": ["Bänke", "Wiese"],
        "d": ["Wiese", "Lastenrad"],
    }
    receipts = {}
    for voter, titles in votes.items():
        browser = citizen_browser(new_client, world, voter)
        cast = browser.submit(
            f"{BASE}/abstimmung", [*(("choice", str(ids[t])) for t in titles), ("action", "cast")]
        )
        assert cast.status_code == 200, cast.text
        with world.tenant(world.dresden) as db:
            current = db.get(Process, process.id)
            assert current is not None
            found = voting.ballot_of(
                db,
                current,
                citizen_subject=f"https://id.example|{voter}",
                secret=world.platform.settings.require_secret_key(),
            )
            assert found is not None
            receipts[voter] = found.receipt
    anna = citizen_browser(new_client, world, "anna")
    assert anna.get(f"{BASE}/ergebnis").status_code == 422  # not before voting closed
    set_phase(world, _process(world), "voting", utcnow() - 2 * DAY, utcnow() - DAY)

    page = anna.get(f"{BASE}/ergebnis")
    assert page.status_code == 200
    for receipt in receipts.values():
        assert receipt in page.text
    ballots = list(csv.DictReader(io.StringIO(anna.get(f"{BASE}/stimmzettel.csv").text)))
    published = [[int(c) for c in row["choices"].split()] for row in ballots]
    assert sorted(row["receipt"] for row in ballots) == sorted(receipts.values())
    result = list(csv.DictReader(io.StringIO(anna.get(f"{BASE}/ergebnis.csv").text)))
    projects = [voting.Project(ids[t], t, c) for t, c in COSTS.items()]
    recount = voting.tally(
        projects, published, voting.Rules("knapsack", 3, 80_000_00, "lower_cost")
    )
    assert [(int(r["project"]), int(r["votes"]), r["funded"] == "yes") for r in result] == [
        (line.project.id, line.votes, line.funded) for line in recount.lines
    ]
    # Two votes each; ties by the lower cost: Lastenrad, Bänke, Wiese (60,000 €), then the
    # Spielplatz (50,000 €) no longer fits the remaining 20,000 €.
    assert [r["title"] for r in result if r["funded"] == "yes"] == ["Lastenrad", "Bänke", "Wiese"]


def test_the_service_refuses_a_ballot_outside_the_voting_phase(world: World) -> None:
    process, ids = _budget(world, current="review")
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        with pytest.raises(services.PhaseClosed):
            voting.cast(db, found, [ids["Bänke"]], citizen_subject="x", secret="s" * 32)
