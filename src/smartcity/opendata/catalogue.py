"""What the endpoints serve: a catalogue page or one dataset as an RDF document, built from
the rows the services read; catalogue pages are kept serialised until the catalogue changes
(`cache`)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.opendata import cache, rdf, services
from smartcity.opendata.models import PUBLISHED, OpenDataset, OpenDatasetSeries
from smartcity.opendata.triples import Document


def urls_of(portal: Portal, municipality: Municipality) -> rdf.Urls:
    return rdf.Urls(portal.base(municipality))


def series_of(db: Session, datasets: list[OpenDataset]) -> list[rdf.SeriesFacts]:
    """The published series the datasets are members of, each with what its published
    members say together (one aggregate query: their rows are not loaded)."""
    wanted = sorted({d.series_id for d in datasets if d.series_id is not None})
    if not wanted:
        return []
    members = (
        select(
            OpenDataset.series_id,
            func.min(OpenDataset.issued).label("issued"),
            func.max(OpenDataset.modified).label("modified"),
            func.min(OpenDataset.temporal_start).label("start"),
            func.max(OpenDataset.temporal_end).label("end"),
        )
        .where(OpenDataset.series_id.in_(wanted), OpenDataset.status == PUBLISHED)
        .group_by(OpenDataset.series_id)
        .subquery()
    )
    rows = db.execute(
        select(
            OpenDatasetSeries, members.c.issued, members.c.modified, members.c.start, members.c.end
        )
        .join(members, members.c.series_id == OpenDatasetSeries.id)
        .where(OpenDatasetSeries.status == PUBLISHED)
        .order_by(OpenDatasetSeries.id)
    )
    return [
        rdf.SeriesFacts(series, issued=issued, modified=modified, start=start, end=end)
        for series, issued, modified, start, end in rows
    ]


def catalog_document(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    page: int,
    page_size: int = services.PAGE_SIZE,
) -> Document:
    total, modified = services.published_totals(db)
    urls = urls_of(portal, municipality)
    doc = Document()
    describer = rdf.Describer(doc, municipality, services.settings_of(db, create=False), urls)
    datasets = services.published_page(db, page, page_size)
    # Read before the datasets are described: their `series` come from these rows.
    series = series_of(db, datasets)
    describer.catalog(
        datasets,
        series=series,
        page=page,
        total=total,
        page_size=page_size,
        modified=modified,
    )
    return doc


def catalog_page(
    db: Session,
    engine: Engine,
    portal: Portal,
    municipality: Municipality,
    page: int,
    kind: str,
) -> cache.Kept:
    """A catalogue page serialised, kept until the catalogue's revision moves. The revision
    is read first: a page made from newer rows than its key is harmless, the reverse cannot
    happen."""
    revision = cache.revision_of(db, municipality.id)
    key = (
        municipality.id,
        revision,
        page,
        kind,
        portal.base(municipality),
        municipality.name,
        municipality.ags,
    )
    return cache.pages_of(engine).get_or_make(
        key,
        lambda: rdf.serialise(catalog_document(db, portal, municipality, page), kind),
    )


def dataset_document(
    db: Session, portal: Portal, municipality: Municipality, dataset: OpenDataset
) -> Document:
    urls = urls_of(portal, municipality)
    doc = Document()
    describer = rdf.Describer(doc, municipality, services.settings_of(db, create=False), urls)
    describer.dataset(dataset)
    for facts in series_of(db, [dataset]):
        describer.series(facts)
    return doc


def series_document(
    db: Session, portal: Portal, municipality: Municipality, series: OpenDatasetSeries
) -> Document:
    """A series with its published members' URIs (dcat:seriesMember is not DCAT-AP; the
    members are listed through their own dcat:inSeries)."""
    urls = urls_of(portal, municipality)
    doc = Document()
    describer = rdf.Describer(doc, municipality, services.settings_of(db, create=False), urls)
    members = services.published_members(db, [series.id]).get(series.id, [])
    describer.series(rdf.series_facts(series, members))
    for member in members:
        describer.dataset(member)
    return doc
