"""The administration reviews a proposal: feasible or not (with the reason), cost, department;
the review is shown on the proposal's page and can open a case in that department's inbox."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.cases.models import Case
from smartcity.participation.models import Proposal
from tests.conftest import World
from tests.participation.conftest import add_proposal, citizen_browser, make_process
from tests.web.conftest import Browser, main_text

STAFF = "/dresden/verwaltung/beteiligung/altmarkt/vorschlaege"


def test_a_review_is_published_and_opens_a_case_in_the_departments_inbox(
    world: World, new_client: Callable[[], TestClient], press: Browser
) -> None:
    process = make_process(world, "altmarkt", "review", before=("proposals",))
    proposal = add_proposal(world, process, "Trinkbrunnen")
    form = press.get(f"{STAFF}/{proposal.id}")
    assert form.status_code == 200
    missing = press.submit(f"{STAFF}/{proposal.id}/pruefung", {"feasibility": "not_feasible"})
    assert missing.status_code == 422
    assert "warum der Vorschlag nicht umsetzbar ist" in main_text(missing)
    no_department = press.submit(
        f"{STAFF}/{proposal.id}/pruefung", {"feasibility": "feasible", "open_case": "yes"}
    )
    assert no_department.status_code == 422
    assert "Bitte nennen Sie zuerst das zuständige Amt." in main_text(no_department)

    saved = press.submit(
        f"{STAFF}/{proposal.id}/pruefung",
        {
            "feasibility": "feasible",
            "reason": "Leitungen liegen bereits.",
            "cost": "12.500,00",
            "department": "Ordnungsamt",
            "open_case": "yes",
        },
    )
    assert saved.status_code == 303, saved.text
    with world.tenant(world.dresden) as db:
        stored = db.get(Proposal, proposal.id)
        assert stored is not None
        assert stored.cost_cents == 1_250_000
        case = db.scalar(select(Case).where(Case.id == stored.case_id))
        assert case is not None
        assert case.department == "Ordnungsamt"
    # Opening again keeps the one case.
    again = press.submit(
        f"{STAFF}/{proposal.id}/pruefung",
        {
            "feasibility": "feasible",
            "cost": "12500",
            "department": "Ordnungsamt",
            "open_case": "yes",
        },
    )
    assert again.status_code == 303
    with world.tenant(world.dresden) as db:
        assert len(list(db.scalars(select(Case)))) == 1

    clerk = Browser(new_client())
    assert clerk.login("dd.clerk.b").status_code == 303  # Ordnungsamt
    assert "Bürgervorschlag prüfen" in clerk.get("/dresden/verwaltung/vorgaenge").text

    anna = citizen_browser(new_client, world, "anna")
    page = main_text(anna.get(f"/dresden/beteiligung/altmarkt/vorschlaege/{proposal.id}"))
    assert "Prüfung durch die Verwaltung" in page
    assert "umsetzbar" in page
    assert "12 500,00 €" in page
    assert "Ordnungsamt" in page
