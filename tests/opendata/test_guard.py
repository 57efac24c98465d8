"""The personal-data guard: a dataset about people leaves the platform only as counts of at
least k persons (k = 5 unless the municipality sets another), a smaller count is suppressed in
every file and on the portal, and text people wrote is never published."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.core.modules import Table, TableColumn
from smartcity.open311 import categories
from smartcity.open311.models import ServiceRequest
from smartcity.opendata import guard
from tests.conftest import World
from tests.opendata.conftest import submit

RELEASE = "/dresden/verwaltung/offene-daten/freigabe"
SECRET_TEXT = "Erika Mustermann wohnt gegenüber"


@pytest.fixture
def reports(world: World) -> None:
    """Last month: five pothole reports and four graffiti reports, each with a text that
    names the reporter."""
    now = utcnow()
    last_month = datetime(now.year, now.month, 1, tzinfo=UTC) - timedelta(days=10)
    with world.tenant(world.dresden) as db:
        for code, name, number in (("schlagloch", "Schlagloch", 5), ("graffiti", "Graffiti", 4)):
            category = categories.save(
                db,
                {"service_code": code, "name": name, "department": "Tiefbauamt"},
                actor="test",
            )
            for _ in range(number):
                db.add(
                    ServiceRequest(
                        category_id=category.id,
                        token=secrets.token_hex(8),
                        lat=51.05,
                        lon=13.74,
                        address="Altmarkt 1",
                        description=SECRET_TEXT,
                        requested_at=last_month,
                    )
                )


def _files(client: TestClient) -> tuple[str, str, str]:
    page = client.get("/dresden/offene-daten", params={"q": "Mängelmeldungen"})
    assert page.status_code == 200
    link = page.text.split('href="/dresden/offene-daten/', 1)[1].split('"', 1)[0]
    dataset = client.get(f"/dresden/offene-daten/{link}")
    assert dataset.status_code == 200
    downloads = [
        part.split('"', 1)[0]
        for part in dataset.text.split('href="')[1:]
        if "/dcat/distributions/" in part.split('"', 1)[0]
    ]
    files = [client.get(urlsplit(url).path) for url in downloads]
    csv_file = next(f.text for f in files if f.headers["content-type"].startswith("text/csv"))
    json_file = next(f.text for f in files if "json" in f.headers["content-type"])
    return csv_file, json_file, dataset.text


def test_a_count_under_k_never_leaves_the_platform(
    client: TestClient, steward: TestClient, reports: None
) -> None:
    assert (
        submit(steward, RELEASE, {"source": "open311.maengelmeldungen", "action": "on"}).status_code
        == 303
    )
    csv_file, json_file, page = _files(client)
    assert "Schlagloch" in csv_file
    assert ",5\r\n" in csv_file
    assert '"reports":5' in json_file
    for published in (csv_file, json_file, page):
        assert "Graffiti" not in published
        assert "Erika" not in published
        assert "Altmarkt" not in published


def test_the_municipality_sets_k(client: TestClient, steward: TestClient, reports: None) -> None:
    submit(steward, RELEASE, {"source": "open311.maengelmeldungen", "action": "on"})
    response = submit(
        steward,
        "/dresden/verwaltung/offene-daten/einstellungen",
        {"licence": "http://dcat-ap.de/def/licenses/dl-by-de/2.0", "min_persons": "4"},
    )
    assert response.status_code == 303
    csv_file, _json, _page = _files(client)
    assert "Graffiti" in csv_file
    # One person per cell would be that person: refused.
    refused = submit(
        steward,
        "/dresden/verwaltung/offene-daten/einstellungen",
        {"licence": "http://dcat-ap.de/def/licenses/dl-by-de/2.0", "min_persons": "1"},
    )
    assert refused.status_code == 422


def test_a_table_about_people_without_counts_is_refused_and_free_text_is_dropped() -> None:
    rows: list[tuple[object, ...]] = [("Schlagloch", "Erika war da", 7)]
    table = Table(
        columns=(TableColumn("category"), TableColumn("note", free_text=True), TableColumn("n")),
        rows=rows,
    )
    with pytest.raises(guard.NotAggregated):
        guard.release(table, about_people=True, min_persons=5)
    counted = Table(columns=table.columns, rows=rows, persons="n")
    released = guard.release(counted, about_people=True, min_persons=5)
    assert released.columns == ("category", "n")
    assert released.rows == [("Schlagloch", 7)]
    assert b"Erika" not in guard.to_csv(released) + guard.to_json(released)
    # A count that is not a whole number of persons is suppressed, never published.
    odd = Table(columns=table.columns, rows=[("x", "", 7.5), ("y", "", True)], persons="n")
    assert guard.release(odd, about_people=True, min_persons=5).suppressed == 2
