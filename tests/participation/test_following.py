"""Following a proposal by e-mail: opt-in with the citizen login's confirmed address, mails
about new comments (never to their author), official answers and the review, in the
follower's language, and a link in every mail that ends it without signing in (a GET only
shows a button, so mail scanners cannot end it)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.citizen import login as citizen_login
from smartcity.core.mail.models import OutgoingMail
from smartcity.participation import following
from smartcity.participation.models import Follow, Proposal
from tests.conftest import World
from tests.participation.conftest import add_proposal, citizen_browser, make_process
from tests.web.conftest import Browser, main_text

BASE = "/dresden/beteiligung/platz/vorschlaege"


def _with_email(new_client: Callable[[], TestClient], world: World, sub: str) -> Browser:
    client = new_client()
    with world.system() as db:
        token = citizen_login.start(
            db,
            {
                "iss": "https://id.example",
                "sub": sub,
                "name": sub,
                "email": f"{sub}@example.org",
                "email_verified": True,
            },
        )
    client.cookies.set(citizen_login.COOKIE, token)
    return Browser(client)


def _mails(world: World) -> list[OutgoingMail]:
    with world.tenant(world.dresden) as db:
        found = list(db.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))
        for mail in found:
            db.expunge(mail)
        return found


def test_followers_are_told_of_comments_answers_and_the_review(
    world: World, new_client: Callable[[], TestClient], press: Browser
) -> None:
    process = make_process(world, "platz", "comments", before=("proposals",))
    proposal = add_proposal(world, process, "Trinkbrunnen")
    anna = _with_email(new_client, world, "anna")
    page = anna.get(f"{BASE}/{proposal.id}")
    assert "Diesem Vorschlag per E-Mail folgen" in main_text(page)
    followed = anna.submit(f"{BASE}/{proposal.id}/folgen", {"action": "start"})
    assert followed.status_code == 303
    assert "Sie erhalten E-Mails zu neuen Kommentaren" in main_text(
        anna.get(f"{BASE}/{proposal.id}")
    )

    # Anna's own comment sends her nothing; Ben's does.
    own = {"body": "Gern am Eingang", "public_name": "Anna", "stance": "pro"}
    assert anna.submit(f"{BASE}/{proposal.id}/kommentare", own).status_code == 303
    assert _mails(world) == []
    ben = citizen_browser(new_client, world, "ben")
    other = {"body": "Lieber in der Mitte", "public_name": "Ben aus Pieschen", "stance": "pro"}
    assert ben.submit(f"{BASE}/{proposal.id}/kommentare", other).status_code == 303
    [mail] = _mails(world)
    assert mail.to_address == "anna@example.org"
    assert mail.subject == "Neuer Kommentar zu „Trinkbrunnen“"
    assert "Ben aus Pieschen hat den Vorschlag „Trinkbrunnen“ kommentiert" in mail.body
    assert f"{BASE}/{proposal.id}" in mail.body
    assert "id.example" not in mail.body  # no login subjects in mails

    staff = f"/dresden/verwaltung/beteiligung/platz/vorschlaege/{proposal.id}"
    answered = press.submit(f"{staff}/antwort", {"body": "Wir prüfen beide Orte."})
    assert answered.status_code == 303, main_text(answered)
    reviewed = press.submit(f"{staff}/pruefung", {"feasibility": "feasible", "cost": "8000"})
    assert reviewed.status_code == 303, main_text(reviewed)
    subjects = [m.subject for m in _mails(world)]
    assert subjects[1:] == [
        "Antwort der Verwaltung zu „Trinkbrunnen“",
        "„Trinkbrunnen“ wurde geprüft",
    ]

    # The link in the first mail still works after later mails (it is the same in each); a
    # GET shows a button and changes nothing, the POST ends it.
    links = [re.search(r"https?://\S+/abbestellen/(\S+)", m.body) for m in _mails(world)]
    assert all(links)
    assert len({found.group(1) for found in links if found}) == 1
    link = links[0]
    assert link is not None
    stop = f"/dresden/beteiligung/abbestellen/{link.group(1)}"
    visitor = Browser(new_client())
    shown = visitor.get(stop)
    assert shown.status_code == 200
    assert "Sie erhalten E-Mails zum Vorschlag „Trinkbrunnen“." in main_text(shown)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Follow)) == 1
    ended = visitor.submit(stop, {})
    assert "Sie erhalten keine E-Mails mehr zu diesem Vorschlag." in main_text(ended)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Follow)) == 0
    assert visitor.get(stop).status_code == 404
    assert visitor.get("/dresden/beteiligung/abbestellen/nichts").status_code == 404


def test_without_a_confirmed_address_there_is_nothing_to_follow_with(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process = make_process(world, "platz", "comments", before=("proposals",))
    proposal = add_proposal(world, process, "Trinkbrunnen")
    carl = citizen_browser(new_client, world, "carl")  # the provider sent no e-mail address
    assert "keine bestätigte E-Mail-Adresse" in main_text(carl.get(f"{BASE}/{proposal.id}"))
    refused = carl.submit(f"{BASE}/{proposal.id}/folgen", {"action": "start"})
    assert refused.status_code == 422
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Follow)) == 0


def test_an_unsubscribe_link_works_only_in_its_own_municipality(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process = make_process(world, "platz", "comments", before=("proposals",))
    proposal = add_proposal(world, process, "Trinkbrunnen")
    with world.tenant(world.dresden) as db:
        found = db.get(Proposal, proposal.id)
        assert found is not None
        following.follow(
            db,
            found,
            citizen_subject="https://id.example|anna",
            email="a@example.org",
            language="de",
        )
        token = following.token_of(
            world.platform.settings.require_secret_key(), db.scalars(select(Follow)).one()
        )
    visitor = Browser(new_client())
    # Radebeul's address with Dresden's link: not found there, and nothing of Dresden ends.
    assert visitor.get(f"/radebeul/beteiligung/abbestellen/{token}").status_code == 404
    visitor.submit(f"/radebeul/beteiligung/abbestellen/{token}", {})
    # A forged link (another id with this link's code) ends nothing either.
    number, _, mac = token.partition("-")
    assert (
        visitor.get(f"/dresden/beteiligung/abbestellen/{int(number) + 1}-{mac}").status_code == 404
    )
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Follow)) == 1
    assert visitor.get(f"/dresden/beteiligung/abbestellen/{token}").status_code == 200
