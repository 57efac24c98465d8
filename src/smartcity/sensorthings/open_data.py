"""What the urban data platform releases as open data (the opendata module's catalogue reads
the declaration): hourly means of every public Datastream, and the SensorThings API itself as
the live interface. Also the hourly means other modules' datasets are made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.modules import DataApi, DatasetDeclaration, Table, TableColumn
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


def public_measurements(db: Session, municipality: Municipality, now: datetime) -> Table:
    start, end = whole_days(now, 1)
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
    described = {
        ds: (name, prop, (unit or {}).get("symbol", "")) for ds, name, prop, unit in streams
    }
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


DATASETS = (
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
