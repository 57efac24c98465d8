"""The council's open data: the meetings as a table (one row per meeting) and the OParl
interface as its data service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.modules import DataApi, DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.council.models import Meeting, MeetingOrganization, Organization


def meetings(db: Session, municipality: Municipality, at: datetime) -> Table:
    organizations: dict[int, list[str]] = {}
    for meeting_id, name in db.execute(
        select(MeetingOrganization.meeting_id, Organization.name).join(
            Organization, Organization.id == MeetingOrganization.organization_id
        )
    ):
        organizations.setdefault(meeting_id, []).append(name)
    rows: list[tuple[object, ...]] = [
        (
            meeting.id,
            meeting.name,
            "; ".join(organizations.get(meeting.id, [])),
            meeting.start.isoformat(),
            meeting.end.isoformat() if meeting.end else "",
            meeting.meeting_state,
            meeting.cancelled,
        )
        for meeting in db.scalars(
            select(Meeting).where(Meeting.deleted.is_(False)).order_by(Meeting.start)
        )
    ]
    return Table(
        columns=(
            TableColumn("id"),
            TableColumn("name"),
            TableColumn("organization"),
            TableColumn("start"),
            TableColumn("end"),
            TableColumn("state"),
            TableColumn("cancelled"),
        ),
        rows=rows,
    )


DATASETS = (
    DatasetDeclaration(
        key="ratsinformationen",
        title="Ratsinformationen (OParl)",
        title_en="Council information (OParl)",
        description=(
            "Sitzungen des Stadtrats und seiner Ausschüsse mit Tagesordnungen, Drucksachen und "
            "Dokumenten, Gremien und Mitgliedschaften: vollständig über die OParl-1.1-"
            "Schnittstelle, die Sitzungen zusätzlich als Tabelle."
        ),
        description_en=(
            "Meetings of the council and its committees with agendas, papers and documents, "
            "organizations and memberships: complete through the OParl 1.1 interface, the "
            "meetings also as a table."
        ),
        themes=("GOVE",),
        frequency="DAILY",
        keywords=("Stadtrat", "Ratsinformationssystem", "OParl", "Sitzungen"),
        table=meetings,
        api=DataApi(
            title="OParl-1.1-Schnittstelle",
            description=(
                "Körperschaft, Gremien, Personen, Sitzungen und Drucksachen nach OParl 1.1."
            ),
            path="oparl/v1.1/body",
            conforms_to="https://schema.oparl.org/1.1/",
        ),
    ),
)
