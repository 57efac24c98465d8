"""Proposals and results as open data: CSV and GeoJSON files, the public map layer and the
datasets the open-data catalogue releases. Everything reads the visible proposals only
(`services.visible_proposals`): a hidden proposal is in no export."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy.orm import Session

from smartcity.core.geojson import Feature, point
from smartcity.core.modules import DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.participation import districts, services, voting
from smartcity.participation.models import District, Process

PROPOSAL_COLUMNS = (
    "process",
    "id",
    "title",
    "category",
    "lat",
    "lon",
    "supports",
    "feasibility",
    "cost_eur",
    "created_at",
)


def _euros(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}"


def proposal_rows(db: Session, process: Process | None = None) -> list[tuple[object, ...]]:
    slugs = {p.id: p.slug for p in services.processes(db)}
    return [
        (
            slugs[p.process_id],
            p.id,
            p.title,
            p.category,
            p.lat,
            p.lon,
            p.supports,
            p.feasibility or "",
            _euros(p.cost_cents),
            p.created_at.isoformat(),
        )
        for p in services.visible_proposals(db, process)
    ]


def csv_text(columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        # A cell starting with = + - @ would be a formula in a spreadsheet.
        writer.writerow(
            "'" + str(v) if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row
        )
    return out.getvalue()


def proposal_features(db: Session, process: Process | None = None) -> list[Feature]:
    slugs = {p.id: p.slug for p in services.processes(db)}
    return [
        point(
            p.lat,
            p.lon,
            {
                "kind": "proposal",
                "id": p.id,
                "title": p.title,
                "process": slugs[p.process_id],
                "supports": p.supports,
                "url": f"beteiligung/{slugs[p.process_id]}/vorschlaege/{p.id}",
            },
        )
        for p in services.visible_proposals(db, process)
        if p.lat is not None and p.lon is not None
    ]


RESULT_COLUMNS = (
    "process",
    "rank",
    "project",
    "title",
    "cost_eur",
    "votes",
    "funded",
    "funded_eur",
)
# Budgets per district: each district's result on its own lines, the district named in two
# columns appended at the end (the columns before keep their places for the table's users).
DISTRICT_RESULT_COLUMNS = (*RESULT_COLUMNS, "district", "district_name")


def result_rows(
    db: Session, process: Process, district: District | None = None
) -> list[tuple[object, ...]]:
    """The result's lines (RESULT_COLUMNS); with `district`, that district's result with the
    district at the end (DISTRICT_RESULT_COLUMNS)."""
    found = voting.result(db, process, district)
    named: tuple[object, ...] = () if district is None else (district.id, district.name)
    return [
        (
            process.slug,
            line.rank,
            line.project.id,
            line.project.title,
            _euros(line.project.cost_cents),
            line.votes,
            "yes" if line.funded else "partly" if line.partly else "no",
            _euros(line.funded_cents),
            *named,
        )
        for line in found.lines
    ]


def ballot_rows(
    db: Session, process: Process, district: District | None = None
) -> list[tuple[object, ...]]:
    return [
        (receipt, " ".join(str(c) for c in choices))
        for receipt, choices in voting.published_ballots(db, process, district)
    ]


def _proposals_table(db: Session, municipality: Municipality, now: datetime) -> Table:
    return Table(
        columns=tuple(TableColumn(name, free_text=name == "title") for name in PROPOSAL_COLUMNS),
        rows=proposal_rows(db),
    )


def _results_table(db: Session, municipality: Municipality, now: datetime) -> Table:
    """Every final result (`services.result_final`: a provisional one, while paper ballots
    are counted, is not published yet); with budgets per district, each district's on its
    own lines (the district columns, at the end, are empty for a process with one budget)."""
    rows: list[tuple[object, ...]] = []
    for process in services.processes(db):
        if not services.result_final(db, process, now):
            continue
        found = districts.districts(db, process)
        if not found:
            rows += [(*row, "", "") for row in result_rows(db, process)]
        for district in found:
            rows += result_rows(db, process, district)
    return Table(columns=tuple(TableColumn(name) for name in DISTRICT_RESULT_COLUMNS), rows=rows)


DATASETS = (
    DatasetDeclaration(
        key="beteiligung-vorschlaege",
        title="Vorschläge aus der Bürgerbeteiligung",
        title_en="Proposals of citizen participation",
        description=(
            "Die sichtbaren Vorschläge der Beteiligungsverfahren mit Kategorie, Ort, Zahl der "
            "Unterstützungen und dem Ergebnis der Prüfung durch die Verwaltung. Von der "
            "Moderation entfernte Vorschläge sind nie enthalten."
        ),
        description_en=(
            "The visible proposals of the participation processes with category, place, number "
            "of supports and the administration's review. Proposals removed by the moderation "
            "are never included."
        ),
        themes=("GOVE",),
        frequency="DAILY",
        keywords=("Bürgerbeteiligung", "Vorschläge"),
        table=_proposals_table,
    ),
    DatasetDeclaration(
        key="buergerhaushalt-ergebnisse",
        title="Ergebnisse des Bürgerhaushalts",
        title_en="Results of the participatory budget",
        description=(
            "Für jedes abgeschlossene Abstimmungsverfahren: die Projekte mit Kosten, Stimmen, "
            "Rang und ob sie gefördert werden; bei Budgets je Stadtteil für jeden Stadtteil "
            "getrennt."
        ),
        description_en=(
            "For each closed vote: the projects with cost, votes, rank and whether they are "
            "funded; with budgets per district, for each district on its own."
        ),
        themes=("GOVE",),
        frequency="IRREG",
        keywords=("Bürgerhaushalt", "Abstimmung"),
        table=_results_table,
    ),
)
