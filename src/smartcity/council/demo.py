"""Demo data: a made-up council for Radebeul (names and papers are invented) — one legislative
term, the city council with 4 committees and 5 factions, 30 councillors, 12 meetings with
agendas (one non-public item each), 24 papers with PDF files, one of them non-public; the demo
seeder adds a draft budget with the factions' amendments (demo_budget.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.portal import Portal
from smartcity.core.uploads.services import UploadLimits
from smartcity.council import services
from smartcity.council.demo_budget import seed_budget
from smartcity.council.demo_office import seed_office
from smartcity.council.models import (
    AgendaItem,
    Consultation,
    CouncilLocation,
    LegislativeTerm,
    Meeting,
    Membership,
    Organization,
    Paper,
    Person,
)

FACTIONS = (
    ("Fraktion Bürger für Musterstadt", "BfM"),
    ("Fraktion Grün-Sozial", "GS"),
    ("Fraktion Freie Liste", "FL"),
    ("Fraktion Mitte", "M"),
    ("Fraktion Zukunft Elbtal", "ZE"),
)
COMMITTEES = (
    ("Ausschuss für Stadtentwicklung und Umwelt", "ASU"),
    ("Verwaltungs- und Finanzausschuss", "VFA"),
    ("Ausschuss für Bildung, Kultur und Soziales", "ABKS"),
    ("Ausschuss für Verkehr und Ordnung", "AVO"),
)
GIVEN = (
    "Anna", "Bernd", "Claudia", "Dirk", "Elke", "Frank", "Gabi", "Heiko", "Ines", "Jens",
    "Katrin", "Lars", "Maria", "Nils", "Olga", "Peter", "Rita", "Sven", "Tina", "Uwe",
    "Vera", "Walter", "Yvonne", "Zoe", "Axel", "Birgit", "Carsten", "Doris", "Erik", "Franka",
)  # fmt: skip
FAMILY = (
    "Albrecht", "Bauer", "Conrad", "Dietrich", "Ebert", "Fischer", "Günther", "Hoffmann",
    "Illgen", "Jahn", "Krause", "Lehmann", "Meier", "Neumann", "Otto", "Pohl", "Quast",
    "Richter", "Schulze", "Thiele", "Ulbrich", "Vogel", "Walther", "Xander", "Young",
    "Zimmermann", "Arnold", "Brandt", "Claus", "Dörr",
)  # fmt: skip
TOPICS = (
    ("Bebauungsplan Nr. 42 „Wohnen am Lößnitzbach“", "Beschlussvorlage"),
    ("Sanierung der Grundschule Oberlößnitz", "Beschlussvorlage"),
    ("Radverkehrskonzept 2030", "Beschlussvorlage"),
    ("Antrag: Trinkbrunnen in der Innenstadt", "Antrag"),
    ("Anfrage: Stand der Breitbandversorgung", "Anfrage"),
    ("Jahresabschluss 2025 der Stadtwerke", "Mitteilungsvorlage"),
    ("Satzung über die Erhebung von Parkgebühren", "Beschlussvorlage"),
    ("Antrag: Mehr Sitzbänke im Stadtpark", "Antrag"),
    ("Kita-Bedarfsplanung 2027", "Beschlussvorlage"),
    ("Klimaschutzkonzept – Fortschreibung", "Beschlussvorlage"),
    ("Vergabe Winterdienst 2027–2030", "Beschlussvorlage"),
    ("Antrag: Digitale Ratsarbeit ausbauen", "Antrag"),
)
# What each paper's PDF says beyond its title (the text is extracted and searchable).
DETAILS = (
    "Das Plangebiet umfasst 3,2 Hektar Brachfläche; vorgesehen sind 80 Wohnungen und eine Kita.",
    "Die Dachsanierung und der Brandschutz werden mit Fördermitteln des Freistaats finanziert.",
    "Vorgesehen sind Fahrradstraßen, 200 Abstellbügel und eine Verbindung zum Elberadweg.",
    "Drei Trinkbrunnen am Bahnhof, am Anger und im Lößnitzgrund sollen im Sommer Wasser geben.",
    "Glasfaser erreicht 61 Prozent der Haushalte; die Verwaltung berichtet über den Ausbau.",
    "Die Stadtwerke schließen mit einem Überschuss ab; die Konzessionsabgabe steigt.",
    "Die Parkgebühr in der Innenstadt beträgt künftig 1,50 Euro je Stunde; Anwohner zahlen nicht.",
    "Zwanzig neue Sitzbänke aus heimischem Lärchenholz werden entlang der Wege aufgestellt.",
    "Bis 2027 fehlen 45 Krippenplätze; eine Erweiterung der Kita Sonnenschein wird empfohlen.",
    "Das Konzept senkt die Treibhausgasemissionen der Verwaltung bis 2035 um 65 Prozent.",
    "Der Winterdienst wird europaweit ausgeschrieben; Streusalz wird durch Sole ersetzt.",
    "Ratsmitglieder erhalten Tablets; Sitzungen werden gestreamt und elektronisch abgestimmt.",
)
RESULTS = ("ungeändert beschlossen", "geändert beschlossen", "vertagt", "zur Kenntnis genommen")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def pdf(title: str, lines: list[str]) -> bytes:
    """A small PDF document with a title and some text (for demo and tests)."""
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=16)
    document.multi_cell(
        0, 10, title.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT"
    )
    document.set_font("Helvetica", size=11)
    for line in lines:
        document.multi_cell(
            0, 7, line.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(document.output())


@dataclass
class Seeded:
    council: Organization
    committees: list[Organization]
    factions: list[Organization]
    persons: list[Person]
    meetings: list[Meeting]
    papers: list[Paper]
    # The held meeting with a stream, a recording and chapters (demo_office.py).
    streamed: Meeting | None = None


def seed_council(
    db: Session, *, data_dir: Path, limits: UploadLimits, now: datetime, meetings: int = 12
) -> Seeded:
    """A council with its committees, factions, members, meetings, agendas and papers."""
    actor = "demo"
    term = services.create(
        db,
        LegislativeTerm(
            name="Wahlperiode 2024–2029", start_date=date(2024, 8, 1), end_date=date(2029, 7, 31)
        ),
        actor=actor,
    )
    del term
    hall = services.create(
        db,
        CouncilLocation(
            description="Rathaus, Ratssaal",
            street_address="Pestalozzistraße 6",
            room="Ratssaal",
            postal_code="01445",
            locality="Radebeul",
            latitude=51.1066,
            longitude=13.6600,
        ),
        actor=actor,
    )
    council = services.create(
        db,
        Organization(
            name="Stadtrat",
            short_name="SR",
            organization_type="Gremium",
            classification="Stadtrat",
            start_date=date(2024, 8, 1),
            location_id=hall.id,
        ),
        actor=actor,
    )
    committees = [
        services.create(
            db,
            Organization(
                name=name,
                short_name=short,
                organization_type="Gremium",
                classification="Ausschuss",
                sub_organization_of_id=council.id,
                start_date=date(2024, 8, 1),
            ),
            actor=actor,
        )
        for name, short in COMMITTEES
    ]
    factions = [
        services.create(
            db,
            Organization(
                name=name, short_name=short, organization_type="Fraktion", classification="Fraktion"
            ),
            actor=actor,
        )
        for name, short in FACTIONS
    ]
    persons: list[Person] = []
    for index, (given, family) in enumerate(zip(GIVEN, FAMILY, strict=True)):
        person = services.create(
            db,
            Person(
                name=f"{given} {family}",
                given_name=given,
                family_name=family,
                form_of_address="Stadträtin" if index % 2 == 0 else "Stadtrat",
                title="Dr." if index % 7 == 3 else "",
            ),
            actor=actor,
        )
        persons.append(person)
        faction = factions[index % len(factions)]
        for organization, role in (
            (council, "Vorsitzende" if index == 0 else "Mitglied"),
            (faction, "Fraktionsvorsitz" if index < len(factions) else "Mitglied"),
        ):
            services.create(
                db,
                Membership(
                    person_id=person.id,
                    organization_id=organization.id,
                    role=role,
                    voting_right=True,
                    start_date=date(2024, 8, 1),
                ),
                actor=actor,
            )
        committee = committees[index % len(committees)]
        services.create(
            db,
            Membership(
                person_id=person.id,
                organization_id=committee.id,
                role="Mitglied",
                voting_right=index % 9 != 8,
                start_date=date(2024, 9, 1),
                on_behalf_of_id=faction.id,
            ),
            actor=actor,
        )
    papers: list[Paper] = []
    for index, (topic, paper_type) in enumerate(TOPICS * 2):
        number = index + 1
        originator = factions[index % len(factions)] if paper_type == "Antrag" else None
        paper = services.create(
            db,
            Paper(
                name=topic if index < len(TOPICS) else f"{topic} (2. Lesung)",
                reference=f"DS/{2026 if index < len(TOPICS) else 2027}/{number:03d}",
                date=(now - timedelta(days=120 - 4 * index)).date(),
                paper_type=paper_type,
                public=index != 5,  # one confidential paper (a contract award)
                originator_organization_id=originator.id if originator else None,
                under_direction_of_id=None if originator else committees[index % 4].id,
            ),
            actor=actor,
        )
        services.attach_file(
            db,
            parent=paper,
            role="mainFile",
            name=f"Vorlage {paper.reference}",
            upload=services.Upload(
                f"vorlage-{number:03d}.pdf",
                pdf(
                    f"{paper.reference}: {paper.name}",
                    [
                        f"{paper_type} der Stadtverwaltung (Demo-Daten).",
                        f"Sachverhalt: {DETAILS[index % len(DETAILS)]}",
                        "Beschlussvorschlag: Der Stadtrat stimmt der Vorlage zu.",
                    ],
                ),
            ),
            public=paper.public,
            file_date=paper.date,
            license=LICENSE,
            data_dir=data_dir,
            limits=limits,
            actor=actor,
        )
        papers.append(paper)
    created: list[Meeting] = []
    # The next 16:30 from now: the middle meeting is always ahead (the first one to be run
    # as a digital session), whatever the time of day the data is seeded at.
    base = now.replace(hour=16, minute=30, second=0, microsecond=0)
    if base <= now:
        base += timedelta(days=1)
    for index in range(meetings):
        organization = council if index % 3 == 0 else committees[index % 4]
        start = base + timedelta(days=14 * (index - meetings // 2))
        held = start < now
        meeting = services.create(
            db,
            Meeting(
                name=f"{index // 3 + 1}. Sitzung: {organization.name}",
                meeting_state="durchgeführt" if held else "eingeladen",
                start=start.astimezone(UTC),
                end=(start + timedelta(hours=3)).astimezone(UTC),
                location_id=hall.id,
            ),
            actor=actor,
        )
        services.set_meeting_organizations(db, meeting, [organization.id], actor=actor)
        services.attach_file(
            db,
            parent=meeting,
            role="invitation",
            name="Einladung",
            upload=services.Upload(
                "einladung.pdf", pdf(f"Einladung: {meeting.name}", ["Tagesordnung anbei."])
            ),
            public=True,
            file_date=(start - timedelta(days=7)).date(),
            license=LICENSE,
            data_dir=data_dir,
            limits=limits,
            actor=actor,
        )
        order = 0
        for number, name in ((1, "Eröffnung und Feststellung der Beschlussfähigkeit"),):
            order += 1
            services.create(
                db,
                AgendaItem(meeting_id=meeting.id, number=f"{number}.", order=order, name=name),
                actor=actor,
            )
        for offset in range(2):
            paper = papers[(2 * index + offset) % len(papers)]
            order += 1
            item = services.create(
                db,
                AgendaItem(
                    meeting_id=meeting.id,
                    number=f"{order}.",
                    order=order,
                    name=paper.name,
                    public=paper.public,
                    result=RESULTS[(index + offset) % len(RESULTS)] if held else "",
                    resolution_text="Der Stadtrat beschließt wie vorgeschlagen." if held else "",
                ),
                actor=actor,
            )
            services.create(
                db,
                Consultation(
                    paper_id=paper.id,
                    agenda_item_id=item.id,
                    organization_id=organization.id,
                    authoritative=organization.id == council.id,
                    role="Entscheidung" if organization.id == council.id else "Vorberatung",
                ),
                actor=actor,
            )
        order += 1
        services.create(
            db,
            AgendaItem(
                meeting_id=meeting.id,
                number=f"{order}.",
                order=order,
                name="Grundstücksangelegenheiten (nicht öffentlich)",
                public=False,
            ),
            actor=actor,
        )
        created.append(meeting)
    streamed = seed_office(db, persons, created, now)
    return Seeded(council, committees, factions, persons, created, papers, streamed)


def seed(context: DemoContext) -> None:
    municipality = context.municipalities.get("radebeul")
    if municipality is None:
        return
    portal = Portal.of(context.platform.settings)
    with context.tenant_session(municipality) as db:
        if db.scalar(select(func.count()).select_from(Organization)):
            return
        now = utcnow()
        seeded = seed_council(db, data_dir=portal.data_dir, limits=portal.limits, now=now)
        seed_budget(db, seeded.council, seeded.factions, now)
    context.say(
        "  Council (Radebeul): 4 committees, 5 factions, 30 councillors, 12 meetings, "
        "24 papers; OParl at /oparl/v1.1; a draft budget with 10 amendments at "
        "/radebeul/ratsinfo/haushalt"
    )
