"""Search across the council's papers and their files' texts: the text of an uploaded PDF is
extracted, served in OParl's `text`, and found (German stemming on PostgreSQL, prefixes on
SQLite); a non-public paper or file is never a hit for the public, only for councillors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from smartcity.core.portal import Portal
from smartcity.council import search, services
from smartcity.council.demo import Seeded, pdf
from smartcity.council.models import CouncilFile, Paper
from tests.conftest import World
from tests.council.conftest import fetch
from tests.web.conftest import Browser


def test_text_is_extracted_from_uploaded_pdfs_and_served_in_oparl(
    client: TestClient, council: Seeded
) -> None:
    paper = council.papers[2]  # Radverkehrskonzept: its PDF speaks of Fahrradstraßen
    found = fetch(client, f"http://testserver/dresden/oparl/v1.1/paper/{paper.id}")
    main = found["mainFile"]
    assert "Fahrradstraßen" in main["text"]
    assert "Abstellbügel" in fetch(client, main["id"])["text"]
    assert search.extract_text(b"%PDF-1.4 broken") == ""
    assert search.extract_text(pdf("Titel", ["Ein Satz mit Wörtern."])).endswith("Wörtern.")


def test_citizens_find_papers_by_the_text_of_their_files(
    client: TestClient, council: Seeded
) -> None:
    paper = council.papers[2]
    page = client.get("/dresden/ratsinfo/suche", params={"q": "Abstellbügel"})
    assert page.status_code == 200
    assert f'href="/dresden/ratsinfo/vorlagen/{paper.id}"' in page.text
    assert "Abstellbügel" in page.text  # the excerpt of the file
    assert "2 Treffer" in page.text  # the paper and its second reading
    # By title and reference too; words of several papers find each.
    assert (
        f"/ratsinfo/vorlagen/{paper.id}"
        in client.get("/dresden/ratsinfo/suche", params={"q": "Radverkehrskonzept"}).text
    )
    by_reference = client.get("/dresden/ratsinfo/suche", params={"q": paper.reference}).text
    assert f"/ratsinfo/vorlagen/{paper.id}" in by_reference
    nothing = client.get("/dresden/ratsinfo/suche", params={"q": "Quantenchromodynamik"})
    assert "Nichts gefunden" in nothing.text
    # Input that is not a word, or a search syntax, is no error.
    for odd in ('"', "NEAR(", "*", "a OR", "-x", "' OR 1=1 --", "ö" * 200):
        assert client.get("/dresden/ratsinfo/suche", params={"q": odd}).status_code == 200
    assert client.get("/dresden/ratsinfo/suche", params={"q": "x" * 201}).status_code == 422
    english = client.get("/dresden/ratsinfo/suche", params={"q": "Abstellbügel", "lang": "en"})
    assert "2 results" in english.text
    # Another municipality's search does not see Dresden's papers.
    other = client.get("/radebeul/ratsinfo/suche", params={"q": "Abstellbügel"}).text
    assert f"/vorlagen/{paper.id}" not in other


def test_non_public_papers_and_files_are_never_found_by_the_public(
    world: World, client: TestClient, council: Seeded, councillor: Browser
) -> None:
    secret = next(p for p in council.papers if not p.public)  # its PDF: Konzessionsabgabe
    word = "Konzessionsabgabe"
    public_page = client.get("/dresden/ratsinfo/suche", params={"q": word}).text
    assert f"/vorlagen/{secret.id}" not in public_page
    assert "1 Treffer" in public_page  # the public second reading only
    inside = councillor.get("/dresden/verwaltung/ratsinfo/suche", params={"q": word}).text
    assert f"/verwaltung/ratsinfo/vorlagen/{secret.id}/ansicht" in inside
    anonymous = client.get("/dresden/verwaltung/ratsinfo/suche", follow_redirects=False)
    assert anonymous.status_code == 303
    # A non-public file of a public paper: not found by its text; found once public.
    portal = Portal.of(world.platform.settings)
    public = council.papers[0]
    with world.tenant(world.dresden) as db:
        row = services.attach_file(
            db,
            parent=db.get(Paper, public.id),
            role="auxiliaryFile",
            name="Vertrauliche Anlage",
            upload=services.Upload("anlage.pdf", pdf("Anlage", ["Kaufpreis Zaunkönigweg"])),
            public=False,
            file_date=None,
            license="",
            data_dir=portal.data_dir,
            limits=portal.limits,
            actor="test",
        )
        file_id = row.id
    page = client.get("/dresden/ratsinfo/suche", params={"q": "Zaunkönigweg"}).text
    assert "Nichts gefunden" in page
    with world.tenant(world.dresden) as db:
        services.change(db, db.get(CouncilFile, file_id), {"public": True}, actor="test")
    page = client.get("/dresden/ratsinfo/suche", params={"q": "Zaunkönigweg"}).text
    assert f"/ratsinfo/vorlagen/{public.id}" in page
    # Deleted: gone from search with its content.
    with world.tenant(world.dresden) as db:
        services.delete(
            db,
            db.get(CouncilFile, file_id),
            actor="test",
            data_dir=portal.data_dir,
        )
    assert (
        "Nichts gefunden"
        in client.get("/dresden/ratsinfo/suche", params={"q": "Zaunkönigweg"}).text
    )


def test_meeting_documents_are_found_under_their_meeting(
    client: TestClient, council: Seeded
) -> None:
    meeting = council.meetings[0]
    page = client.get("/dresden/ratsinfo/suche", params={"q": "Tagesordnung anbei"}).text
    assert f'href="/dresden/ratsinfo/sitzungen/{meeting.id}"' in page


def test_the_index_follows_renaming_and_depublication(
    world: World, client: TestClient, council: Seeded, councillor: Browser
) -> None:
    """A renamed paper is found by its new title only; a paper made non-public is no longer
    a hit for the public (its files' texts neither), but still for councillors."""
    paper = council.papers[2]  # Radverkehrskonzept (its PDF: Abstellbügel)
    hit = f'href="/dresden/ratsinfo/vorlagen/{paper.id}"'
    for title in ("Fußverkehrsstrategie Elbufer", "Gehwegkonzept Elbufer"):
        with world.tenant(world.dresden) as db:
            services.change(db, db.get(Paper, paper.id), {"name": title}, actor="test")
    assert hit in client.get("/dresden/ratsinfo/suche", params={"q": "Gehwegkonzept"}).text
    gone = client.get("/dresden/ratsinfo/suche", params={"q": "Fußverkehrsstrategie"}).text
    assert hit not in gone
    assert "Nichts gefunden" in gone
    with world.tenant(world.dresden) as db:
        services.change(db, db.get(Paper, paper.id), {"public": False}, actor="test")
    for word in ("Gehwegkonzept", "Abstellbügel"):
        page = client.get("/dresden/ratsinfo/suche", params={"q": word}).text
        assert hit not in page
    inside = councillor.get(
        "/dresden/verwaltung/ratsinfo/suche", params={"q": "Gehwegkonzept"}
    ).text
    assert f"/verwaltung/ratsinfo/vorlagen/{paper.id}/ansicht" in inside
