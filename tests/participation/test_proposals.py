"""Citizens make proposals, support them and discuss them, each only in the phase that allows
it: the service refuses what the phase does not allow, whatever a page shows."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.participation.models import Comment, Proposal, Support
from tests.conftest import World
from tests.participation.conftest import add_proposal, citizen_browser, make_process
from tests.web.conftest import main_text

BASE = "/dresden/beteiligung"


def _count(world: World, model: type) -> int:
    with world.tenant(world.dresden) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_citizen_makes_a_proposal_with_a_place_and_sees_it_on_the_process_page(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "altmarkt", "proposals", others=("support", "review"), categories=("Grün",))
    anna = citizen_browser(new_client, world, "anna")
    form = anna.get(f"{BASE}/altmarkt/neu")
    assert form.status_code == 200
    assert 'name="title"' in form.text
    sent = anna.submit(
        f"{BASE}/altmarkt/neu",
        {
            "title": "Schatten für den Altmarkt",
            "text": "<p>Mehr <strong>Bäume</strong></p><script>alert(1)</script>"
            "<img src=x onerror=alert(2)>",
            "public_name": "Baumfreundin",
            "category": "Grün",
            "lat": "51,0503",
            "lon": "13.7381",
        },
    )
    assert sent.status_code == 303, sent.text
    page = anna.get(sent.headers["location"])
    assert page.status_code == 200
    assert "<strong>Bäume</strong>" in page.text
    assert "<script>alert(1)" not in page.text
    assert "onerror" not in page.text
    assert "Baumfreundin" in page.text
    listing = anna.get(f"{BASE}/altmarkt")
    assert "Schatten für den Altmarkt" in listing.text
    assert "Zeitplan" in listing.text  # the timeline
    geo = anna.get(f"{BASE}/altmarkt/vorschlaege.geojson").json()
    assert geo["features"][0]["geometry"]["coordinates"] == [13.7381, 51.0503]
    with world.tenant(world.dresden) as db:
        stored = db.scalar(select(Proposal))
        assert stored is not None
        assert stored.author_subject == "https://id.example|anna"


def test_proposals_are_refused_outside_the_proposal_phase_and_without_a_login(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "info", "information", others=("proposals",))
    anna = citizen_browser(new_client, world, "anna")
    form = anna.get(f"{BASE}/info/neu")
    assert "können in der aktuellen Phase" in main_text(form)
    refused = anna.submit(
        f"{BASE}/info/neu", {"title": "Idee", "text": "Text", "public_name": "Anna"}
    )
    assert refused.status_code == 409
    assert "Vorschläge können in der aktuellen Phase" in main_text(refused)
    anonymous = citizen_browser(new_client, world, "x")
    anonymous.client.cookies.clear()
    to_login = anonymous.submit(f"{BASE}/info/neu", {"title": "Idee"})
    assert to_login.status_code == 303
    assert to_login.headers["location"] == "/citizen/login?next=/dresden/beteiligung/info/neu"
    assert _count(world, Proposal) == 0


def test_a_proposal_with_errors_is_shown_again_with_its_messages(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    sent = anna.submit(
        f"{BASE}/altmarkt/neu", {"title": "", "text": "<script>x</script>", "public_name": ""}
    )
    assert sent.status_code == 422
    text = main_text(sent)
    assert "Bitte geben Sie einen Titel ein." in text
    assert 'id="fehlerliste"' in sent.text
    assert _count(world, Proposal) == 0


def test_supports_count_once_per_citizen_and_only_in_the_support_phase(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process = make_process(world, "platz", "support", before=("proposals",), support_threshold=2)
    proposal = add_proposal(world, process)
    path = f"{BASE}/platz/vorschlaege/{proposal.id}"
    anna = citizen_browser(new_client, world, "anna")
    ben = citizen_browser(new_client, world, "ben")
    assert anna.submit(f"{path}/unterstuetzen").status_code == 303
    assert anna.submit(f"{path}/unterstuetzen").status_code == 303  # again: still one
    page = anna.get(path)
    assert "1 Unterstützungen" in main_text(page) or "1 Unterstützung" in main_text(page)
    assert "Sie unterstützen diesen Vorschlag." in main_text(page)
    assert ben.submit(f"{path}/unterstuetzen").status_code == 303
    assert "hat die 2 Unterstützungen erreicht" in main_text(ben.get(path))
    assert _count(world, Support) == 2

    other = make_process(world, "nachher", "comments", before=("proposals",))
    late = add_proposal(world, other, "Später")
    refused = anna.submit(f"{BASE}/nachher/vorschlaege/{late.id}/unterstuetzen")
    assert refused.status_code == 409
    assert _count(world, Support) == 2


def test_threaded_comments_with_stances_official_answers_and_sorting(
    world: World, new_client: Callable[[], TestClient], press: object
) -> None:
    process = make_process(world, "platz", "proposals")
    proposal = add_proposal(world, process)
    path = f"{BASE}/platz/vorschlaege/{proposal.id}"
    anna = citizen_browser(new_client, world, "anna")
    ben = citizen_browser(new_client, world, "ben")
    first = anna.submit(
        f"{path}/kommentare", {"body": "Bin dafür.", "stance": "pro", "public_name": "Anna"}
    )
    assert first.status_code == 303, first.text
    second = ben.submit(
        f"{path}/kommentare", {"body": "Zu teuer.", "stance": "contra", "public_name": "Ben"}
    )
    assert second.status_code == 303
    with world.tenant(world.dresden) as db:
        ids = {c.body: c.id for c in db.scalars(select(Comment))}
    reply = anna.submit(
        f"{path}/kommentare",
        {
            "body": "Die Stadt hat Fördermittel.",
            "stance": "neutral",
            "public_name": "Anna",
            "parent": str(ids["Zu teuer."]),
        },
    )
    assert reply.status_code == 303
    assert ben.submit(f"{path}/kommentare/{ids['Bin dafür.']}/unterstuetzen").status_code == 303

    from tests.web.conftest import Browser

    assert isinstance(press, Browser)
    answer = press.submit(
        f"/dresden/verwaltung/beteiligung/platz/vorschlaege/{proposal.id}/antwort",
        {"body": "Wir prüfen den Vorschlag bis Ende Mai."},
    )
    assert answer.status_code == 303, answer.text

    newest = main_text(anna.get(path))
    assert "Offizielle Antwort der Verwaltung" in newest
    assert "Pro" in newest
    assert "Contra" in newest
    assert newest.index("Wir prüfen") < newest.index("Bin dafür.")  # newest first
    supported = main_text(anna.get(f"{path}?sortierung=supported"))
    assert supported.index("Bin dafür.") < supported.index("Zu teuer.")
    # The reply sits under the comment it answers.
    page = anna.get(path).text
    parent = page.index(f'id="kommentar-{ids["Zu teuer."]}"')
    assert parent < page.index("Die Stadt hat Fördermittel.")

    wrong = ben.submit(f"{path}/kommentare", {"body": "", "stance": "dafür", "public_name": ""})
    assert wrong.status_code == 422
    assert "Bitte schreiben Sie Ihren Kommentar." in main_text(wrong)


def test_another_municipalitys_process_is_not_found(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process = make_process(world, "altmarkt", "proposals")
    proposal = add_proposal(world, process)
    anna = citizen_browser(new_client, world, "anna")
    assert anna.get("/radebeul/beteiligung/altmarkt").status_code == 404
    assert anna.get(f"/radebeul/beteiligung/altmarkt/vorschlaege/{proposal.id}").status_code == 404
    make_process(world, "eigenes", "proposals", municipality=world.radebeul)
    assert anna.get(f"/radebeul/beteiligung/eigenes/vorschlaege/{proposal.id}").status_code == 404
    assert (
        anna.submit(
            f"/radebeul/beteiligung/eigenes/vorschlaege/{proposal.id}/unterstuetzen"
        ).status_code
        == 404
    )


def test_concurrent_supports_of_one_citizen_count_once(world: World) -> None:
    import threading

    from smartcity.participation import services
    from smartcity.participation.models import Process

    process = make_process(world, "platz", "support", before=("proposals",))
    proposal = add_proposal(world, process)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def support() -> None:
        try:
            barrier.wait(timeout=30)
            with world.tenant(world.dresden) as db:
                found = db.get(Proposal, proposal.id)
                assert found is not None
                services.support(db, found, citizen_subject="https://id.example|anna")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=support) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _count(world, Support) == 1
    with world.tenant(world.dresden) as db:
        stored = db.get(Proposal, proposal.id)
        assert stored is not None
        assert stored.supports == 1
        assert db.get(Process, process.id) is not None
