"""The council's open data: the meetings as a table (one row per meeting) and the OParl
interface as its data service; the adopted budgets' lines (one row per line and year)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.modules import DataApi, DatasetDeclaration, Table, TableColumn
from smartcity.core.tenancy.models import Municipality
from smartcity.council import budget as budgets
from smartcity.council.models import Meeting, MeetingOrganization, Organization
from smartcity.council.models_budget import Budget


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


def budget_lines(db: Session, municipality: Municipality, at: datetime) -> Table:
    """Every line of the adopted budgets for every year: the planned amount, the change by the
    adopted amendments and the adopted amount, in euros. No personal data: products and sums."""
    rows: list[tuple[object, ...]] = []
    for budget in db.scalars(select(Budget).where(Budget.adopted.is_(True)).order_by(Budget.id)):
        view = budgets.view(db, budget, public_only=True)
        for area in view.areas:
            for group in area.groups:
                for line in group.lines:
                    for year in budget.years:
                        planned, adopted = line.planned.get(year, 0), line.adopted(year)
                        rows.append(
                            (
                                budget.title,
                                budget.adopted_on,
                                year,
                                area.name,
                                group.name,
                                line.line.number,
                                line.line.name,
                                budgets.euros(planned),
                                budgets.euros(adopted - planned),
                                budgets.euros(adopted),
                            )
                        )
    return Table(
        columns=tuple(
            TableColumn(name)
            for name in (
                "haushalt",
                "beschlossen_am",
                "jahr",
                "produktbereich",
                "produktgruppe",
                "produkt_nr",
                "bezeichnung",
                "ansatz_eur",
                "aenderungen_eur",
                "beschlossen_eur",
            )
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
    DatasetDeclaration(
        key="haushaltsplan",
        title="Haushaltsplan",
        title_en="Budget plan",
        description=(
            "Der vom Stadtrat beschlossene Haushaltsplan: je Produkt (mit Produktbereich und "
            "Produktgruppe) und Haushaltsjahr der Ansatz des Entwurfs, die Änderungen durch "
            "angenommene Änderungsanträge der Fraktionen und der beschlossene Betrag in Euro."
        ),
        description_en=(
            "The budget plan adopted by the council: for each product (with its product area "
            "and group) and year the draft's planned amount, the changes by the factions' "
            "adopted amendments and the adopted amount in euros."
        ),
        themes=("ECON", "GOVE"),
        frequency="ANNUAL",
        keywords=("Haushalt", "Haushaltsplan", "Stadtrat", "Finanzen"),
        table=budget_lines,
    ),
)
