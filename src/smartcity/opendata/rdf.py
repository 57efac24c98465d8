"""The catalogue as RDF (DCAT-AP.de 3.0): a page of a municipality's catalogue, one dataset,
the region's catalogue of catalogues; serialised as Turtle, RDF/XML or JSON-LD.

URIs are made from the platform's public URL and the dataset's or file's UUID only, so they
never change when a title, a file or the software does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from smartcity.core.tenancy.models import Municipality, Region
from smartcity.opendata import vocab
from smartcity.opendata.models import OpenDataset, OpenDataSettings, OpenDistribution

DCATAP = Namespace("http://data.europa.eu/r5r/")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
COMPLETED = URIRef(vocab.EU + "/distribution-status/COMPLETED")
PUBLIC = URIRef(vocab.ACCESS_RIGHT + "PUBLIC")
AVAILABLE = URIRef(vocab.AVAILABILITY + "AVAILABLE")
GERMAN = URIRef(vocab.LANGUAGE + "DEU")

# What each serialisation is called by content negotiation and by extension. Turtle is
# written as N-Triples, which is valid Turtle: rdflib's Turtle writer looks up a prefix for
# every URI and took ten times as long for a page of 100 datasets (docs/performance.md).
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("nt", "text/turtle; charset=utf-8"),
    # Plain RDF/XML: "pretty-xml" nests the descriptions and took three times as long.
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
}
MEDIA_TYPES = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/rdf+xml": "rdf",
    "application/xml": "rdf",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
}


def negotiate(accept: str) -> str | None:
    """The serialisation an Accept header asks for ("ttl", "rdf", "jsonld"), "html" for a
    browser, None when it accepts nothing we have. Quality values decide; ties go in the
    order the client listed them."""
    offers: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        quality = 1.0
        for piece in pieces[1:]:
            if piece.startswith("q="):
                try:
                    quality = float(piece[2:])
                except ValueError:
                    quality = 0.0
        kind = MEDIA_TYPES.get(media) or (
            "html" if media in ("text/html", "application/xhtml+xml") else None
        )
        if media in ("*/*", "text/*", "application/*", ""):
            kind = "ttl"
        if kind is not None and quality > 0:
            offers.append((-quality, position, kind))
    return min(offers)[2] if offers else None


@dataclass(frozen=True)
class Urls:
    """Where the catalogue of one municipality lives."""

    base: str  # public URL + "/" + slug

    @property
    def catalog(self) -> str:
        return f"{self.base}/dcat/catalog"

    @property
    def publisher(self) -> str:
        return f"{self.base}/dcat/publisher"

    @property
    def portal(self) -> str:
        return f"{self.base}/offene-daten"

    def page(self, number: int) -> str:
        return f"{self.catalog}?page={number}"

    def dataset(self, dataset_uuid: str) -> str:
        return f"{self.base}/dcat/datasets/{dataset_uuid}"

    def service(self, dataset_uuid: str) -> str:
        return f"{self.dataset(dataset_uuid)}/service"

    def distribution(self, distribution_uuid: str) -> str:
        return f"{self.base}/dcat/distributions/{distribution_uuid}"

    def download(self, distribution: OpenDistribution) -> str:
        return f"{self.distribution(distribution.uuid)}/{distribution.file_name}"

    def access(self, distribution: OpenDistribution) -> str:
        """Where the data is: our download, the module's interface, or an external file."""
        if distribution.via_api and distribution.url:
            return f"{self.base}/{distribution.url.lstrip('/')}"
        if distribution.url:
            return distribution.url
        return self.download(distribution)


def new_graph(urls: Urls | None = None) -> Graph:
    # Only our prefixes: rdflib's default set of ~30 makes every qname lookup scan them all,
    # and the catalogue's own URIs get prefixes too (otherwise the Turtle writer invents one
    # per file, and each new one makes every later lookup longer).
    graph = Graph(bind_namespaces="none")
    if urls is not None:
        graph.bind("datensatz", Namespace(urls.dataset("")), override=True)
        graph.bind("datei", Namespace(urls.distribution("")), override=True)
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("dcatap", DCATAP),
        ("dcatde", DCATDE),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("hydra", HYDRA),
        ("spdx", SPDX),
        ("adms", ADMS),
        ("rdf", RDF),
        ("xsd", XSD),
    ):
        graph.bind(prefix, namespace, override=True)
    return graph


def _time(value: datetime) -> Literal:
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _text(graph: Graph, node: URIRef, predicate: URIRef, german: str, english: str = "") -> None:
    graph.add((node, predicate, Literal(german, lang="de")))
    if english:
        graph.add((node, predicate, Literal(english, lang="en")))


@dataclass
class Describer:
    """Adds a municipality's catalogue entries to a graph."""

    graph: Graph
    municipality: Municipality
    settings: OpenDataSettings
    urls: Urls

    @property
    def publisher(self) -> URIRef:
        node = URIRef(self.urls.publisher)
        if (node, RDF.type, FOAF.Agent) not in self.graph:
            self.graph.add((node, RDF.type, FOAF.Agent))
            self.graph.add((node, FOAF.name, Literal(self.municipality.name, lang="de")))
            self.graph.add((node, DCTERMS.type, LOCAL_AUTHORITY))
        return node

    def contact(self, node: URIRef) -> None:
        point = BNode()
        self.graph.add((node, DCAT.contactPoint, point))
        self.graph.add((point, RDF.type, VCARD.Organization))
        self.graph.add((point, VCARD.fn, Literal(self.municipality.name)))
        if self.settings.contact_email:
            self.graph.add((point, VCARD.hasEmail, URIRef(f"mailto:{self.settings.contact_email}")))
        else:
            self.graph.add((point, VCARD.hasURL, URIRef(self.urls.portal)))

    def spatial(self, node: URIRef) -> None:
        place = URIRef(vocab.municipality_key(self.municipality.ags))
        self.graph.add((node, DCTERMS.spatial, place))
        self.graph.add((node, DCATDE.politicalGeocodingURI, place))
        self.graph.add((node, DCATDE.politicalGeocodingLevelURI, URIRef(vocab.MUNICIPALITY_LEVEL)))

    def dataset(self, dataset: OpenDataset) -> URIRef:
        g = self.graph
        node = URIRef(self.urls.dataset(dataset.uuid))
        g.add((node, RDF.type, DCAT.Dataset))
        _text(g, node, DCTERMS.title, dataset.title, dataset.title_en)
        _text(g, node, DCTERMS.description, dataset.description, dataset.description_en)
        g.add((node, DCTERMS.identifier, Literal(dataset.uuid)))
        g.add((node, DCTERMS.publisher, self.publisher))
        if self.settings.contributor_id:
            g.add((node, DCATDE.contributorID, URIRef(self.settings.contributor_id)))
        self.contact(node)
        for theme in dataset.themes:
            g.add((node, DCAT.theme, URIRef(vocab.THEME + theme)))
        for keyword in dataset.keywords:
            g.add((node, DCAT.keyword, Literal(keyword, lang="de")))
        self.spatial(node)
        if dataset.temporal_start or dataset.temporal_end:
            period = BNode()
            g.add((node, DCTERMS.temporal, period))
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            if dataset.temporal_start:
                g.add((period, DCAT.startDate, _time(dataset.temporal_start)))
            if dataset.temporal_end:
                g.add((period, DCAT.endDate, _time(dataset.temporal_end)))
        g.add((node, DCTERMS.accrualPeriodicity, URIRef(vocab.FREQUENCY + dataset.frequency)))
        if dataset.issued:
            g.add((node, DCTERMS.issued, _time(dataset.issued)))
        if dataset.modified:
            g.add((node, DCTERMS.modified, _time(dataset.modified)))
        g.add((node, DCTERMS.accessRights, PUBLIC))
        g.add((node, DCTERMS.language, GERMAN))
        g.add((node, DCATAP.availability, AVAILABLE))
        g.add((node, DCAT.landingPage, URIRef(f"{self.urls.portal}/{dataset.uuid}")))
        if dataset.hvd_category:
            g.add((node, DCATAP.hvdCategory, URIRef(vocab.HVD + dataset.hvd_category)))
            g.add((node, DCATAP.applicableLegislation, URIRef(vocab.HVD_LEGISLATION)))
        service = self.service(dataset, node) if dataset.api_path else None
        for distribution in dataset.distributions:
            g.add((node, DCAT.distribution, self.distribution(distribution, service)))
        return node

    def service(self, dataset: OpenDataset, served: URIRef) -> URIRef:
        g = self.graph
        node = URIRef(self.urls.service(dataset.uuid))
        g.add((node, RDF.type, DCAT.DataService))
        _text(g, node, DCTERMS.title, dataset.api_title or dataset.title)
        if dataset.api_description:
            _text(g, node, DCTERMS.description, dataset.api_description)
        g.add(
            (
                node,
                DCAT.endpointURL,
                URIRef(f"{self.urls.base}/{(dataset.api_path or '').lstrip('/')}"),
            )
        )
        if dataset.api_description_path:
            description = f"{self.urls.base}/{dataset.api_description_path.lstrip('/')}"
            g.add((node, DCAT.endpointDescription, URIRef(description)))
        if dataset.api_conforms_to:
            g.add((node, DCTERMS.conformsTo, URIRef(dataset.api_conforms_to)))
        g.add((node, DCAT.servesDataset, served))
        g.add((node, DCTERMS.publisher, self.publisher))
        if self.settings.contributor_id:
            g.add((node, DCATDE.contributorID, URIRef(self.settings.contributor_id)))
        self.contact(node)
        g.add((node, DCTERMS.license, URIRef(self.settings.licence)))
        g.add((node, DCTERMS.accessRights, PUBLIC))
        for theme in dataset.themes:
            g.add((node, DCAT.theme, URIRef(vocab.THEME + theme)))
        if dataset.hvd_category:
            g.add((node, DCATAP.hvdCategory, URIRef(vocab.HVD + dataset.hvd_category)))
            g.add((node, DCATAP.applicableLegislation, URIRef(vocab.HVD_LEGISLATION)))
        return node

    def distribution(self, distribution: OpenDistribution, service: URIRef | None) -> URIRef:
        g = self.graph
        node = URIRef(self.urls.distribution(distribution.uuid))
        g.add((node, RDF.type, DCAT.Distribution))
        _text(g, node, DCTERMS.title, distribution.title)
        g.add((node, DCAT.accessURL, URIRef(self.urls.access(distribution))))
        if not distribution.via_api:
            download = distribution.url or self.urls.download(distribution)
            g.add((node, DCAT.downloadURL, URIRef(download)))
        elif service is not None:
            g.add((node, DCAT.accessService, service))
        g.add((node, DCTERMS.format, URIRef(vocab.FILE_TYPE + distribution.format)))
        g.add((node, DCAT.mediaType, URIRef(vocab.MEDIA_TYPE + distribution.media_type)))
        if distribution.byte_size is not None:
            g.add(
                (
                    node,
                    DCAT.byteSize,
                    Literal(distribution.byte_size, datatype=XSD.nonNegativeInteger),
                )
            )
        if distribution.sha256:
            checksum = BNode()
            g.add((node, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add(
                (checksum, SPDX.checksumValue, Literal(distribution.sha256, datatype=XSD.hexBinary))
            )
        g.add((node, DCTERMS.license, URIRef(self.settings.licence)))
        g.add((node, DCTERMS.issued, _time(distribution.issued)))
        g.add((node, DCTERMS.modified, _time(distribution.modified)))
        g.add((node, ADMS.status, COMPLETED))
        g.add((node, DCATAP.availability, AVAILABLE))
        return node

    def catalog(
        self,
        datasets: Sequence[OpenDataset],
        *,
        page: int,
        total: int,
        page_size: int,
        modified: datetime | None,
    ) -> URIRef:
        g = self.graph
        node = URIRef(self.urls.catalog)
        g.add((node, RDF.type, DCAT.Catalog))
        _text(
            g,
            node,
            DCTERMS.title,
            f"Offene Daten {self.municipality.name}",
            f"Open data of {self.municipality.name}",
        )
        _text(
            g,
            node,
            DCTERMS.description,
            f"Die offenen Daten von {self.municipality.name}: Messwerte, Auswertungen und "
            "Schnittstellen der Smart-City-Plattform.",
            f"The open data of {self.municipality.name}: measurements, reports and interfaces "
            "of the smart city platform.",
        )
        g.add((node, DCTERMS.publisher, self.publisher))
        g.add((node, DCTERMS.language, GERMAN))
        g.add((node, FOAF.homepage, URIRef(self.urls.portal)))
        g.add((node, DCTERMS.license, URIRef(self.settings.licence)))
        self.spatial(node)
        if modified is not None:
            g.add((node, DCTERMS.modified, _time(modified)))
        for dataset in datasets:
            g.add((node, DCAT.dataset, self.dataset(dataset)))
            if dataset.api_path:
                g.add((node, DCAT.service, URIRef(self.urls.service(dataset.uuid))))
        _paging(g, self.urls, page=page, total=total, page_size=page_size)
        return node


def _paging(graph: Graph, urls: Urls, *, page: int, total: int, page_size: int) -> None:
    """Hydra's PartialCollectionView on the page's own URL, as ckanext-dcat reads it."""
    last = max(1, -(-total // page_size))
    view = URIRef(urls.page(page))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    graph.add((view, HYDRA.itemsPerPage, Literal(page_size, datatype=XSD.integer)))
    graph.add((view, HYDRA.first, URIRef(urls.page(1))))
    graph.add((view, HYDRA.last, URIRef(urls.page(last))))
    if page > 1:
        graph.add((view, HYDRA.previous, URIRef(urls.page(min(page - 1, last)))))
    if page < last:
        graph.add((view, HYDRA.next, URIRef(urls.page(page + 1))))


def region_catalog(region: Region, base: str, members: Iterable[Municipality]) -> Graph:
    """The region's catalogue: its municipalities' catalogues as dcat:catalog."""
    graph = new_graph()
    node = URIRef(f"{base}/region/{region.slug}/dcat/catalog")
    publisher = URIRef(f"{base}/region/{region.slug}/dcat/publisher")
    graph.add((node, RDF.type, DCAT.Catalog))
    _text(graph, node, DCTERMS.title, f"Offene Daten {region.name}", f"Open data of {region.name}")
    _text(
        graph,
        node,
        DCTERMS.description,
        f"Die Datenkataloge der Kommunen von {region.name}.",
        f"The data catalogues of the municipalities of {region.name}.",
    )
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((node, DCTERMS.language, GERMAN))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(region.name, lang="de")))
    graph.add((publisher, DCTERMS.type, LOCAL_AUTHORITY))
    for municipality in members:
        member = URIRef(f"{base}/{municipality.slug}/dcat/catalog")
        graph.add((node, DCAT.catalog, member))
        graph.add((member, RDF.type, DCAT.Catalog))
        _text(graph, member, DCTERMS.title, f"Offene Daten {municipality.name}")
        _text(graph, member, DCTERMS.description, f"Die offenen Daten von {municipality.name}.")
        agent = URIRef(f"{base}/{municipality.slug}/dcat/publisher")
        graph.add((member, DCTERMS.publisher, agent))
        graph.add((agent, RDF.type, FOAF.Agent))
        graph.add((agent, FOAF.name, Literal(municipality.name, lang="de")))
        graph.add((agent, DCTERMS.type, LOCAL_AUTHORITY))
    return graph


def serialise(graph: Graph, kind: str) -> bytes:
    name = FORMATS[kind][0]
    if name == "json-ld":
        context = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
        return graph.serialize(format="json-ld", context=context, auto_compact=True).encode()
    return graph.serialize(format=name, encoding="utf-8")
