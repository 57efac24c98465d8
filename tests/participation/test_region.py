"""Region-wide processes: Dresden runs a participatory budget with Radebeul; Radebeul's portal
lists it, Radebeul's residents vote in it and the one result counts every ballot. Leipzig, of
another region, can neither be added nor see the process, and its residents cannot vote."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.models import Municipality
from smartcity.modules import reserved_slugs
from smartcity.participation import region, services, voting
from smartcity.participation.models import Process, Proposal, RegionShare
from tests.conftest import World
from tests.participation.conftest import (
    DAY,
    add_proposal,
    make_process,
    resident_browser,
    set_phase,
)
from tests.web.conftest import Browser, main_text

STAFF = "/dresden/verwaltung/beteiligung/elbe"
BASE = "/dresden/beteiligung/elbe"
DRESDEN, RADEBEUL, LEIPZIG = "14612000", "14627210", "14713000"


def _leipzig(world: World) -> Municipality:
    with world.system() as db:
        other = tenancy.get_or_create_region(db, "leipzig-land")
        found = tenancy.create_municipality(
            db,
            tenancy.MunicipalityInput("leipzig", "Leipzig", LEIPZIG, "Europe/Berlin", 51.34, 12.37),
            other,
            reserved=reserved_slugs(),
        )
        db.expunge(found)
        return found


def _budget(world: World) -> tuple[Process, int]:
    """The Elbe budget of Dresden with one project on the ballot, in its review phase."""
    process = make_process(
        world,
        "elbe",
        "review",
        before=("proposals",),
        budget_cents=10_000_00,
    )
    proposal = add_proposal(world, process, "Elberadweg")
    with world.tenant(world.dresden) as db:
        found = db.get(Proposal, proposal.id)
        assert found is not None
        services.review(db, found, services.ReviewInput("feasible", "", 5_000_00), actor="test")
        services.set_on_ballot(db, found, True, actor="test")
    return process, proposal.id


def test_a_process_shared_with_the_region_appears_in_the_other_portal(
    world: World, press: Browser, new_client: Callable[[], TestClient]
) -> None:
    _budget(world)
    leipzig = _leipzig(world)
    page = press.get(f"{STAFF}/gebiet")
    assert "Radebeul" in main_text(page)
    assert "Leipzig" not in main_text(page)  # another region is not offered

    shared = press.submit(f"{STAFF}/region", [("participant", "radebeul")])
    assert shared.status_code == 303, shared.text

    visitor = Browser(new_client())
    listing = visitor.get("/radebeul/beteiligung")
    assert "Verfahren elbe" in main_text(listing)
    assert 'href="/dresden/beteiligung/elbe"' in listing.text
    assert "Durchgeführt von Dresden" in main_text(listing)
    followed = visitor.get("/radebeul/beteiligung/elbe", follow_redirects=False)
    assert followed.status_code == 303
    assert followed.headers["location"] == BASE
    process_page = visitor.get(BASE)
    assert "gemeinsam mit Radebeul" in main_text(process_page)

    # Leipzig (another region) neither lists it nor knows its address.
    assert "elbe" not in visitor.get("/leipzig/beteiligung").text
    assert visitor.get("/leipzig/beteiligung/elbe").status_code == 404
    with world.tenant(leipzig) as db:
        assert region.shared_with(db, leipzig) == []


def test_a_municipality_of_another_region_cannot_take_part(world: World, press: Browser) -> None:
    _budget(world)
    _leipzig(world)
    refused = press.submit(
        f"{STAFF}/region", [("participant", "radebeul"), ("participant", "leipzig")]
    )
    assert refused.status_code == 422
    assert "derselben Region" in main_text(refused)
    assert press.submit(f"{STAFF}/region", [("participant", "dresden")]).status_code == 422
    with world.system() as db:
        assert db.scalars(select(RegionShare)).all() == []  # nothing was shared


def test_residents_of_every_participating_municipality_vote_and_one_result_counts_all(
    world: World, press: Browser, new_client: Callable[[], TestClient]
) -> None:
    process, project = _budget(world)
    _leipzig(world)
    assert press.submit(f"{STAFF}/region", [("participant", "radebeul")]).status_code == 303
    rules = press.submit(
        f"{STAFF}/teilnahme",
        {"min_age": "", "residence": "municipality", "district_rule": "residence"},
    )
    assert rules.status_code == 303, rules.text
    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)

    ballot = [("choice", str(project)), ("action", "cast")]
    from_dresden = resident_browser(new_client, world, "dd", ags=DRESDEN)
    assert "Ihr Stimmzettel wurde gezählt." in main_text(
        from_dresden.submit(f"{BASE}/abstimmung", ballot)
    )
    from_radebeul = resident_browser(new_client, world, "rb", ags=RADEBEUL, postal_code="01445")
    assert "Ihr Stimmzettel wurde gezählt." in main_text(
        from_radebeul.submit(f"{BASE}/abstimmung", ballot)
    )

    from_leipzig = resident_browser(new_client, world, "le", ags=LEIPZIG, postal_code="04109")
    page = from_leipzig.get(f"{BASE}/abstimmung")
    assert "nur Einwohnerinnen und Einwohner der beteiligten Gemeinden" in main_text(page)
    assert 'name="choice"' not in page.text  # no ballot to fill in
    refused = from_leipzig.submit(f"{BASE}/abstimmung", ballot)
    assert refused.status_code == 403
    unknown = resident_browser(new_client, world, "nobody", ags=None)
    assert unknown.submit(f"{BASE}/abstimmung", ballot).status_code == 403

    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        assert voting.result(db, found).ballots == 2
        assert voting.result(db, found).lines[0].votes == 2


def test_the_participants_are_frozen_once_voting_starts(world: World, press: Browser) -> None:
    process, _ = _budget(world)
    assert press.submit(f"{STAFF}/region", [("participant", "radebeul")]).status_code == 303
    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)
    refused = press.submit(f"{STAFF}/region", [])
    assert refused.status_code == 409
    assert "Die Abstimmung hat begonnen" in main_text(refused)
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        assert [m.slug for m in region.participants(db, found)] == ["radebeul"]
        audited = db.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "participation.rules.refused")
        ).all()
        assert audited == ["participation.rules.refused"]


def test_a_service_call_for_another_tenant_cannot_reach_the_process(world: World) -> None:
    """Radebeul's tenant scope sees the share row only, never the lead's process or ballots."""
    process, project = _budget(world)
    with world.tenant(world.dresden) as db:
        found = db.get(Process, process.id)
        assert found is not None
        lead = db.get(Municipality, world.dresden.id)
        assert lead is not None
        region.share(db, found, lead, ["radebeul"], actor="test")
    set_phase(world, process, "voting", utcnow() - DAY, utcnow() + DAY)
    with world.tenant(world.radebeul) as db:
        assert db.get(Process, process.id) is None
        assert db.get(Proposal, project) is None
        radebeul = db.get(Municipality, world.radebeul.id)
        assert radebeul is not None
        assert [s.url for s in region.shared_with(db, radebeul)] == [BASE]
