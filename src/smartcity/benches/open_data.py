"""Air quality at the benches as open data (read by the opendata module's catalogue): hourly
means of the pollutants of every bench with their European Air Quality Index, and the live
air-quality interface."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from smartcity.benches import air_quality, services
from smartcity.benches.models import Bench
from smartcity.benches.quantities import POLLUTANT_KEYS
from smartcity.core.modules import (
    DataApi,
    DatasetDeclaration,
    Period,
    SeriesMembers,
    Table,
    TableColumn,
)
from smartcity.core.tenancy.models import Municipality
from smartcity.sensorthings.open_data import closed_months, hourly_means, whole_days

POLLUTANTS = tuple(p for p in air_quality.POLLUTANTS if p in POLLUTANT_KEYS)


def _pollutant_streams(db: Session) -> dict[int, tuple[Bench, str]]:
    """Each bench's pollutant Datastreams: (bench, pollutant key) by Datastream."""
    found = services.statuses(db, services.all_benches(db))
    return {
        datastream: (status.bench, key)
        for status in found
        for key, datastream in status.datastreams.items()
        if key in POLLUTANTS
    }


def hourly_air_quality(db: Session, municipality: Municipality, now: datetime) -> Table:
    start, end = whole_days(now, 7)
    return air_quality_between(db, start, end)


def air_quality_between(db: Session, start: datetime, end: datetime) -> Table:
    """Hourly pollutant means of every bench with their EAQI, from `start` to `end`."""
    stream_of = _pollutant_streams(db)
    cells: dict[tuple[str, datetime], dict[str, float]] = defaultdict(dict)
    for datastream, hour, mean, _count in hourly_means(db, list(stream_of), start, end):
        bench, key = stream_of[datastream]
        cells[(bench.name, hour)][key] = mean
    rows: list[tuple[object, ...]] = []
    for (name, hour), means in sorted(cells.items()):
        index = air_quality.eaqi(means)
        rows.append(
            (
                name,
                hour,
                *(means.get(p) for p in POLLUTANTS),
                index.level.rank if index else None,
                index.level.de if index else None,
            )
        )
    return Table(
        columns=tuple(
            TableColumn(name)
            for name in (
                "bench",
                "hour_start_utc",
                *(f"{p}_ug_m3" for p in POLLUTANTS),
                "eaqi_rank",
                "eaqi_level",
            )
        ),
        rows=rows,
        start=start,
        end=end,
    )


def _months_with_air_quality(
    db: Session, municipality: Municipality, now: datetime
) -> list[Period]:
    return closed_months(db, list(_pollutant_streams(db)), now)


def _month_of_air_quality(db: Session, municipality: Municipality, period: Period) -> Table:
    return air_quality_between(db, period.start, period.end)


DATASETS = (
    DatasetDeclaration(
        key="luftqualitaet-monate",
        title="Luftqualität an den smarten Bänken je Monat",
        title_en="Air quality at the smart benches per month",
        description=(
            "Stündliche Mittelwerte der Schadstoffe (µg/m³) an jeder Bank mit dem Europäischen "
            "Luftqualitätsindex (EAQI), ein Datensatz je abgeschlossenem Kalendermonat (UTC)."
        ),
        description_en=(
            "Hourly mean pollutant concentrations (µg/m³) at every bench with the European Air "
            "Quality Index (EAQI), one dataset per closed calendar month (UTC)."
        ),
        themes=("ENVI", "HEAL"),
        frequency="MONTHLY",
        keywords=("Luftqualität", "Feinstaub", "EAQI", "Umwelt", "Monatswerte"),
        hvd_category="c_dd313021",
        series=SeriesMembers(periods=_months_with_air_quality, table=_month_of_air_quality),
    ),
    DatasetDeclaration(
        key="luftqualitaet",
        title="Luftqualität an den smarten Bänken",
        title_en="Air quality at the smart benches",
        description=(
            "Stündliche Mittelwerte der Schadstoffe (µg/m³) an jeder Bank mit dem Europäischen "
            "Luftqualitätsindex (EAQI) für die letzten sieben vollständigen Tage (UTC); die "
            "aktuelle Luftqualität über die Schnittstelle."
        ),
        description_en=(
            "Hourly mean pollutant concentrations (µg/m³) at every bench with the European Air "
            "Quality Index (EAQI) for the last seven complete days (UTC); the current air "
            "quality through the interface."
        ),
        themes=("ENVI", "HEAL"),
        frequency="HOURLY",
        keywords=("Luftqualität", "Feinstaub", "EAQI", "Umwelt"),
        table=hourly_air_quality,
        api=DataApi(
            title="Luftqualität (JSON)",
            description="Die aktuelle Luftqualität der Gemeinde und jeder Bank.",
            path="api/v1/air-quality",
        ),
        hvd_category="c_dd313021",
    ),
)
