"""Our validation path: the official DCAT-AP 3.0.0 and DCAT-AP.de 3.0 SHACL shapes (as GovData
runs them; copied with their sources into tests/opendata/dcat-ap-de) with pyshacl, the
ontologies they import from the local mirror, the dcat-ap.de licence and contributor lists,
and the EU authority-table concepts the catalogue uses (vocabularies.ttl) in place of the
network imports."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, RDFS

SHARED = Path(__file__).resolve().parent / "dcat-ap-de"
SH = Namespace("http://www.w3.org/ns/shacl#")
# rdflib's DCAT namespace object predates DCAT 3 and warns of DatasetSeries.
DCAT_NS = Namespace("http://www.w3.org/ns/dcat#")
SHAPES = (
    "dcat-ap-SHACL.ttl",
    "dcat-ap-SHACL-DE.ttl",
    "dcat-ap-spec-german-additions.ttl",
    "dcat-ap-de-deprecated.ttl",
    "dcat-ap-de-controlledvocabularies.ttl",
)


@cache
def shapes() -> Graph:
    graph = Graph()
    for name in SHAPES:
        graph.parse(SHARED / "shapes" / name, format="turtle")
    return graph


@cache
def ontologies() -> Graph:
    graph = Graph()
    graph.parse(SHARED / "mirror" / "foaf_0_1.rdf", format="xml")
    graph.parse(SHARED / "mirror" / "org.ttl", format="turtle")
    graph.parse(SHARED / "mirror" / "vcard.ttl", format="turtle")
    graph.parse(SHARED / "lists" / "dcat-ap-de-licenses-open.rdf", format="xml")
    graph.parse(SHARED / "lists" / "dcat-ap-de-contributors.rdf", format="xml")
    graph.parse(Path(__file__).parent / "vocabularies.ttl", format="turtle")
    # The one axiom of the W3C DCAT 3 ontology (https://www.w3.org/ns/dcat3.ttl, W3C
    # Software and Document License) the shapes need and the mirror lacks: a series is a
    # dataset, so a catalogue's dcat:dataset may name it (the shapes' sh:class dcat:Dataset).
    graph.add((DCAT_NS.DatasetSeries, RDFS.subClassOf, DCAT_NS.Dataset))
    return graph


@dataclass(frozen=True)
class Result:
    violations: list[str]
    warnings: list[str]


def check(data: Graph) -> Result:
    # The vocabularies go into the data graph: the shapes look for skos:inScheme of the values.
    combined = Graph()
    for triple in data:
        combined.add(triple)
    for triple in ontologies():
        combined.add(triple)
    _conforms, report, _text = validate(
        combined,
        shacl_graph=shapes(),
        inference="rdfs",
        abort_on_first=False,
        allow_warnings=True,
    )
    assert isinstance(report, Graph)
    found: dict[str, list[str]] = {"Violation": [], "Warning": []}
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        text = " | ".join(
            str(report.value(result, p))
            for p in (SH.focusNode, SH.resultPath, SH.resultMessage, SH.value)
        )
        found.setdefault(severity, []).append(text)
    return Result(found["Violation"], found["Warning"])
