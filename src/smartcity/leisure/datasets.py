"""The live occupancy of the facilities' zones as open data (read by the opendata module's
catalogue), and its live interface."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartcity.core.modules import DataApi, DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.leisure import facilities, scans


def occupancy_table(db: Session, municipality: Municipality, now: datetime) -> Table:
    rows: list[tuple[object, ...]] = []
    for facility in facilities.facilities(db):
        for zone in scans.occupancy(db, facility, now):
            rows.append(
                (
                    facility.slug,
                    facility.name,
                    zone.zone,
                    zone.capacity,
                    zone.inside,
                    now.isoformat(),
                )
            )
    return Table(
        columns=tuple(
            TableColumn(name)
            for name in ("facility", "facility_name", "zone", "capacity", "inside", "as_of_utc")
        ),
        rows=rows,
        start=now,
        end=now,
    )


OCCUPANCY = DatasetDeclaration(
    key="belegung",
    title="Belegung der Bäder und Museen",
    title_en="Occupancy of pools and museums",
    description=(
        "Wie viele Menschen gerade in den Bereichen der Bäder, Saunen und Museen sind "
        "(Einlass minus Ausgang), mit der Kapazität jedes Bereichs."
    ),
    description_en=(
        "How many people are in the zones of the pools, saunas and museums right now "
        "(entries minus exits), with each zone's capacity."
    ),
    themes=("EDUC",),
    frequency="UPDATE_CONT",
    keywords=("Freizeit", "Schwimmbad", "Museum", "Auslastung"),
    table=occupancy_table,
    api=DataApi(
        title="Belegung live",
        description="Aktuelle Belegung je Einrichtung und Bereich (JSON).",
        path="api/v1/leisure/facilities",
    ),
)
