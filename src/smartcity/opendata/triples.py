"""A small RDF document and its three serialisations (Turtle, RDF/XML, JSON-LD), written
straight from the triples.

The catalogue is a fixed shape of a few kinds of nodes; building it as an rdflib graph and
serialising through rdflib's writers took seconds for a page of 100 datasets
(docs/performance.md). Here a document is a list of subjects, each with its (predicate,
object) pairs in the order they were added, and each writer is one pass over it. The tests
parse every serialisation with rdflib and compare the graphs (tests/opendata/test_triples.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import NamedTuple

# Prefixes of the vocabularies the catalogue uses: every predicate is in one of them.
PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatap": "http://data.europa.eu/r5r/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "adms": "http://www.w3.org/ns/adms#",
}
RDF_TYPE = PREFIXES["rdf"] + "type"
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Iri(str):
    """An IRI (absolute)."""

    __slots__ = ()


class Blank(str):
    """A blank node's label, unique within its document."""

    __slots__ = ()


class Lit(NamedTuple):
    """A literal: a language-tagged string, a typed value, or a plain string (a tuple: made
    tens of thousands of times a page, faster than a dataclass)."""

    value: str
    lang: str | None = None
    datatype: str | None = None


Node = Iri | Blank
Term = Iri | Blank | Lit


@dataclass
class Document:
    """Triples grouped by subject, in the order they were added."""

    subjects: dict[Node, list[tuple[str, Term]]] = field(default_factory=dict)
    _blanks: int = 0

    def add(self, subject: Node, predicate: str, value: Term) -> None:
        pairs = self.subjects.get(subject)
        if pairs is None:
            pairs = self.subjects[subject] = []
        pairs.append((predicate, value))

    def pairs(self, subject: Node) -> list[tuple[str, Term]]:
        """The subject's (predicate, object) list, to append to in place (hot paths)."""
        found = self.subjects.get(subject)
        if found is None:
            found = self.subjects[subject] = []
        return found

    def blank(self) -> Blank:
        self._blanks += 1
        return Blank(f"n{self._blanks}")

    def __contains__(self, subject: object) -> bool:
        return subject in self.subjects

    def __len__(self) -> int:
        return sum(len(pairs) for pairs in self.subjects.values())


def _split(iri: str) -> tuple[str, str] | None:
    """(prefix, local name) of an IRI in one of our vocabularies with a plain local name."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if _LOCAL.match(local):
                return prefix, local
    return None


_QNAMES: dict[str, str | None] = {}


def _qname(iri: str) -> str | None:
    if iri not in _QNAMES:
        found = _split(iri)
        _QNAMES[iri] = f"{found[0]}:{found[1]}" if found else None
    return _QNAMES[iri]


# ---- Turtle -----------------------------------------------------------------------------

_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_STRING_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
# Characters Turtle does not allow in an IRIREF: written as \u escapes.
_NEEDS_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _string_escape(match: re.Match[str]) -> str:
    char = match.group()
    return _STRING_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def _ttl_iri(iri: str) -> str:
    qname = _qname(iri)
    if qname is not None:
        return qname
    return "<" + _NEEDS_IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def _ttl_term(term: Term) -> str:
    if isinstance(term, Lit):
        text = '"' + _NEEDS_STRING_ESCAPE.sub(_string_escape, term.value) + '"'
        if term.lang:
            return f"{text}@{term.lang}"
        if term.datatype:
            return f"{text}^^{_ttl_iri(term.datatype)}"
        return text
    if isinstance(term, Blank):
        return f"_:{term}"
    return _ttl_iri(term)


def turtle(document: Document) -> bytes:
    out = [f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in PREFIXES.items()]
    for subject, pairs in document.subjects.items():
        lines = []
        for predicate, value in pairs:
            verb = "a" if predicate == RDF_TYPE else _ttl_iri(predicate)
            lines.append(f"    {verb} {_ttl_term(value)}")
        out.append(f"\n{_ttl_term(subject)}\n" + " ;\n".join(lines) + " .\n")
    return "".join(out).encode("utf-8")


# ---- RDF/XML ----------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (controls other than tab, newline, return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"}
_NEEDS_XML_ESCAPE = re.compile('[&<>"\r]')


def _xml(text: str) -> str:
    text = _NOT_XML.sub("\ufffd", text)
    return _NEEDS_XML_ESCAPE.sub(lambda m: _XML_ESCAPES[m.group()], text)


def rdf_xml(document: Document) -> bytes:
    namespaces = " ".join(f'xmlns:{p}="{_xml(ns)}"' for p, ns in PREFIXES.items())
    out = [f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF {namespaces}>\n']
    for subject, pairs in document.subjects.items():
        about = (
            f'rdf:nodeID="{subject}"'
            if isinstance(subject, Blank)
            else f'rdf:about="{_xml(subject)}"'
        )
        out.append(f"  <rdf:Description {about}>\n")
        for predicate, value in pairs:
            name = _qname(predicate)
            if name is None:
                raise ValueError(f"no prefix for predicate {predicate}")
            if isinstance(value, Lit):
                attribute = (
                    f' xml:lang="{value.lang}"'
                    if value.lang
                    else f' rdf:datatype="{_xml(value.datatype)}"'
                    if value.datatype
                    else ""
                )
                out.append(f"    <{name}{attribute}>{_xml(value.value)}</{name}>\n")
            elif isinstance(value, Blank):
                out.append(f'    <{name} rdf:nodeID="{value}"/>\n')
            else:
                out.append(f'    <{name} rdf:resource="{_xml(value)}"/>\n')
        out.append("  </rdf:Description>\n")
    out.append("</rdf:RDF>\n")
    return "".join(out).encode("utf-8")


# ---- JSON-LD ----------------------------------------------------------------------------


def _json_value(term: Term) -> dict[str, str]:
    if isinstance(term, Lit):
        if term.lang:
            return {"@value": term.value, "@language": term.lang}
        if term.datatype:
            return {"@value": term.value, "@type": term.datatype}
        return {"@value": term.value}
    if isinstance(term, Blank):
        return {"@id": f"_:{term}"}
    return {"@id": str(term)}


def json_ld(document: Document) -> bytes:
    """Flattened JSON-LD: a node object per subject; the prefixes in the context make the
    property names short, values keep their full IRIs (none of our prefixes is a scheme)."""
    nodes = []
    for subject, pairs in document.subjects.items():
        node: dict[str, object] = {
            "@id": f"_:{subject}" if isinstance(subject, Blank) else str(subject)
        }
        for predicate, value in pairs:
            if predicate == RDF_TYPE and not isinstance(value, Lit):
                types = node.setdefault("@type", [])
                assert isinstance(types, list)
                types.append(str(value))
                continue
            key = _qname(predicate) or predicate
            values = node.setdefault(key, [])
            assert isinstance(values, list)
            values.append(_json_value(value))
        nodes.append(node)
    return json.dumps(
        {"@context": PREFIXES, "@graph": nodes}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


WRITERS = {"ttl": turtle, "rdf": rdf_xml, "jsonld": json_ld}
