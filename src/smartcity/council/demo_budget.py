"""Demo data of the budget deliberation: a small made-up double budget (products, groups and
amounts are invented), imported from CSV like the council office would, with ten amendments
of the factions — three on the agenda of the last council meeting held (the digital session's
demo votes on them), two on the next council meeting's, two just filed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.council import budget as budgets
from smartcity.council import services
from smartcity.council.models import (
    AgendaItem,
    Consultation,
    Meeting,
    MeetingOrganization,
    Organization,
    Paper,
)
from smartcity.council.models_budget import Budget

ACTOR = "demo"
# Produktbereich; Produktgruppe; Produkt-Nr.; Bezeichnung; amounts of the two years.
PLAN = (
    ("11 Innere Verwaltung", "11.1 Verwaltungssteuerung", "11.1.01", "Gemeindeorgane",
     "412.300", "418.900"),
    ("11 Innere Verwaltung", "11.1 Verwaltungssteuerung", "11.1.02", "Digitalisierung",
     "1.250.000", "1.380.000"),
    ("11 Innere Verwaltung", "11.3 Gebäudemanagement", "11.3.01", "Rathaus und Verwaltungsgebäude",
     "2.104.500,50", "2.150.000"),
    ("21 Schulträgeraufgaben", "21.1 Grundschulen", "21.1.01", "Grundschule Oberlößnitz",
     "845.000", "1.920.000"),
    ("21 Schulträgeraufgaben", "21.1 Grundschulen", "21.1.02", "Grundschule Niederlößnitz",
     "790.400", "801.200"),
    ("21 Schulträgeraufgaben", "21.5 Schülerbeförderung", "21.5.01", "Schülerbeförderung",
     "310.000", "318.000"),
    ("36 Kinder-, Jugend- und Familienhilfe", "36.5 Kindertagesbetreuung", "36.5.01",
     "Kindertagesstätten", "9.870.000", "10.120.000"),
    ("36 Kinder-, Jugend- und Familienhilfe", "36.6 Jugendarbeit", "36.6.01",
     "Offene Jugendarbeit", "405.000", "412.000"),
    ("54 Verkehrsflächen", "54.1 Gemeindestraßen", "54.1.01", "Straßenunterhaltung",
     "1.640.000", "1.700.000"),
    ("54 Verkehrsflächen", "54.1 Gemeindestraßen", "54.1.02", "Radwege",
     "380.000", "420.000"),
    ("54 Verkehrsflächen", "54.5 Straßenbeleuchtung", "54.5.01", "Straßenbeleuchtung",
     "690.000", "655.000"),
    ("55 Natur- und Landschaftspflege", "55.1 Öffentliches Grün", "55.1.01",
     "Parks und Grünanlagen", "1.120.000", "1.150.000"),
)  # fmt: skip
# Faction (index in the demo's factions), product, changes of the two years, reason.
AMENDMENTS = (
    (1, "54.1.02", "150.000", "150.000",
     "Der Lückenschluss am Elberadweg soll vorgezogen werden."),
    (0, "11.1.01", "-20.000", "-20.000",
     "Die Aufwandsentschädigungen werden nicht erhöht."),
    (2, "55.1.01", "45.000", "", "Zwanzig neue Bänke und drei Trinkbrunnen im Stadtpark."),
    (3, "11.1.02", "-250.000", "", "Die Einführung der E-Akte wird auf zwei Jahre verteilt."),
    (4, "36.6.01", "30.000", "30.000", "Ein zusätzlicher Jugendtreff in Radebeul-West."),
    (1, "54.5.01", "", "-35.000", "Umstellung auf LED senkt die Stromkosten schneller."),
    (0, "21.1.01", "-100.000", "100.000",
     "Die Dachsanierung beginnt erst im zweiten Jahr, wenn die Fördermittel bewilligt sind."),
    (2, "36.5.01", "120.000", "125.000",
     "Zwei zusätzliche Erzieherstellen für die Sprachförderung in den Kitas."),
    (3, "54.1.01", "-80.000", "", "Die Deckenerneuerung der Meißner Straße wird gestreckt."),
    (4, "21.1.02", "25.000", "25.000", "Schulsozialarbeit an der Grundschule Niederlößnitz."),
)  # fmt: skip


def plan_csv(first_year: int) -> bytes:
    """The demo plan as the office's spreadsheet saves it (semicolons, German amounts)."""
    rows = [
        f"Produktbereich;Produktgruppe;Produkt-Nr.;Bezeichnung;"
        f"Ansatz {first_year};Ansatz {first_year + 1}"
    ]
    rows += [";".join(row) for row in PLAN]
    return ("\r\n".join(rows) + "\r\n").encode()


def _council_meetings(db: Session, council: Organization) -> list[Meeting]:
    return list(
        db.scalars(
            select(Meeting)
            .join(MeetingOrganization, MeetingOrganization.meeting_id == Meeting.id)
            .where(MeetingOrganization.organization_id == council.id, Meeting.deleted.is_(False))
            .order_by(Meeting.start)
        )
    )


def _schedule(db: Session, meeting: Meeting, paper: Paper, council: Organization) -> None:
    """The amendment on the meeting's agenda, decided by the council."""
    last = db.scalar(
        select(AgendaItem.order)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.order.desc())
        .limit(1)
    )
    order = (last or 0) + 1
    item = services.create(
        db,
        AgendaItem(meeting_id=meeting.id, number=f"{order}.", order=order, name=paper.name),
        actor=ACTOR,
    )
    services.create(
        db,
        Consultation(
            paper_id=paper.id,
            agenda_item_id=item.id,
            organization_id=council.id,
            authoritative=True,
            role="Entscheidung",
        ),
        actor=ACTOR,
    )


def seed_budget(
    db: Session, council: Organization, factions: list[Organization], now: datetime
) -> Budget:
    """The budget for the next two years with its amendments."""
    year = now.year + 1
    budget = budgets.import_budget(
        db,
        title=f"Haushaltsplan {year}/{year + 1} (Entwurf)",
        data=plan_csv(year),
        budget=None,
        actor=ACTOR,
    )
    lines = {line.number: line for line in budgets.lines_of(db, budget)}
    meetings = _council_meetings(db, council)
    held = [m for m in meetings if m.start < now]
    upcoming = [m for m in meetings if m.start >= now]
    for index, (faction, number, first, second, reason) in enumerate(AMENDMENTS):
        amendment = budgets.file_amendment(
            db,
            budget,
            line_id=lines[number].id,
            faction_id=factions[faction % len(factions)].id,
            changes={year: first, year + 1: second},
            reason=reason,
            today=(now - timedelta(days=30)).date(),
            actor=ACTOR,
        )
        paper = db.get(Paper, amendment.paper_id)
        assert paper is not None
        if index < 3 and held:
            _schedule(db, held[-1], paper, council)
        elif index < 5 and upcoming:
            _schedule(db, upcoming[0], paper, council)
    return budget
