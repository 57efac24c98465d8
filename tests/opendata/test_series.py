"""Dataset series (DCAT-AP 3.0 dcat:DatasetSeries): the demo's yearly budget overview is in
the catalogue with its members pointing to it (dcat:inSeries), its dates and period taken
from the published members; its URI dereferences; the portal lists it and filters by it;
the data officer creates one and registers datasets into it; a series without a published
member stays out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from smartcity.opendata import services
from smartcity.opendata.models import OpenDataset, OpenDatasetSeries
from tests.conftest import World
from tests.opendata.conftest import CATALOG, parse, submit

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SERIES = URIRef(DCAT + "DatasetSeries")
IN_SERIES = URIRef(DCAT + "inSeries")
MANAGE = "/dresden/verwaltung/offene-daten"


def _series(graph: Graph, title: str | None = None) -> URIRef:
    """The one series of the graph, or the one with this German title."""
    found = [
        s
        for s in graph.subjects(RDF.type, SERIES)
        if isinstance(s, URIRef)
        and (title is None or graph.value(s, URIRef(DCT + "title")) == Literal(title, lang="de"))
    ]
    assert len(found) == 1, found
    return found[0]


def test_the_series_and_its_members_are_in_the_catalogue(
    client: TestClient, demo_catalogue: World
) -> None:
    graph = parse(client.get(f"{CATALOG}.ttl"))
    series = _series(graph, "Haushaltsübersicht")
    catalog = URIRef(demo_catalogue.platform.portal.base(demo_catalogue.dresden) + "/dcat/catalog")
    assert (catalog, URIRef(DCAT + "dataset"), series) in graph
    members = set(graph.subjects(IN_SERIES, series))
    titles = {str(graph.value(m, URIRef(DCT + "title"))) for m in members}
    assert titles == {"Haushaltsübersicht 2025", "Haushaltsübersicht 2026"}
    # The series' period is its members' together: 2025 to the end of 2026.
    period = graph.value(series, URIRef(DCT + "temporal"))
    assert str(graph.value(period, URIRef(DCAT + "startDate"))).startswith("2025-01-01")
    assert str(graph.value(period, URIRef(DCAT + "endDate"))).startswith("2026-12-31")
    assert graph.value(series, URIRef(DCT + "modified")) is not None
    frequency = graph.value(series, URIRef(DCT + "accrualPeriodicity"))
    assert str(frequency).endswith("/frequency/ANNUAL")


def test_the_series_uri_dereferences_and_the_portal_shows_it(
    client: TestClient, demo_catalogue: World
) -> None:
    series = _series(parse(client.get(f"{CATALOG}.ttl")), "Haushaltsübersicht")
    path = urlsplit(str(series)).path
    described = parse(client.get(path, headers={"Accept": "text/turtle"}))
    assert len(set(described.subjects(IN_SERIES, series))) == 2
    jsonld = parse(client.get(path, headers={"Accept": "application/ld+json"}), "json-ld")
    assert (series, RDF.type, SERIES) in jsonld
    browser = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303
    page = client.get(browser.headers["location"])
    assert page.status_code == 200
    assert "Haushaltsübersicht 2025" in page.text
    assert "Parkhausbelegung" not in page.text  # only the series' members
    listing = client.get("/dresden/offene-daten").text
    assert "?reihe=" in listing
    assert "Haushaltsübersicht" in listing


def test_a_member_page_links_its_series(client: TestClient, demo_catalogue: World) -> None:
    with demo_catalogue.tenant(demo_catalogue.dresden) as db:
        dataset = next(
            d for d in services.manual_datasets(db) if d.title == "Haushaltsübersicht 2026"
        )
        assert dataset.series is not None
        series_uuid = dataset.series.uuid
        dataset_uuid = dataset.uuid
    page = client.get(f"/dresden/offene-daten/{dataset_uuid}")
    assert page.status_code == 200
    assert f"?reihe={series_uuid}" in page.text
    described = parse(client.get(f"/dresden/dcat/datasets/{dataset_uuid}.ttl"))
    assert (None, RDF.type, SERIES) in described
    assert (None, IN_SERIES, None) in described


def test_the_data_officer_creates_a_series_and_registers_into_it(
    client: TestClient, steward: TestClient, world: World
) -> None:
    response = submit(
        steward,
        f"{MANAGE}/reihe",
        {
            "series_title": "Luftqualität Monatsberichte",
            "series_description": "Ein Bericht je Monat.",
            "series_themes": "ENVI",
            "series_frequency": "MONTHLY",
        },
    )
    assert response.status_code == 303, response.text
    with world.tenant(world.dresden) as db:
        series = db.query(OpenDatasetSeries).one()
        assert series.title == "Luftqualität Monatsberichte"
        series_uuid = series.uuid
    # Without a published member it is not in the catalogue, and its URI is unknown.
    assert (None, RDF.type, SERIES) not in parse(client.get(f"{CATALOG}.ttl"))
    assert client.get(f"/dresden/dcat/series/{series_uuid}").status_code == 404
    refused = submit(
        steward,
        f"{MANAGE}/neu",
        {
            "title": "Bericht November",
            "description": "Monatsbericht",
            "themes": "ENVI",
            "frequency": "NEVER",
            "series": "00000000-0000-4000-8000-000000000000",
            "url": "https://example.org/november.csv",
            "url_format": "CSV",
        },
    )
    assert refused.status_code == 422
    assert "Bitte wählen Sie eine Reihe" in refused.text
    registered = submit(
        steward,
        f"{MANAGE}/neu",
        {
            "title": "Bericht November",
            "description": "Monatsbericht",
            "themes": "ENVI",
            "frequency": "NEVER",
            "series": series_uuid,
            "url": "https://example.org/november.csv",
            "url_format": "CSV",
        },
    )
    assert registered.status_code == 303
    with world.tenant(world.dresden) as db:
        dataset = db.query(OpenDataset).filter(OpenDataset.title == "Bericht November").one()
        assert dataset.series is not None
        assert dataset.series.uuid == series_uuid
        dataset_uuid = dataset.uuid
    for status in ("review", "published"):
        moved = submit(steward, f"{MANAGE}/{dataset_uuid}/status", {"status": status})
        assert moved.status_code == 303
    graph = parse(client.get(f"{CATALOG}.ttl"))
    series_node = _series(graph)
    assert str(series_node).endswith(series_uuid)
    assert len(set(graph.subjects(IN_SERIES, series_node))) == 1
    assert client.get(f"/dresden/dcat/series/{series_uuid}.ttl").status_code == 200
