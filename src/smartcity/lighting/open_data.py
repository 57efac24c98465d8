"""Street-lighting energy per month as open data (read by the opendata module's catalogue):
the energy report of every lighting group for each of the last twelve complete months."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.modules import DatasetDeclaration, Period, SeriesMembers, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.lighting.energy import month_report
from smartcity.lighting.models import LightingGroup
from smartcity.sensorthings.open_data import closed_months

MONTHS = 12
COLUMNS = tuple(
    TableColumn(name)
    for name in (
        "group",
        "month",
        "luminaires",
        "nights",
        "kwh",
        "kwh_without_dimming",
        "savings_percent",
    )
)


def _months_before(now: datetime, count: int) -> list[tuple[int, int]]:
    year, month = now.year, now.month
    found = []
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        found.append((year, month))
    return sorted(found)


def _groups(db: Session) -> list[LightingGroup]:
    return list(
        db.scalars(
            select(LightingGroup)
            .options(selectinload(LightingGroup.luminaires))
            .order_by(LightingGroup.name)
        )
    )


def _energy_rows(
    db: Session, municipality: Municipality, months: list[tuple[int, int]]
) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for group in _groups(db):
        for year, month in months:
            report = month_report(db, municipality, group, year, month)
            rows.append(
                (
                    group.name,
                    f"{year:04d}-{month:02d}",
                    len(report.lines),
                    report.nights,
                    round(report.kwh, 2),
                    round(report.baseline_kwh, 2),
                    report.savings_percent,
                )
            )
    return rows


def monthly_energy(db: Session, municipality: Municipality, now: datetime) -> Table:
    months = _months_before(now, MONTHS)
    rows = _energy_rows(db, municipality, months)
    # The months before the current one: from the first day of the oldest to this month's.
    start = datetime(months[0][0], months[0][1], 1, tzinfo=now.tzinfo)
    end = datetime(now.year, now.month, 1, tzinfo=now.tzinfo)
    return Table(columns=COLUMNS, rows=rows, start=start, end=end)


def _months_with_energy(db: Session, municipality: Municipality, now: datetime) -> list[Period]:
    streams = [
        stream
        for group in _groups(db)
        for luminaire in group.luminaires
        for stream in (luminaire.energy_datastream_id, luminaire.power_datastream_id)
        if stream is not None
    ]
    return closed_months(db, streams, now)


def _month_of_energy(db: Session, municipality: Municipality, period: Period) -> Table:
    rows = _energy_rows(db, municipality, [(period.start.year, period.start.month)])
    return Table(columns=COLUMNS, rows=rows, start=period.start, end=period.end)


DATASETS = (
    DatasetDeclaration(
        key="energie-monate",
        title="Energieverbrauch der Straßenbeleuchtung je Monat",
        title_en="Street-lighting energy use per month",
        description=(
            "Der gemessene Energieverbrauch jeder Beleuchtungsgruppe (kWh) mit dem Verbrauch "
            "ohne Dimmung und der Einsparung in Prozent, ein Datensatz je abgeschlossenem Monat."
        ),
        description_en=(
            "The measured energy use of every lighting group (kWh) with the use without "
            "dimming and the savings in percent, one dataset per closed month."
        ),
        themes=("ENER", "GOVE"),
        frequency="MONTHLY",
        keywords=("Straßenbeleuchtung", "Energie", "Klimaschutz", "Monatswerte"),
        series=SeriesMembers(periods=_months_with_energy, table=_month_of_energy),
    ),
    DatasetDeclaration(
        key="energie",
        title="Energieverbrauch der Straßenbeleuchtung",
        title_en="Street-lighting energy use",
        description=(
            "Der gemessene Energieverbrauch jeder Beleuchtungsgruppe je Monat (kWh) für die "
            "letzten zwölf vollständigen Monate, mit dem Verbrauch ohne Dimmung und der "
            "Einsparung in Prozent."
        ),
        description_en=(
            "The measured energy use of every lighting group per month (kWh) for the last "
            "twelve complete months, with the use without dimming and the savings in percent."
        ),
        themes=("ENER", "GOVE"),
        frequency="MONTHLY",
        keywords=("Straßenbeleuchtung", "Energie", "Klimaschutz"),
        table=monthly_energy,
    ),
)
