"""What the endpoints serve: a catalogue page or one dataset as an RDF graph, built from the
rows the services read."""

from __future__ import annotations

from rdflib import Graph
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.opendata import rdf, services
from smartcity.opendata.models import PUBLISHED, OpenDataset


def urls_of(portal: Portal, municipality: Municipality) -> rdf.Urls:
    return rdf.Urls(portal.base(municipality))


def catalog_page(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    page: int,
    page_size: int = services.PAGE_SIZE,
) -> Graph:
    total = services.published_count(db)
    modified = db.scalar(
        select(func.max(OpenDataset.modified)).where(OpenDataset.status == PUBLISHED)
    )
    urls = urls_of(portal, municipality)
    graph = rdf.new_graph(urls)
    describer = rdf.Describer(graph, municipality, services.settings_of(db, create=False), urls)
    describer.catalog(
        services.published_page(db, page, page_size),
        page=page,
        total=total,
        page_size=page_size,
        modified=modified,
    )
    return graph


def dataset_graph(
    db: Session, portal: Portal, municipality: Municipality, dataset: OpenDataset
) -> Graph:
    urls = urls_of(portal, municipality)
    graph = rdf.new_graph(urls)
    describer = rdf.Describer(graph, municipality, services.settings_of(db, create=False), urls)
    describer.dataset(dataset)
    return graph
