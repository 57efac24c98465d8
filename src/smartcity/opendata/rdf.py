"""The catalogue as RDF (DCAT-AP.de 3.0): a page of a municipality's catalogue, one dataset,
the region's catalogue of catalogues; serialised as Turtle, RDF/XML or JSON-LD.

URIs are made from the platform's public URL and the dataset's or file's UUID only, so they
never change when a title, a file or the software does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from smartcity.core.tenancy.models import Municipality, Region
from smartcity.opendata import vocab
from smartcity.opendata.models import (
    PUBLISHED,
    OpenDataset,
    OpenDatasetSeries,
    OpenDataSettings,
    OpenDistribution,
)
from smartcity.opendata.triples import PREFIXES, WRITERS, Document, Iri, Lit

DCAT = PREFIXES["dcat"]
DCTERMS = PREFIXES["dct"]
FOAF = PREFIXES["foaf"]
XSD = PREFIXES["xsd"]
DCATAP = PREFIXES["dcatap"]
DCATDE = PREFIXES["dcatde"]
VCARD = PREFIXES["vcard"]
HYDRA = PREFIXES["hydra"]
SPDX = PREFIXES["spdx"]
ADMS = PREFIXES["adms"]
TYPE = PREFIXES["rdf"] + "type"
LOCAL_AUTHORITY = Iri("http://purl.org/adms/publishertype/LocalAuthority")
COMPLETED = Iri(vocab.EU + "/distribution-status/COMPLETED")
PUBLIC = Iri(vocab.ACCESS_RIGHT + "PUBLIC")
AVAILABLE = Iri(vocab.AVAILABILITY + "AVAILABLE")
GERMAN = Iri(vocab.LANGUAGE + "DEU")

# What each serialisation is called by content negotiation and by extension: the writer of
# `triples` and the media type.
FORMATS: dict[str, str] = {
    "ttl": "text/turtle; charset=utf-8",
    "rdf": "application/rdf+xml; charset=utf-8",
    "jsonld": "application/ld+json; charset=utf-8",
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

    def series(self, series_uuid: str) -> str:
        return f"{self.base}/dcat/series/{series_uuid}"

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


# A distribution's predicates and constant (predicate, object) pairs.
_D_TYPE = (TYPE, Iri(DCAT + "Distribution"))
_TITLE = DCTERMS + "title"
_ACCESS_URL = DCAT + "accessURL"
_DOWNLOAD_URL = DCAT + "downloadURL"
_ACCESS_SERVICE = DCAT + "accessService"
_FORMAT = DCTERMS + "format"
_MEDIA_TYPE = DCAT + "mediaType"
_BYTE_SIZE = DCAT + "byteSize"
_NON_NEGATIVE = XSD + "nonNegativeInteger"
_CHECKSUM = SPDX + "checksum"
_CHECKSUM_TYPE = (TYPE, Iri(SPDX + "Checksum"))
_SHA256 = (SPDX + "algorithm", Iri(SPDX + "checksumAlgorithm_sha256"))
_CHECKSUM_VALUE = SPDX + "checksumValue"
_HEX = XSD + "hexBinary"
_LICENSE = DCTERMS + "license"
_ISSUED = DCTERMS + "issued"
_MODIFIED = DCTERMS + "modified"
_COMPLETED = (ADMS + "status", COMPLETED)
_AVAILABLE = (DCATAP + "availability", AVAILABLE)


def _time(value: datetime) -> Lit:
    return Lit(value.replace(microsecond=0).isoformat(), datatype=XSD + "dateTime")


def _text(doc: Document, node: Iri, predicate: str, german: str, english: str = "") -> None:
    doc.add(node, predicate, Lit(german, lang="de"))
    if english:
        doc.add(node, predicate, Lit(english, lang="en"))


@dataclass(frozen=True)
class SeriesFacts:
    """What a series says of its published members: their first release, newest change and
    the period they cover together."""

    series: OpenDatasetSeries
    issued: datetime | None
    modified: datetime | None
    start: datetime | None
    end: datetime | None


def series_facts(series: OpenDatasetSeries, members: Iterable[OpenDataset]) -> SeriesFacts:
    listed = list(members)

    def pick(values: Iterable[datetime | None], choose: Any) -> datetime | None:
        present = [v for v in values if v is not None]
        return choose(present) if present else None

    return SeriesFacts(
        series,
        issued=pick((m.issued for m in listed), min),
        modified=pick((m.modified for m in listed), max),
        start=pick((m.temporal_start for m in listed), min),
        end=pick((m.temporal_end for m in listed), max),
    )


@dataclass
class Describer:
    """Adds a municipality's catalogue entries to a document."""

    doc: Document
    municipality: Municipality
    settings: OpenDataSettings
    urls: Urls

    @property
    def publisher(self) -> Iri:
        node = Iri(self.urls.publisher)
        if node not in self.doc:
            self.doc.add(node, TYPE, Iri(FOAF + "Agent"))
            self.doc.add(node, FOAF + "name", Lit(self.municipality.name, lang="de"))
            self.doc.add(node, DCTERMS + "type", LOCAL_AUTHORITY)
        return node

    def contact(self, node: Iri) -> None:
        point = self.doc.blank()
        self.doc.add(node, DCAT + "contactPoint", point)
        self.doc.add(point, TYPE, Iri(VCARD + "Organization"))
        self.doc.add(point, VCARD + "fn", Lit(self.municipality.name))
        if self.settings.contact_email:
            self.doc.add(point, VCARD + "hasEmail", Iri(f"mailto:{self.settings.contact_email}"))
        else:
            self.doc.add(point, VCARD + "hasURL", Iri(self.urls.portal))

    def spatial(self, node: Iri) -> None:
        place = Iri(vocab.municipality_key(self.municipality.ags))
        self.doc.add(node, DCTERMS + "spatial", place)
        self.doc.add(node, DCATDE + "politicalGeocodingURI", place)
        self.doc.add(node, DCATDE + "politicalGeocodingLevelURI", Iri(vocab.MUNICIPALITY_LEVEL))

    def _period(self, node: Iri, start: datetime | None, end: datetime | None) -> None:
        if start or end:
            period = self.doc.blank()
            self.doc.add(node, DCTERMS + "temporal", period)
            self.doc.add(period, TYPE, Iri(DCTERMS + "PeriodOfTime"))
            if start:
                self.doc.add(period, DCAT + "startDate", _time(start))
            if end:
                self.doc.add(period, DCAT + "endDate", _time(end))

    def _common(
        self, node: Iri, themes: Iterable[str], keywords: Iterable[str], frequency: str
    ) -> None:
        """What a dataset and a series say alike: publisher, contact, themes, keywords,
        place, frequency, access rights and language."""
        doc = self.doc
        doc.add(node, DCTERMS + "publisher", self.publisher)
        if self.settings.contributor_id:
            doc.add(node, DCATDE + "contributorID", Iri(self.settings.contributor_id))
        self.contact(node)
        for theme in themes:
            doc.add(node, DCAT + "theme", Iri(vocab.THEME + theme))
        for keyword in keywords:
            doc.add(node, DCAT + "keyword", Lit(keyword, lang="de"))
        self.spatial(node)
        doc.add(node, DCTERMS + "accrualPeriodicity", Iri(vocab.FREQUENCY + frequency))

    def dataset(self, dataset: OpenDataset) -> Iri:
        doc = self.doc
        node = Iri(self.urls.dataset(dataset.uuid))
        doc.add(node, TYPE, Iri(DCAT + "Dataset"))
        _text(doc, node, DCTERMS + "title", dataset.title, dataset.title_en)
        _text(doc, node, DCTERMS + "description", dataset.description, dataset.description_en)
        doc.add(node, DCTERMS + "identifier", Lit(dataset.uuid))
        self._common(node, dataset.themes, dataset.keywords, dataset.frequency)
        self._period(node, dataset.temporal_start, dataset.temporal_end)
        if dataset.issued:
            doc.add(node, DCTERMS + "issued", _time(dataset.issued))
        if dataset.modified:
            doc.add(node, DCTERMS + "modified", _time(dataset.modified))
        doc.add(node, DCTERMS + "accessRights", PUBLIC)
        doc.add(node, DCTERMS + "language", GERMAN)
        doc.add(node, DCATAP + "availability", AVAILABLE)
        doc.add(node, DCAT + "landingPage", Iri(f"{self.urls.portal}/{dataset.uuid}"))
        if dataset.hvd_category:
            doc.add(node, DCATAP + "hvdCategory", Iri(vocab.HVD + dataset.hvd_category))
            doc.add(node, DCATAP + "applicableLegislation", Iri(vocab.HVD_LEGISLATION))
        if dataset.series is not None and dataset.series.status == PUBLISHED:
            doc.add(node, DCAT + "inSeries", Iri(self.urls.series(dataset.series.uuid)))
        service = self.service(dataset, node) if dataset.api_path else None
        for distribution in dataset.distributions:
            doc.add(node, DCAT + "distribution", self.distribution(distribution, service))
        return node

    def series(self, facts: SeriesFacts) -> Iri:
        """A dcat:DatasetSeries (DCAT-AP 3.0): its members point to it with dcat:inSeries."""
        doc = self.doc
        series = facts.series
        node = Iri(self.urls.series(series.uuid))
        if node in doc:
            return node
        doc.add(node, TYPE, Iri(DCAT + "DatasetSeries"))
        _text(doc, node, DCTERMS + "title", series.title, series.title_en)
        _text(doc, node, DCTERMS + "description", series.description, series.description_en)
        doc.add(node, DCTERMS + "identifier", Lit(series.uuid))
        self._common(node, series.themes, series.keywords, series.frequency)
        self._period(node, facts.start, facts.end)
        if facts.issued:
            doc.add(node, DCTERMS + "issued", _time(facts.issued))
        if facts.modified:
            doc.add(node, DCTERMS + "modified", _time(facts.modified))
        doc.add(node, DCTERMS + "accessRights", PUBLIC)
        doc.add(node, DCTERMS + "language", GERMAN)
        doc.add(node, DCAT + "landingPage", Iri(f"{self.urls.portal}?reihe={series.uuid}"))
        return node

    def service(self, dataset: OpenDataset, served: Iri) -> Iri:
        doc = self.doc
        node = Iri(self.urls.service(dataset.uuid))
        doc.add(node, TYPE, Iri(DCAT + "DataService"))
        _text(doc, node, DCTERMS + "title", dataset.api_title or dataset.title)
        if dataset.api_description:
            _text(doc, node, DCTERMS + "description", dataset.api_description)
        endpoint = f"{self.urls.base}/{(dataset.api_path or '').lstrip('/')}"
        doc.add(node, DCAT + "endpointURL", Iri(endpoint))
        if dataset.api_description_path:
            description = f"{self.urls.base}/{dataset.api_description_path.lstrip('/')}"
            doc.add(node, DCAT + "endpointDescription", Iri(description))
        if dataset.api_conforms_to:
            doc.add(node, DCTERMS + "conformsTo", Iri(dataset.api_conforms_to))
        doc.add(node, DCAT + "servesDataset", served)
        doc.add(node, DCTERMS + "publisher", self.publisher)
        if self.settings.contributor_id:
            doc.add(node, DCATDE + "contributorID", Iri(self.settings.contributor_id))
        self.contact(node)
        doc.add(node, DCTERMS + "license", Iri(self.settings.licence))
        doc.add(node, DCTERMS + "accessRights", PUBLIC)
        for theme in dataset.themes:
            doc.add(node, DCAT + "theme", Iri(vocab.THEME + theme))
        if dataset.hvd_category:
            doc.add(node, DCATAP + "hvdCategory", Iri(vocab.HVD + dataset.hvd_category))
            doc.add(node, DCATAP + "applicableLegislation", Iri(vocab.HVD_LEGISLATION))
        return node

    def distribution(self, distribution: OpenDistribution, service: Iri | None) -> Iri:
        """A file or access point: 400 of them on a page, so its pairs are appended to the
        node's list directly, with the predicates and constant objects made once."""
        doc = self.doc
        node = Iri(self.urls.distribution(distribution.uuid))
        add = doc.pairs(node).append
        add(_D_TYPE)
        add((_TITLE, Lit(distribution.title, lang="de")))
        add((_ACCESS_URL, Iri(self.urls.access(distribution))))
        if not distribution.via_api:
            download = distribution.url or self.urls.download(distribution)
            add((_DOWNLOAD_URL, Iri(download)))
        elif service is not None:
            add((_ACCESS_SERVICE, service))
        add((_FORMAT, Iri(vocab.FILE_TYPE + distribution.format)))
        add((_MEDIA_TYPE, Iri(vocab.MEDIA_TYPE + distribution.media_type)))
        if distribution.byte_size is not None:
            add((_BYTE_SIZE, Lit(str(distribution.byte_size), datatype=_NON_NEGATIVE)))
        if distribution.sha256:
            checksum = doc.blank()
            add((_CHECKSUM, checksum))
            doc.pairs(checksum).extend(
                (
                    _CHECKSUM_TYPE,
                    _SHA256,
                    (_CHECKSUM_VALUE, Lit(distribution.sha256, datatype=_HEX)),
                )
            )
        add((_LICENSE, Iri(self.settings.licence)))
        add((_ISSUED, _time(distribution.issued)))
        add((_MODIFIED, _time(distribution.modified)))
        add(_COMPLETED)
        add(_AVAILABLE)
        return node

    def catalog(
        self,
        datasets: Sequence[OpenDataset],
        *,
        series: Sequence[SeriesFacts] = (),
        page: int,
        total: int,
        page_size: int,
        modified: datetime | None,
    ) -> Iri:
        """A page of the catalogue: its datasets, and the series they are members of."""
        doc = self.doc
        node = Iri(self.urls.catalog)
        name = self.municipality.name
        doc.add(node, TYPE, Iri(DCAT + "Catalog"))
        _text(doc, node, DCTERMS + "title", f"Offene Daten {name}", f"Open data of {name}")
        _text(
            doc,
            node,
            DCTERMS + "description",
            f"Die offenen Daten von {name}: Messwerte, Auswertungen und "
            "Schnittstellen der Smart-City-Plattform.",
            f"The open data of {name}: measurements, reports and interfaces "
            "of the smart city platform.",
        )
        doc.add(node, DCTERMS + "publisher", self.publisher)
        doc.add(node, DCTERMS + "language", GERMAN)
        doc.add(node, FOAF + "homepage", Iri(self.urls.portal))
        doc.add(node, DCTERMS + "license", Iri(self.settings.licence))
        self.spatial(node)
        if modified is not None:
            doc.add(node, DCTERMS + "modified", _time(modified))
        for facts in series:
            doc.add(node, DCAT + "dataset", self.series(facts))
        for dataset in datasets:
            doc.add(node, DCAT + "dataset", self.dataset(dataset))
            if dataset.api_path:
                doc.add(node, DCAT + "service", Iri(self.urls.service(dataset.uuid)))
        _paging(doc, self.urls, page=page, total=total, page_size=page_size)
        return node


def _paging(doc: Document, urls: Urls, *, page: int, total: int, page_size: int) -> None:
    """Hydra's PartialCollectionView on the page's own URL, as ckanext-dcat reads it."""
    last = max(1, -(-total // page_size))
    view = Iri(urls.page(page))
    integer = XSD + "integer"
    doc.add(view, TYPE, Iri(HYDRA + "PartialCollectionView"))
    doc.add(view, HYDRA + "totalItems", Lit(str(total), datatype=integer))
    doc.add(view, HYDRA + "itemsPerPage", Lit(str(page_size), datatype=integer))
    doc.add(view, HYDRA + "first", Iri(urls.page(1)))
    doc.add(view, HYDRA + "last", Iri(urls.page(last)))
    if page > 1:
        doc.add(view, HYDRA + "previous", Iri(urls.page(min(page - 1, last))))
    if page < last:
        doc.add(view, HYDRA + "next", Iri(urls.page(page + 1)))


def region_catalog(region: Region, base: str, members: Iterable[Municipality]) -> Document:
    """The region's catalogue: its municipalities' catalogues as dcat:catalog."""
    doc = Document()
    node = Iri(f"{base}/region/{region.slug}/dcat/catalog")
    publisher = Iri(f"{base}/region/{region.slug}/dcat/publisher")
    agent_type = Iri(FOAF + "Agent")
    doc.add(node, TYPE, Iri(DCAT + "Catalog"))
    _text(
        doc, node, DCTERMS + "title", f"Offene Daten {region.name}", f"Open data of {region.name}"
    )
    _text(
        doc,
        node,
        DCTERMS + "description",
        f"Die Datenkataloge der Kommunen von {region.name}.",
        f"The data catalogues of the municipalities of {region.name}.",
    )
    doc.add(node, DCTERMS + "publisher", publisher)
    doc.add(node, DCTERMS + "language", GERMAN)
    doc.add(publisher, TYPE, agent_type)
    doc.add(publisher, FOAF + "name", Lit(region.name, lang="de"))
    doc.add(publisher, DCTERMS + "type", LOCAL_AUTHORITY)
    for municipality in members:
        member = Iri(f"{base}/{municipality.slug}/dcat/catalog")
        doc.add(node, DCAT + "catalog", member)
        doc.add(member, TYPE, Iri(DCAT + "Catalog"))
        _text(doc, member, DCTERMS + "title", f"Offene Daten {municipality.name}")
        _text(doc, member, DCTERMS + "description", f"Die offenen Daten von {municipality.name}.")
        agent = Iri(f"{base}/{municipality.slug}/dcat/publisher")
        doc.add(member, DCTERMS + "publisher", agent)
        doc.add(agent, TYPE, agent_type)
        doc.add(agent, FOAF + "name", Lit(municipality.name, lang="de"))
        doc.add(agent, DCTERMS + "type", LOCAL_AUTHORITY)
    return doc


def serialise(doc: Document, kind: str) -> bytes:
    return WRITERS[kind](doc)
