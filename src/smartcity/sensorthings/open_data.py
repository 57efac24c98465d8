"""What the urban data platform releases as open data (the opendata module's catalogue reads
the declaration): hourly means of every public Datastream, and the SensorThings API itself as
the live interface. Also the hourly means other modules' datasets are made of."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.modules import (
    DataApi,
    DatasetDeclaration,
    Period,
    SeriesMembers,
    Table,
    TableColumn,
)
from smartcity.core.tenancy.models import Municipality
from smartcity.sensorthings import access, models


def whole_days(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The last `days` complete UTC days before `now`: a file made at any time of today is
    the same, so its checksum and `modified` change once a day, not at every refresh."""
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def hourly_means(
    db: Session, datastream_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[int, datetime, float, int]]:
    """(Datastream, hour, mean, count) from the hourly rollups, in Datastream and time order."""
    if not datastream_ids:
        return []
    rows = db.execute(
        select(
            models.Rollup.datastream_id,
            models.Rollup.bucket_start,
            models.Rollup.total,
            models.Rollup.count,
        )
        .where(
            models.Rollup.granularity == "hour",
            models.Rollup.datastream_id.in_(datastream_ids),
            models.Rollup.bucket_start >= start,
            models.Rollup.bucket_start < end,
            models.Rollup.count > 0,
        )
        .order_by(models.Rollup.datastream_id, models.Rollup.bucket_start)
    )
    return [(ds, hour, round(total / count, 3), count) for ds, hour, total, count in rows]


MONTHS_DE = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
# How far back a monthly series goes when released (its members are kept after that).
KEEP_MONTHS = 24


def month_period(year: int, month: int) -> Period:
    """A UTC calendar month as a period of a dataset series."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return Period(
        key=f"{year:04d}-{month:02d}",
        label=f"{MONTHS_DE[month - 1]} {year}",
        label_en=f"{calendar.month_name[month]} {year}",
        start=start,
        end=end,
    )


def closed_months(
    db: Session, datastream_ids: Sequence[int], now: datetime, keep: int = KEEP_MONTHS
) -> list[Period]:
    """The closed UTC months (at most `keep` back from `now`) in which any of the
    Datastreams has data (daily rollups), oldest first."""
    if not datastream_ids:
        return []
    this_month = datetime(now.year, now.month, 1, tzinfo=UTC)
    first = now.year * 12 + now.month - 1 - keep
    since = datetime(first // 12, first % 12 + 1, 1, tzinfo=UTC)
    days = db.scalars(
        select(models.Rollup.bucket_start)
        .where(
            models.Rollup.granularity == "day",
            models.Rollup.datastream_id.in_(datastream_ids),
            models.Rollup.bucket_start >= since,
            models.Rollup.bucket_start < this_month,
            models.Rollup.count > 0,
        )
        .distinct()
    )
    months = sorted({(day.year, day.month) for day in days})
    return [month_period(year, month) for year, month in months]


def _public_streams(db: Session) -> dict[int, tuple[str, str, str]]:
    streams = db.execute(
        select(
            models.Datastream.id,
            models.Datastream.name,
            models.ObservedProperty.name,
            models.Datastream.unit_of_measurement,
        )
        .join(models.ObservedProperty)
        .where(access.visible("Datastream"))
        .order_by(models.Datastream.id)
    ).all()
    return {ds: (name, prop, (unit or {}).get("symbol", "")) for ds, name, prop, unit in streams}


def public_measurements(db: Session, municipality: Municipality, now: datetime) -> Table:
    start, end = whole_days(now, 1)
    return measurements_between(db, start, end)


def measurements_between(db: Session, start: datetime, end: datetime) -> Table:
    """Hourly means of every public Datastream from `start` to `end`."""
    described = _public_streams(db)
    rows: list[tuple[object, ...]] = [
        (ds, *described[ds], hour, mean, count)
        for ds, hour, mean, count in hourly_means(db, list(described), start, end)
    ]
    return Table(
        columns=tuple(
            TableColumn(name)
            for name in (
                "datastream_id",
                "datastream",
                "observed_property",
                "unit",
                "hour_start_utc",
                "mean",
                "observations",
            )
        ),
        rows=rows,
        start=start,
        end=end,
    )


def _months_with_measurements(
    db: Session, municipality: Municipality, now: datetime
) -> list[Period]:
    return closed_months(db, list(_public_streams(db)), now)


def _month_of_measurements(db: Session, municipality: Municipality, period: Period) -> Table:
    return measurements_between(db, period.start, period.end)


DATASETS = (
    DatasetDeclaration(
        key="messwerte-monate",
        title="Monatsdateien der öffentlichen Sensoren",
        title_en="Monthly files of the public sensors",
        description=(
            "Stündliche Mittelwerte aller öffentlichen Datastreams der urbanen Datenplattform, "
            "ein Datensatz je abgeschlossenem Kalendermonat (UTC), der nach dem Monat bleibt."
        ),
        description_en=(
            "Hourly means of every public Datastream of the urban data platform, one dataset "
            "per closed calendar month (UTC) that stays after the month."
        ),
        themes=("ENVI", "TECH"),
        frequency="MONTHLY",
        keywords=("Sensoren", "SensorThings", "Messwerte", "Monatswerte"),
        series=SeriesMembers(periods=_months_with_measurements, table=_month_of_measurements),
    ),
    DatasetDeclaration(
        key="messwerte",
        title="Messwerte der öffentlichen Sensoren",
        title_en="Measurements of the public sensors",
        description=(
            "Stündliche Mittelwerte aller öffentlichen Datastreams der urbanen Datenplattform "
            "für den letzten vollständigen Tag (UTC); laufende Werte über die SensorThings API."
        ),
        description_en=(
            "Hourly means of every public Datastream of the urban data platform for the last "
            "complete day (UTC); current values through the SensorThings API."
        ),
        themes=("ENVI", "TECH"),
        frequency="DAILY",
        keywords=("Sensoren", "SensorThings", "Messwerte"),
        table=public_measurements,
        api=DataApi(
            title="OGC SensorThings API 1.1",
            description="Things, Datastreams und Observations nach OGC SensorThings API 1.1.",
            path="sta/v1.1",
            conforms_to="http://www.opengis.net/doc/is/sensorthings/1.1",
        ),
    ),
)
