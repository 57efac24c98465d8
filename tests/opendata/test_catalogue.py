"""The catalogue's endpoints as a harvester and a browser use them: the three serialisations
by content negotiation and by extension, stable URIs that dereference to RDF or the portal
page, paging in a stable order, `modified` that moves only with the data, withdrawn datasets
that leave, and the region's catalogue of the municipalities' catalogues."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from smartcity.core.db import utcnow
from smartcity.modules import installed_modules
from smartcity.opendata import services
from smartcity.opendata.models import PUBLISHED, REVIEW
from tests.conftest import World
from tests.opendata.conftest import CATALOG, parse, released, submit

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
DATASET = URIRef(DCAT + "Dataset")


def datasets_of(graph: Graph) -> set[str]:
    return {str(s) for s in graph.subjects(RDF.type, DATASET)}


def path_of(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize(
    ("accept", "kind", "media"),
    [
        ("text/turtle", "turtle", "text/turtle"),
        ("application/rdf+xml", "xml", "application/rdf+xml"),
        ("application/ld+json", "json-ld", "application/ld+json"),
        ("text/html;q=0.5, application/ld+json", "json-ld", "application/ld+json"),
    ],
)
def test_the_catalogue_answers_what_the_client_accepts(
    client: TestClient, demo_catalogue: World, accept: str, kind: str, media: str
) -> None:
    response = client.get(CATALOG, headers={"Accept": accept})
    assert response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["vary"]
    graph = parse(response, kind)
    # Every module's declared dataset, the one registered by hand, the series' two members.
    assert len(datasets_of(graph)) == released(demo_catalogue) + 3
    catalog = URIRef(demo_catalogue.platform.portal.base(demo_catalogue.dresden) + "/dcat/catalog")
    assert (catalog, RDF.type, URIRef(DCAT + "Catalog")) in graph


def test_an_extension_picks_the_format_and_a_browser_gets_the_portal(
    client: TestClient, demo_catalogue: World
) -> None:
    turtle = parse(client.get(f"{CATALOG}.ttl", headers={"Accept": "application/rdf+xml"}))
    xml = parse(client.get(f"{CATALOG}.rdf"), "xml")
    jsonld = parse(client.get(f"{CATALOG}.jsonld"), "json-ld")
    assert datasets_of(turtle) == datasets_of(xml) == datasets_of(jsonld)
    browser = client.get(CATALOG, headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303
    assert browser.headers["location"] == "/dresden/offene-daten"
    assert client.get(CATALOG, headers={"Accept": "image/png"}).status_code == 406


def test_dataset_and_file_uris_dereference_and_never_change(
    client: TestClient, demo_catalogue: World
) -> None:
    before = datasets_of(parse(client.get(f"{CATALOG}.ttl")))
    with demo_catalogue.tenant(demo_catalogue.dresden) as db:
        # A day later the files are made anew: the URIs stay.
        services.refresh_all(
            db, demo_catalogue.dresden, installed_modules().datasets(), utcnow() + timedelta(days=1)
        )
    after = parse(client.get(f"{CATALOG}.ttl"))
    assert datasets_of(after) == before
    uri = sorted(before)[0]
    rdf_answer = parse(client.get(path_of(uri), headers={"Accept": "text/turtle"}))
    assert (URIRef(uri), RDF.type, DATASET) in rdf_answer
    page = client.get(path_of(uri), headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    assert client.get(page.headers["location"]).status_code == 200
    distribution = next(after.objects(URIRef(uri), URIRef(DCAT + "distribution")))
    described = parse(client.get(path_of(str(distribution)), headers={"Accept": "text/turtle"}))
    assert (URIRef(uri), URIRef(DCAT + "distribution"), distribution) in described


def test_downloads_match_size_and_checksum_in_the_catalogue(
    client: TestClient, demo_catalogue: World
) -> None:
    import hashlib

    graph = parse(client.get(f"{CATALOG}.ttl"))
    checked = 0
    for distribution, url in graph.subject_objects(URIRef(DCAT + "downloadURL")):
        response = client.get(path_of(str(url)))
        assert response.status_code == 200
        size = graph.value(distribution, URIRef(DCAT + "byteSize"))
        assert size is not None
        assert int(str(size)) == len(response.content)
        checksum = graph.value(distribution, URIRef("http://spdx.org/rdf/terms#checksum"))
        value = graph.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue"))
        assert str(value) == hashlib.sha256(response.content).hexdigest()
        checked += 1
    assert checked >= 6


def _modified(client: TestClient, uri: str) -> Literal:
    graph = parse(client.get(path_of(uri), headers={"Accept": "text/turtle"}))
    value = graph.value(URIRef(uri), URIRef(DCT + "modified"))
    assert isinstance(value, Literal)
    return value


def test_modified_changes_only_when_the_data_does(
    client: TestClient, demo_catalogue: World
) -> None:
    world = demo_catalogue
    declared = installed_modules().datasets()
    with world.tenant(world.dresden) as db:
        dataset = services.released(db)["open311.maengelmeldungen"]
        uri = world.platform.portal.base(world.dresden) + f"/dcat/datasets/{dataset.uuid}"
    first = _modified(client, uri)
    with world.tenant(world.dresden) as db:
        # An hour later nothing changed in the data: nothing changes in the catalogue.
        assert services.refresh_all(db, world.dresden, declared, utcnow() + timedelta(hours=1)) == 0
    assert _modified(client, uri) == first


def test_a_withdrawn_dataset_leaves_the_catalogue_and_answers_gone(
    client: TestClient, steward: TestClient, demo_catalogue: World
) -> None:
    world = demo_catalogue
    with world.tenant(world.dresden) as db:
        dataset = services.released(db)["parking.belegung"]
        uri = world.platform.portal.base(world.dresden) + f"/dcat/datasets/{dataset.uuid}"
    response = submit(
        steward,
        "/dresden/verwaltung/offene-daten/freigabe",
        {"source": "parking.belegung", "action": "off"},
    )
    assert response.status_code == 303
    assert uri not in datasets_of(parse(client.get(f"{CATALOG}.ttl")))
    assert client.get(path_of(uri), headers={"Accept": "text/turtle"}).status_code == 410
    # Released again, it comes back under the same URI.
    submit(
        steward,
        "/dresden/verwaltung/offene-daten/freigabe",
        {"source": "parking.belegung", "action": "on"},
    )
    assert uri in datasets_of(parse(client.get(f"{CATALOG}.ttl")))


def test_pages_are_linked_by_hydra_in_a_stable_order(client: TestClient, world: World) -> None:
    with world.tenant(world.dresden) as db:
        for number in range(services.PAGE_SIZE + 5):
            dataset = services.register(
                db,
                services.ManualInput(
                    f"Datensatz {number:03d}", "Beschreibung", ["GOVE"], "IRREG", []
                ),
                actor="test",
                user_id=None,
            )
            services.add_file(
                db, dataset, file_type="CSV", name="d.csv", data=b"a\r\n1\r\n", actor="test"
            )
            services.move(db, dataset, REVIEW, actor="test")
            services.move(db, dataset, PUBLISHED, actor="test")
    first = parse(client.get(f"{CATALOG}.ttl"))
    view = next(first.subjects(RDF.type, URIRef(HYDRA + "PartialCollectionView")))
    assert int(str(first.value(view, URIRef(HYDRA + "totalItems")))) == services.PAGE_SIZE + 5
    following = first.value(view, URIRef(HYDRA + "next"))
    assert following is not None
    second = parse(client.get(path_of(str(following)), headers={"Accept": "text/turtle"}))
    assert len(datasets_of(first)) == services.PAGE_SIZE
    assert len(datasets_of(second)) == 5
    assert not datasets_of(first) & datasets_of(second)
    assert second.value(None, URIRef(HYDRA + "next")) is None
    again = parse(client.get(f"{CATALOG}.ttl"))
    assert datasets_of(again) == datasets_of(first)


def test_the_region_catalogue_lists_the_municipalities_catalogues(
    client: TestClient, demo_catalogue: World
) -> None:
    graph = parse(client.get("/region/region/dcat/catalog.ttl"))
    base = demo_catalogue.platform.portal.public_url
    members = {str(o) for o in graph.objects(None, URIRef(DCAT + "catalog"))}
    assert members == {f"{base}/dresden/dcat/catalog", f"{base}/radebeul/dcat/catalog"}
    assert client.get("/region/nirgendwo/dcat/catalog.ttl").status_code == 404
