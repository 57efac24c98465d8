"""The catalogue's own RDF writers say the same graph in each serialisation: rdflib parses
Turtle, RDF/XML and JSON-LD of a document (awkward literals included) and of a whole
catalogue page into isomorphic graphs, equal to the triples that were written."""

from __future__ import annotations

from fastapi.testclient import TestClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from smartcity.opendata import triples
from smartcity.opendata.triples import Document, Iri, Lit
from tests.conftest import World
from tests.opendata.conftest import CATALOG, parse

FORMATS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}
DCT = "http://purl.org/dc/terms/"
AWKWARD = (
    'Anführungszeichen " und \\ Backslash',
    "Zeilen\nund\r\nUmbrüche\tmit Tab",
    "<b>kein HTML</b> & Co. ]]> --> ",
    "Umlaute äöüß, Euro €, Emoji 😀, Arabisch مرحبا",
    "",
    "   führende und folgende Leerzeichen   ",
)


def _document() -> tuple[Document, Graph]:
    doc = Document()
    expected = Graph()
    subject = Iri("https://example.org/dresden/dcat/datasets/1")
    other = Iri("https://example.org/datei?a=1&b=2#frag")
    for number, text in enumerate(AWKWARD):
        lang = "de" if number % 2 else None
        doc.add(subject, DCT + "title", Lit(text, lang=lang))
        expected.add((URIRef(subject), URIRef(DCT + "title"), Literal(text, lang=lang)))
    typed = Lit("2026-12-01T08:00:00+00:00", datatype=triples.PREFIXES["xsd"] + "dateTime")
    doc.add(subject, DCT + "modified", typed)
    expected.add(
        (
            URIRef(subject),
            URIRef(DCT + "modified"),
            Literal(typed.value, datatype=URIRef(typed.datatype or "")),
        )
    )
    doc.add(subject, DCT + "source", other)
    expected.add((URIRef(subject), URIRef(DCT + "source"), URIRef(other)))
    doc.add(subject, triples.RDF_TYPE, Iri("http://www.w3.org/ns/dcat#Dataset"))
    expected.add(
        (
            URIRef(subject),
            URIRef(triples.RDF_TYPE),
            URIRef("http://www.w3.org/ns/dcat#Dataset"),
        )
    )
    point = doc.blank()
    doc.add(subject, "http://www.w3.org/ns/dcat#contactPoint", point)
    doc.add(point, "http://www.w3.org/2006/vcard/ns#fn", Lit("Stadt Dresden"))
    node = BNode()
    expected.add((URIRef(subject), URIRef("http://www.w3.org/ns/dcat#contactPoint"), node))
    expected.add((node, URIRef("http://www.w3.org/2006/vcard/ns#fn"), Literal("Stadt Dresden")))
    return doc, expected


def test_every_serialisation_parses_to_the_written_triples() -> None:
    doc, expected = _document()
    for kind, name in FORMATS.items():
        graph = Graph()
        graph.parse(data=triples.WRITERS[kind](doc), format=name)
        assert isomorphic(graph, expected), kind


def test_characters_xml_cannot_carry_are_replaced_not_broken() -> None:
    doc = Document()
    doc.add(Iri("https://example.org/x"), DCT + "title", Lit("Steuer\x01zeichen"))
    graph = Graph()
    graph.parse(data=triples.rdf_xml(doc), format="xml")
    assert str(next(graph.objects())) == "Steuer\ufffdzeichen"
    turtle = Graph()
    turtle.parse(data=triples.turtle(doc), format="turtle")
    assert str(next(turtle.objects())) == "Steuer\x01zeichen"


def test_a_catalogue_page_is_the_same_graph_in_every_format(
    client: TestClient, demo_catalogue: World
) -> None:
    graphs = {kind: parse(client.get(f"{CATALOG}.{kind}"), name) for kind, name in FORMATS.items()}
    assert len(graphs["ttl"]) > 300
    assert isomorphic(graphs["ttl"], graphs["rdf"])
    assert isomorphic(graphs["ttl"], graphs["jsonld"])
