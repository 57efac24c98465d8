"""Blocked accounts and the word list: a blocked citizen can no longer propose, support or
comment in that municipality (until the block is lifted; both audited); a post containing a
listed word is held for review — its author sees "wird geprüft", nobody else sees it on any
page, API, map, feed, export or open-data table, no follower is mailed — until a moderator
publishes or hides it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.mail.models import OutgoingMail
from smartcity.participation import blocking, following
from smartcity.participation.models import Block, Comment, Proposal
from tests.conftest import World
from tests.participation.conftest import add_proposal, citizen_browser, make_process
from tests.participation.test_moderation import BASE, QUEUE, _open_data
from tests.web.conftest import Browser, main_text

API = "/dresden/api/v1/participation/processes/altmarkt"


def _channels(reader: Browser, world: World, proposal_id: int) -> dict[str, str]:
    """Everything a reader, a harvester or the map can get of the process."""
    return {
        "process page": reader.get(BASE).text,
        "proposal page": reader.get(f"{BASE}/vorschlaege/{proposal_id}").text,
        "csv": reader.get(f"{BASE}/vorschlaege.csv").text,
        "geojson": reader.get(f"{BASE}/vorschlaege.geojson").text,
        "map layer": reader.get("/dresden/karten/beteiligung.geojson").text,
        "api list": reader.get(f"{API}/proposals").text,
        "api proposal": reader.get(f"{API}/proposals/{proposal_id}").text,
        "open data": _open_data(world),
    }


def _set_words(moderator: Browser, words: str) -> None:
    assert moderator.submit(f"{QUEUE}/woerter", {"words": words}).status_code == 303


def test_a_post_with_a_listed_word_is_held_until_the_moderation_publishes_it(
    world: World, new_client: Callable[[], TestClient], moderator: Browser
) -> None:
    process = make_process(world, "altmarkt", "proposals")
    _set_words(moderator, "Vollpfosten\n  vollpfosten \nDumme Idee\n")
    with world.tenant(world.dresden) as db:
        assert blocking.words(db) == ["dumme idee", "vollpfosten"]
    anna = citizen_browser(new_client, world, "anna")
    made = anna.submit(
        f"{BASE}/neu",
        {
            "title": "Parkplatz für Vollpfosten",
            "text": "Mehr Stellplätze am Altmarkt.",
            "public_name": "Anna",
            "lat": "51.05",
            "lon": "13.74",
        },
    )
    assert made.status_code == 303
    with world.tenant(world.dresden) as db:
        held = db.scalar(select(Proposal))
        assert held is not None
        assert held.held_at is not None
        held_id = held.id
    # Its author sees it, marked as being checked.
    own = anna.get(f"{BASE}/vorschlaege/{held_id}")
    assert own.status_code == 200
    assert "Ihr Vorschlag wird geprüft" in main_text(own)
    # Nobody else: not as a page, in the API, on the map, in an export or the open data.
    ben = citizen_browser(new_client, world, "ben")
    for where, text in _channels(ben, world, held_id).items():
        assert "Vollpfosten" not in text, where
    assert ben.get(f"{BASE}/vorschlaege/{held_id}").status_code == 404
    assert ben.get(f"{API}/proposals/{held_id}").status_code == 404
    # A whole word only: "Klassenzimmer" is not held for a listed "Klasse".
    _set_words(moderator, "Klasse")
    fine = add_proposal(world, process, "Klassenzimmer im Freien", sub="carla")
    assert "Klassenzimmer im Freien" in ben.get(BASE).text
    _set_words(moderator, "Vollpfosten\nDumme Idee")

    queue = main_text(moderator.get(QUEUE))
    assert "Parkplatz für Vollpfosten" in queue
    assert "„vollpfosten“" in queue
    published = moderator.submit(
        QUEUE,
        {"action": "release", "target_type": "proposal", "target_id": str(held_id)},
    )
    assert published.status_code == 303
    for where, text in _channels(ben, world, held_id).items():
        if where != "open data":  # the catalogue leaves titles (free text) out
            assert "Vollpfosten" in text, where
    with world.tenant(world.dresden) as db:
        actions = list(
            db.scalars(
                select(AuditEntry.action)
                .where(
                    AuditEntry.action.in_(
                        ("participation.words.set", "participation.moderation.release")
                    )
                )
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["participation.words.set"] * 3 + ["participation.moderation.release"]
    assert fine.id != held_id


def _follow(world: World, proposal_id: int, subject: str, email: str = "") -> None:
    with world.tenant(world.dresden) as db:
        proposal = db.get(Proposal, proposal_id)
        assert proposal is not None
        following.follow(
            db,
            proposal,
            citizen_subject=subject,
            email=email or f"{subject}@example.org",
            language="de",
        )


def _mails_to(world: World, address: str) -> list[OutgoingMail]:
    with world.system() as db:
        found = list(db.scalars(select(OutgoingMail).where(OutgoingMail.to_address == address)))
        for mail in found:
            db.expunge(mail)
        return found


def test_a_released_comment_is_mailed_to_the_followers_like_a_published_one(
    world: World, new_client: Callable[[], TestClient], moderator: Browser
) -> None:
    process = make_process(world, "altmarkt", "proposals")
    proposal = add_proposal(world, process)
    _set_words(moderator, "Dumme Idee")
    _follow(world, proposal.id, "anna")
    ben = citizen_browser(new_client, world, "ben")
    written = ben.submit(
        f"{BASE}/vorschlaege/{proposal.id}/kommentare",
        {"body": "Keine dumme Idee, finde ich.", "stance": "pro", "public_name": "Ben"},
    )
    assert written.status_code == 303
    assert _mails_to(world, "anna@example.org") == []  # held: nobody's news yet
    with world.tenant(world.dresden) as db:
        comment = db.scalar(select(Comment))
        assert comment is not None
        assert comment.held_at is not None
        comment_id = comment.id
        author = comment.author_subject
    assert author is not None
    _follow(world, proposal.id, author, "ben@example.org")  # its author follows too
    released = moderator.submit(
        QUEUE, {"action": "release", "target_type": "comment", "target_id": str(comment_id)}
    )
    assert released.status_code == 303
    assert released.headers["location"].endswith("/moderation#zurueckgehalten")
    mails = _mails_to(world, "anna@example.org")
    assert len(mails) == 1
    assert "Ben hat den Vorschlag „Mehr Bäume“ kommentiert" in mails[0].body
    assert _mails_to(world, "ben@example.org") == []  # not to its author


def test_a_held_comment_is_shown_to_its_author_only_and_mails_nobody(
    world: World, new_client: Callable[[], TestClient], moderator: Browser
) -> None:
    process = make_process(world, "altmarkt", "proposals")
    proposal = add_proposal(world, process)
    path = f"{BASE}/vorschlaege/{proposal.id}"
    _set_words(moderator, "Dumme Idee")
    anna = citizen_browser(new_client, world, "anna")
    _follow(world, proposal.id, "anna")  # a follower, who would be mailed a published comment
    with world.system() as db:
        before = len(list(db.scalars(select(OutgoingMail))))
    ben = citizen_browser(new_client, world, "ben")
    written = ben.submit(
        f"{path}/kommentare",
        {"body": "Das ist eine DUMME  Idee.", "stance": "contra", "public_name": "Ben"},
    )
    assert written.status_code == 303
    assert "Ihr Kommentar wird geprüft." in main_text(ben.get(path))
    page = main_text(anna.get(path))
    assert "DUMME" not in page
    assert "DUMME" not in anna.get(f"{API}/proposals/{proposal.id}").text
    assert '"comments":0' in anna.get(f"{API}/proposals").text.replace(" ", "")
    with world.system() as db:
        assert len(list(db.scalars(select(OutgoingMail)))) == before
    with world.tenant(world.dresden) as db:
        comment = db.scalar(select(Comment))
        assert comment is not None
        comment_id = comment.id
    # An answer to it, or a support of it, is refused: nobody else can see it.
    answer = anna.submit(
        f"{path}/kommentare",
        {
            "body": "Finde ich nicht",
            "stance": "pro",
            "public_name": "Anna",
            "parent": str(comment_id),
        },
    )
    assert answer.status_code == 422
    assert anna.submit(f"{path}/kommentare/{comment_id}/unterstuetzen").status_code == 404
    hidden = moderator.submit(
        QUEUE,
        {
            "action": "hide",
            "target_type": "comment",
            "target_id": str(comment_id),
            "reason": "Beleidigung",
        },
    )
    assert hidden.status_code == 303
    assert "Entfernt von der Moderation: Beleidigung" in main_text(anna.get(path))
    assert "Kein Beitrag wird zur Prüfung zurückgehalten." in main_text(moderator.get(QUEUE))


def test_a_blocked_account_can_no_longer_post_support_or_comment_until_unblocked(
    world: World, new_client: Callable[[], TestClient], moderator: Browser
) -> None:
    process = make_process(world, "altmarkt", "proposals")
    troll = add_proposal(world, process, "Alles Mist", sub="troll", public_name="Trolli")
    other = add_proposal(world, process, "Mehr Bänke", sub="ben")
    without_reason = moderator.submit(
        f"{QUEUE}/sperren",
        {"target_type": "proposal", "target_id": str(troll.id), "reason": ""},
    )
    assert without_reason.status_code == 422
    assert "Bitte geben Sie den Grund für die Sperre an." in main_text(without_reason)
    blocked = moderator.submit(
        f"{QUEUE}/sperren",
        {
            "target_type": "proposal",
            "target_id": str(troll.id),
            "reason": "Wiederholte Beleidigungen",
        },
    )
    assert blocked.status_code == 303
    queue = main_text(moderator.get(QUEUE))
    assert "Trolli – Wiederholte Beleidigungen" in queue
    assert "https://id.example" not in moderator.get(QUEUE).text  # the subject is never shown

    troll_browser = citizen_browser(new_client, world, "troll")
    refused = troll_browser.submit(
        f"{BASE}/neu", {"title": "Noch mehr Mist", "text": "x", "public_name": "Trolli"}
    )
    assert refused.status_code == 403
    assert "Ihr Konto ist für Beiträge zur Bürgerbeteiligung dieser Kommune gesperrt." in (
        main_text(refused)
    )
    assert (
        troll_browser.submit(
            f"{BASE}/vorschlaege/{other.id}/kommentare",
            {"body": "Mist", "stance": "contra", "public_name": "Trolli"},
        ).status_code
        == 403
    )
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(Proposal).where(Proposal.title == "Noch mehr Mist")) is None
        assert db.scalar(select(Comment)) is None
    # Only in Dresden: the same account elsewhere is not blocked.
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(Block.citizen_subject)) == "https://id.example|troll"
    with world.tenant(world.radebeul) as db:
        blocking.require_not_blocked(db, "https://id.example|troll")

    with world.tenant(world.dresden) as db:
        block_id = db.scalar(select(Block.id))
    lifted = moderator.submit(f"{QUEUE}/sperren/{block_id}/aufheben")
    assert lifted.status_code == 303
    assert "Kein Konto ist gesperrt." in main_text(moderator.get(QUEUE))
    again = troll_browser.submit(
        f"{BASE}/vorschlaege/{other.id}/kommentare",
        {"body": "Doch ganz gut", "stance": "pro", "public_name": "Trolli"},
    )
    assert again.status_code == 303
    with world.tenant(world.dresden) as db:
        actions = list(
            db.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("participation.account.%"))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["participation.account.block", "participation.account.unblock"]


def test_a_blocked_account_cannot_support_and_only_moderators_block(
    world: World, new_client: Callable[[], TestClient], moderator: Browser, press: Browser
) -> None:
    process = make_process(world, "altmarkt", "support", before=("proposals",))
    mine = add_proposal(world, process, "Brunnen", sub="troll")
    other = add_proposal(world, process, "Bänke", sub="ben")
    assert (
        press.submit(
            f"{QUEUE}/sperren",
            {"target_type": "proposal", "target_id": str(mine.id), "reason": "x"},
        ).status_code
        == 403
    )
    assert (
        moderator.submit(
            f"{QUEUE}/sperren",
            {"target_type": "proposal", "target_id": str(mine.id), "reason": "Spam"},
        ).status_code
        == 303
    )
    troll = citizen_browser(new_client, world, "troll")
    assert troll.submit(f"{BASE}/vorschlaege/{other.id}/unterstuetzen").status_code == 403
    with world.tenant(world.dresden) as db:
        found = db.get(Proposal, other.id)
        assert found is not None
        assert found.supports == 0
    too_long = moderator.submit(f"{QUEUE}/woerter", {"words": "x" * 101})
    assert too_long.status_code == 422
    assert "höchstens 100 Zeichen" in main_text(too_long)
    with world.tenant(world.dresden) as db:
        assert blocking.words(db) == []
