"""The public participation API: processes with their phases, proposals with their review and
comment threads, and a budget's result once voting has closed — never anything the
moderation hid, never a citizen's identity, never another municipality's process."""

from __future__ import annotations

from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.participation import services
from smartcity.participation.models import Proposal
from tests.conftest import World
from tests.participation.conftest import DAY, add_proposal, make_process, set_phase
from tests.participation.test_voting import COSTS, _budget

API = "/dresden/api/v1/participation"


def _comment(world: World, proposal: Proposal, body: str, **fields: object) -> int:
    with world.tenant(world.dresden) as db:
        found = db.get(Proposal, proposal.id)
        assert found is not None
        comment = services.add_comment(
            db,
            found,
            services.CommentInput(body=body, public_name="Ben", **fields),  # type: ignore[arg-type]
            citizen_subject="https://id.example|ben",
        )
        return comment.id


def test_processes_and_proposals_as_json(world: World, client: TestClient) -> None:
    process = make_process(
        world,
        "markt",
        "support",
        before=("proposals",),
        others=("review",),
        support_threshold=2,
        categories=["Grün", "Verkehr"],
    )
    trees = add_proposal(world, process, "Mehr Bäume", category="Grün", lat=51.05, lon=13.74)
    add_proposal(world, process, "Trinkbrunnen", sub="ben", public_name="B. aus Pieschen")
    with world.tenant(world.dresden) as db:
        found = db.get(Proposal, trees.id)
        assert found is not None
        for sub in ("x", "y"):
            services.support(db, found, citizen_subject=f"https://id.example|{sub}")
    answer = _comment(world, trees, "Gute Idee", stance="pro")

    listed = client.get(f"{API}/processes")
    assert listed.status_code == 200
    [summary] = listed.json()
    assert summary["slug"] == "markt"
    assert summary["current_phase"] == "support"
    assert [p["kind"] for p in summary["phases"]] == ["proposals", "support", "review"]
    assert summary["phases"][1]["allows"] == ["comment", "support"]
    assert summary["budget_cents"] is None
    assert summary["voting_rule"] is None

    page = client.get(f"{API}/processes/markt/proposals", params={"sort": "supported"})
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 2
    first = body["items"][0]
    assert (first["title"], first["supports"], first["threshold_reached"]) == (
        "Mehr Bäume",
        2,
        True,
    )
    assert (first["lat"], first["lon"], first["category"], first["comments"]) == (
        51.05,
        13.74,
        "Grün",
        1,
    )
    assert body["items"][1]["author"] == "B. aus Pieschen"
    assert "id.example" not in page.text  # the citizen's login subject never leaves

    detail = client.get(f"{API}/processes/markt/proposals/{trees.id}").json()
    assert detail["thread"][0]["id"] == answer
    assert detail["thread"][0]["body"] == "Gute Idee"
    assert detail["thread"][0]["stance"] == "pro"

    paged = client.get(
        f"{API}/processes/markt/proposals", params={"limit": 1, "offset": 1, "sort": "supported"}
    )
    assert [p["title"] for p in paged.json()["items"]] == ["Trinkbrunnen"]
    # The total counts every match, not the page; a category narrows both.
    assert (paged.json()["total"], paged.json()["limit"], paged.json()["offset"]) == (2, 1, 1)
    green = client.get(f"{API}/processes/markt/proposals", params={"category": "Grün"}).json()
    assert (green["total"], [p["title"] for p in green["items"]]) == (1, ["Mehr Bäume"])
    beyond = client.get(f"{API}/processes/markt/proposals", params={"offset": 5}).json()
    assert (beyond["total"], beyond["items"]) == (2, [])


def test_what_the_moderation_hid_never_leaves(world: World, client: TestClient) -> None:
    process = make_process(world, "platz", "comments", before=("proposals",))
    kept = add_proposal(world, process, "Sitzbänke")
    removed = add_proposal(world, process, "Werbung für meinen Laden", sub="spam")
    rude = _comment(world, kept, "Beleidigender Text")
    reply = _comment(world, kept, "Bitte sachlich bleiben", parent_id=rude)
    with world.tenant(world.dresden) as db:
        services.hide(db, "proposal", removed.id, reason="Werbung", actor="test")
        services.hide(db, "comment", rude, reason="Beleidigung", actor="test")

    listed = client.get(f"{API}/processes/platz/proposals").json()
    assert [p["title"] for p in listed["items"]] == ["Sitzbänke"]
    assert listed["total"] == 1  # the hidden proposal is not counted either
    gone = client.get(f"{API}/processes/platz/proposals/{removed.id}")
    assert gone.status_code == 410
    assert "Werbung" in gone.json()["detail"]
    assert "meinen Laden" not in gone.text

    thread = client.get(f"{API}/processes/platz/proposals/{kept.id}").json()["thread"]
    assert thread[0]["hidden"] is True
    assert thread[0]["hidden_reason"] == "Beleidigung"
    assert thread[0]["body"] is None
    assert thread[0]["author"] is None
    assert thread[0]["replies"][0]["id"] == reply
    assert thread[0]["replies"][0]["body"] == "Bitte sachlich bleiben"


def test_the_result_only_after_voting_closed(world: World, client: TestClient) -> None:
    process, ids = _budget(world)
    early = client.get(f"{API}/processes/haushalt/result")
    assert early.status_code == 409
    assert "Abstimmung" in early.json()["detail"] or "voting" in early.json()["detail"]
    set_phase(world, process, "voting", utcnow() - 2 * DAY, utcnow() - DAY)

    result = client.get(f"{API}/processes/haushalt/result")
    assert result.status_code == 200
    body = result.json()
    assert body["ballots"] == 0
    assert body["budget_cents"] == 80_000_00
    assert {line["proposal_id"] for line in body["lines"]} == set(ids.values())
    assert {line["title"]: line["cost_cents"] for line in body["lines"]} == COSTS
    assert client.get(f"{API}/processes/haushalt").json()["result_published"] is True


def test_unknown_and_foreign_processes_are_not_found(world: World, client: TestClient) -> None:
    make_process(world, "nur-radebeul", "proposals", municipality=world.radebeul)
    assert client.get(f"{API}/processes/nur-radebeul").status_code == 404
    assert client.get(f"{API}/processes/nope/proposals").status_code == 404
    assert client.get(f"{API}/processes").json() == []
    assert client.get(f"{API}/processes/x/proposals", params={"limit": 0}).status_code == 422
    radebeul = client.get("/radebeul/api/v1/participation/processes").json()
    assert [p["slug"] for p in radebeul] == ["nur-radebeul"]
