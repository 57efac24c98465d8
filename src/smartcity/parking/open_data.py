"""Car-park occupancy as open data (read by the opendata module's catalogue): the ParkenDD
interface for the live state, and a daily file of hourly mean free spaces per car park."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.modules import DataApi, DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.parking.models import CarPark
from smartcity.sensorthings.open_data import hourly_means, whole_days


def daily_occupancy(db: Session, municipality: Municipality, now: datetime) -> Table:
    start, end = whole_days(now, 1)
    parks = {
        park.datastream_id: park
        for park in db.scalars(select(CarPark).where(CarPark.datastream_id.is_not(None)))
        if park.datastream_id is not None
    }
    rows: list[tuple[object, ...]] = []
    for datastream, hour, mean, _count in hourly_means(db, list(parks), start, end):
        park = parks[datastream]
        rows.append((park.external_id, park.name, park.lot_type, park.total, hour, mean))
    rows.sort(key=lambda row: (str(row[0]), str(row[4])))
    return Table(
        columns=tuple(
            TableColumn(name)
            for name in ("id", "name", "lot_type", "total", "hour_start_utc", "mean_free")
        ),
        rows=rows,
        start=start,
        end=end,
    )


DATASETS = (
    DatasetDeclaration(
        key="belegung",
        title="Parkhausbelegung",
        title_en="Car-park occupancy",
        description=(
            "Freie Stellplätze der Parkhäuser und Parkplätze: live über die ParkenDD-"
            "Schnittstelle, als Tagesdatei mit dem stündlichen Mittel je Parkhaus für den "
            "letzten vollständigen Tag (UTC)."
        ),
        description_en=(
            "Free spaces of the car parks: live through the ParkenDD interface, and as a daily "
            "file with the hourly mean per car park for the last complete day (UTC)."
        ),
        themes=("TRAN",),
        frequency="DAILY",
        keywords=("Parken", "Parkhaus", "Verkehr"),
        table=daily_occupancy,
        api=DataApi(
            title="ParkenDD-Schnittstelle",
            description="Aktuelle Belegung aller Parkhäuser im ParkenDD-Format (JSON).",
            path="parkendd/",
            conforms_to="https://github.com/offenesdresden/ParkAPI",
        ),
    ),
)
