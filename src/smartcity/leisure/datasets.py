"""The live occupancy of the facilities' zones as open data (read by the opendata module's
catalogue), and its live interface."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.modules import DataApi, DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.leisure import facilities
from smartcity.leisure.models import Slot, Ticket, Zone
from smartcity.leisure.occupancy import (
    PASS_VISIT,
    admitted_date_ends,
    is_course_ticket,
    occupancy,
)


def counted_since(db: Session, facility_id: int, now: datetime) -> datetime | None:
    """When the facility's counts last changed: its latest entry or exit (of slot tickets and
    of multi-use cards alike), or the moment a visitor still inside stopped counting (the end
    of their slot or course date; for a card, `PASS_VISIT` after the entry). Stable while
    nothing happens, so the published file changes only with the counts (not at every
    refresh)."""
    entered, left = db.execute(
        select(func.max(Ticket.checked_in_at), func.max(Ticket.checked_out_at))
        .join(Zone, Zone.id == Ticket.zone_id)
        .where(Zone.facility_id == facility_id)
    ).one()
    ended = db.scalar(
        select(func.max(Slot.ends_at))
        .join(Ticket, Ticket.slot_id == Slot.id)
        .where(
            Slot.facility_id == facility_id,
            Slot.ends_at <= now,
            Ticket.checked_in_at.is_not(None),
            Ticket.checked_out_at.is_(None),
        )
    )
    card_entry = db.scalar(
        select(func.max(Ticket.checked_in_at))
        .join(Zone, Zone.id == Ticket.zone_id)
        .where(
            Zone.facility_id == facility_id,
            Ticket.slot_id.is_(None),
            ~is_course_ticket(),
            Ticket.checked_out_at.is_(None),
            Ticket.checked_in_at <= now - PASS_VISIT,
        )
    )
    card_ended = card_entry + PASS_VISIT if card_entry is not None else None
    date_ends = admitted_date_ends()
    course_ended = db.scalar(
        select(func.max(date_ends))
        .select_from(Ticket)
        .join(Zone, Zone.id == Ticket.zone_id)
        .where(
            Zone.facility_id == facility_id,
            Ticket.slot_id.is_(None),
            Ticket.checked_in_at.is_not(None),
            Ticket.checked_out_at.is_(None),
            date_ends <= now,
        )
    )
    moments = [
        m for m in (entered, left, ended, card_ended, course_ended) if m is not None and m <= now
    ]
    return max(moments) if moments else None


def occupancy_table(db: Session, municipality: Municipality, now: datetime) -> Table:
    rows: list[tuple[object, ...]] = []
    latest: datetime | None = None
    for facility in facilities.facilities(db):
        since = counted_since(db, facility.id, now)
        if since is not None and (latest is None or since > latest):
            latest = since
        for zone in occupancy(db, facility, now):
            rows.append(
                (
                    facility.slug,
                    facility.name,
                    zone.zone,
                    zone.capacity,
                    zone.inside,
                    since.isoformat() if since else "",
                )
            )
    return Table(
        columns=tuple(
            TableColumn(name)
            for name in ("facility", "facility_name", "zone", "capacity", "inside", "as_of_utc")
        ),
        rows=rows,
        # The counts hold from their last change on (an open period).
        start=latest,
        end=None,
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
