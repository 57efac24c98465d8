"""The portal's open-data pages and the data officer's work in the back office: search and
filters, the dataset page with its preview, downloads and the licence in plain German;
releasing needs opendata.manage and is audited; a dataset registered by hand goes from draft
through review to the catalogue and out again, its upload checked."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from tests.conftest import World
from tests.opendata.conftest import CATALOG, submit, web_staff

MANAGE = "/dresden/verwaltung/offene-daten"


def _link(page: str, title: str) -> str:
    before = page.split(title, 1)[0]
    return before.rsplit('href="', 1)[1].split('"', 1)[0]


def test_search_and_filters_find_datasets(client: TestClient, demo_catalogue: World) -> None:
    everything = client.get("/dresden/offene-daten")
    assert everything.status_code == 200
    assert "Parkhausbelegung" in everything.text
    assert "Bürgerbüros und Öffnungszeiten" in everything.text
    by_theme = client.get("/dresden/offene-daten", params={"thema": "TRAN"}).text
    assert "Parkhausbelegung" in by_theme
    assert "Luftqualität an den smarten Bänken" not in by_theme
    by_text = client.get("/dresden/offene-daten", params={"q": "Luftqualität"}).text
    assert "Luftqualität an den smarten Bänken" in by_text
    assert "Parkhausbelegung" not in by_text
    # Only the manual dataset has nothing but a CSV file; every dataset has a CSV.
    assert "Parkhausbelegung" in client.get("/dresden/offene-daten", params={"format": "CSV"}).text
    assert "Bürgerbüros" not in client.get("/dresden/offene-daten", params={"format": "PDF"}).text


def test_the_dataset_page_shows_preview_downloads_and_licence(
    client: TestClient, demo_catalogue: World
) -> None:
    listing = client.get("/dresden/offene-daten").text
    page = client.get(_link(listing, "Bürgerbüros und Öffnungszeiten"))
    assert page.status_code == 200
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in page.text
    assert "Nennen Sie dabei die Stadt als Quelle." in page.text
    assert "Bürgerbüro Mitte" in page.text  # the preview table
    download = client.get(urlsplit(_link(page.text, ">buergerbueros.csv<")).path)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert b"Theaterstra" in download.content


def test_releasing_needs_the_permission_and_is_audited(
    app: object, world: World, steward: TestClient
) -> None:
    operator = web_staff(app, "dd.operator")
    assert operator.get(MANAGE).status_code == 403
    assert (
        submit(
            operator, f"{MANAGE}/freigabe", {"source": "parking.belegung", "action": "on"}
        ).status_code
        == 403
    )
    assert "Parkhausbelegung" in steward.get(MANAGE).text
    response = submit(steward, f"{MANAGE}/freigabe", {"source": "parking.belegung", "action": "on"})
    assert response.status_code == 303
    with world.tenant(world.dresden) as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "opendata.release"))
        assert entry is not None
        assert entry.actor == f"user:{world.accounts['dd.steward'].id}"


def test_a_manual_dataset_goes_through_review_and_leaves_when_withdrawn(
    client: TestClient, steward: TestClient, world: World
) -> None:
    refused = submit(
        steward,
        f"{MANAGE}/neu",
        {
            "title": "Haushalt",
            "description": "Der Haushalt.",
            "themes": "ECON",
            "frequency": "ANNUAL",
        },
        files={"file": ("haushalt.csv", b"\x00\x01binary", "text/csv")},
    )
    assert refused.status_code == 415
    created = submit(
        steward,
        f"{MANAGE}/neu",
        {
            "title": "Haushalt 2026",
            "description": "Der Haushaltsplan.",
            "themes": "ECON",
            "frequency": "ANNUAL",
            "keywords": "Haushalt",
        },
        files={"file": ("haushalt.csv", b"produkt,betrag\r\nSchulen,1000\r\n", "text/csv")},
    )
    assert created.status_code == 303
    page = steward.get(MANAGE).text
    assert "Haushalt 2026" in page
    assert "haushalt.csv" in page
    assert "Haushalt 2026" not in client.get(f"{CATALOG}.ttl").text
    action = page.split("Haushalt 2026", 1)[1].split('action="', 1)[1].split('"', 1)[0]
    for status in ("review", "published"):
        assert submit(steward, action, {"status": status}).status_code == 303
    assert "Haushalt 2026" in client.get(f"{CATALOG}.ttl").text
    assert "Haushalt 2026" in client.get("/dresden/offene-daten").text
    assert submit(steward, action, {"status": "withdrawn"}).status_code == 303
    assert "Haushalt 2026" not in client.get(f"{CATALOG}.ttl").text
    # A draft cannot skip the review.
    assert submit(steward, action, {"status": "published"}).status_code == 422
    with world.tenant(world.dresden) as db:
        actions = set(
            db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("opendata.%")))
        )
    assert {
        "opendata.register",
        "opendata.file",
        "opendata.review",
        "opendata.published",
        "opendata.withdrawn",
    } <= actions
