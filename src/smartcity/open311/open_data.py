"""Defect reports as open data (read by the opendata module's catalogue): how many reports
each category received per month. Reports come from people, so the dataset is declared about
people: the catalogue publishes a count only when it reaches the municipality's minimum, and
nothing a reporter wrote or where exactly they stood leaves the platform."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.modules import DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.open311.models import ReportCategory, ServiceRequest

MONTHS = 12


def reports_per_month(db: Session, municipality: Municipality, now: datetime) -> Table:
    end = datetime(now.year, now.month, 1, tzinfo=UTC)
    first = now.year * 12 + now.month - 1 - MONTHS
    start = datetime(first // 12, first % 12 + 1, 1, tzinfo=UTC)
    found = db.execute(
        select(ReportCategory.name, ServiceRequest.requested_at)
        .join(ReportCategory, ServiceRequest.category_id == ReportCategory.id)
        .where(ServiceRequest.requested_at >= start, ServiceRequest.requested_at < end)
    )
    # Each report is one person's: the count of reports is the count of persons behind it.
    counts = Counter((category, f"{at:%Y-%m}") for category, at in found)
    rows: list[tuple[object, ...]] = [
        (category, month, count) for (category, month), count in sorted(counts.items())
    ]
    return Table(
        columns=(TableColumn("category"), TableColumn("month"), TableColumn("reports")),
        rows=rows,
        persons="reports",
        start=start,
        end=end,
    )


DATASETS = (
    DatasetDeclaration(
        key="maengelmeldungen",
        title="Mängelmeldungen je Kategorie und Monat",
        title_en="Defect reports per category and month",
        description=(
            "Wie viele Mängel Bürgerinnen und Bürger je Kategorie und Monat gemeldet haben, "
            "für die letzten zwölf vollständigen Monate. Nur Zahlen, keine Texte und Orte der "
            "Meldungen; kleine Zahlen werden zum Schutz der Meldenden nicht veröffentlicht."
        ),
        description_en=(
            "How many defects residents reported per category and month, for the last twelve "
            "complete months. Counts only, no texts or places of the reports; small counts are "
            "withheld to protect the reporters."
        ),
        themes=("GOVE", "REGI"),
        frequency="MONTHLY",
        keywords=("Mängelmelder", "Open311", "Bürgerbeteiligung"),
        table=reports_per_month,
        about_people=True,
    ),
)
