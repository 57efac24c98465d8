"""Citizens report contributions, moderators hide them with a public reason: a hidden proposal
is in no page, map, export or open-data table (the leak Decidim #6398 described), until it is
restored. Everything the moderation does is audited."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.modules import installed_modules
from smartcity.participation.models import Comment
from tests.conftest import World
from tests.participation.conftest import add_proposal, citizen_browser, make_process
from tests.web.conftest import Browser, main_text

BASE = "/dresden/beteiligung/altmarkt"
QUEUE = "/dresden/verwaltung/beteiligung/moderation"


def _open_data(world: World) -> str:
    """Every open-data table of the module, as text."""
    datasets = installed_modules().datasets()
    with world.tenant(world.dresden) as db:
        rows = []
        for key in (
            "participation.beteiligung-vorschlaege",
            "participation.buergerhaushalt-ergebnisse",
        ):
            table = datasets[key].table
            assert table is not None
            rows += table(db, world.dresden, utcnow()).rows
    return repr(rows)


def _everywhere(anna: Browser, world: World, proposal_id: int) -> dict[str, str]:
    return {
        "process page": anna.get(BASE).text,
        "list page": anna.get("/dresden/beteiligung").text,
        "csv": anna.get(f"{BASE}/vorschlaege.csv").text,
        "geojson": anna.get(f"{BASE}/vorschlaege.geojson").text,
        "map layer": anna.get("/dresden/karten/beteiligung.geojson").text,
        "open data": _open_data(world),
    }


def test_a_reported_proposal_hidden_by_the_moderator_leaves_every_page_and_export(
    world: World, new_client: Callable[[], TestClient], moderator: Browser
) -> None:
    process = make_process(world, "altmarkt", "proposals")
    bad = add_proposal(world, process, "Beleidigender Vorschlag", lat=51.05, lon=13.74)
    good = add_proposal(world, process, "Mehr Bänke", sub="ben", lat=51.06, lon=13.75)
    anna = citizen_browser(new_client, world, "anna")
    before = _everywhere(anna, world, bad.id)
    for where, text in before.items():
        if where != "list page":
            assert "Beleidigender Vorschlag" in text, where

    reported = anna.submit(
        f"{BASE}/melden",
        {
            "target_type": "proposal",
            "target_id": str(bad.id),
            "proposal": str(bad.id),
            "reason": "beleidigend",
        },
    )
    assert reported.status_code == 200
    assert "Vielen Dank" in reported.text
    queue = moderator.get(QUEUE)
    assert queue.status_code == 200
    assert "Beleidigender Vorschlag" in queue.text
    assert "beleidigend" in queue.text

    missing_reason = moderator.submit(
        QUEUE, {"action": "hide", "target_type": "proposal", "target_id": str(bad.id), "reason": ""}
    )
    assert missing_reason.status_code == 422
    hidden = moderator.submit(
        QUEUE,
        {
            "action": "hide",
            "target_type": "proposal",
            "target_id": str(bad.id),
            "reason": "Beleidigung",
        },
    )
    assert hidden.status_code == 303

    after = _everywhere(anna, world, bad.id)
    for where, text in after.items():
        assert "Beleidigender Vorschlag" not in text, where
        if where not in ("list page", "open data"):
            assert "Mehr Bänke" in text, where
    gone = anna.get(f"{BASE}/vorschlaege/{bad.id}")
    assert gone.status_code == 410
    assert "Grund: Beleidigung" in main_text(gone)
    assert "Beleidigender Vorschlag" not in gone.text
    # Nothing can be done with it any more.
    assert (
        anna.submit(
            f"{BASE}/vorschlaege/{bad.id}/kommentare",
            {"body": "x", "stance": "pro", "public_name": "A"},
        ).status_code
        == 410
    )
    assert "Nichts wartet auf die Moderation." in main_text(moderator.get(QUEUE))

    restored = moderator.submit(
        QUEUE, {"action": "restore", "target_type": "proposal", "target_id": str(bad.id)}
    )
    assert restored.status_code == 303
    assert anna.get(f"{BASE}/vorschlaege/{bad.id}").status_code == 200
    with world.tenant(world.dresden) as db:
        actions = list(
            db.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.action.like("participation.moderation.%")
                )
            )
        )
    assert actions == ["participation.moderation.hide", "participation.moderation.restore"]
    assert good.id != bad.id


def test_a_hidden_comment_shows_only_the_public_reason(
    world: World, new_client: Callable[[], TestClient], moderator: Browser
) -> None:
    process = make_process(world, "altmarkt", "proposals")
    proposal = add_proposal(world, process)
    path = f"{BASE}/vorschlaege/{proposal.id}"
    anna = citizen_browser(new_client, world, "anna")
    anna.submit(
        f"{path}/kommentare",
        {"body": "Ihr seid alle Idioten", "stance": "contra", "public_name": "Troll"},
    )
    with world.tenant(world.dresden) as db:
        comment = db.scalar(select(Comment))
        assert comment is not None
        comment_id = comment.id
    ben = citizen_browser(new_client, world, "ben")
    assert (
        ben.submit(
            f"{BASE}/melden",
            {
                "target_type": "comment",
                "target_id": str(comment_id),
                "proposal": str(proposal.id),
                "reason": "Beleidigung",
            },
        ).status_code
        == 200
    )
    assert (
        moderator.submit(
            QUEUE,
            {
                "action": "hide",
                "target_type": "comment",
                "target_id": str(comment_id),
                "reason": "Beleidigung",
            },
        ).status_code
        == 303
    )
    page = main_text(ben.get(path))
    assert "Ihr seid alle Idioten" not in page
    assert "Entfernt von der Moderation: Beleidigung" in page


def test_only_moderators_and_administrators_moderate(
    world: World, new_client: Callable[[], TestClient], press: Browser
) -> None:
    anna = citizen_browser(new_client, world, "anna")
    assert anna.get(QUEUE, follow_redirects=False).status_code == 303  # to the staff login
    assert press.get(QUEUE).status_code == 403
    admin = Browser(new_client())
    assert admin.login("dd.admin").status_code == 303
    assert admin.get(QUEUE).status_code == 200
    rb_admin = Browser(new_client())
    assert rb_admin.login("rb.admin").status_code == 303
    assert rb_admin.get(QUEUE).status_code == 403
