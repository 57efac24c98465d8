"""Demo data: Dresden's "Neugestaltung Altmarkt" collecting proposals, the participatory
budget "Bürgerhaushalt Neustadt" with its vote open, "Bürgerhaushalt Pieschen" voted with
printed voting codes (one for a demo voter, printed at the end), and a finished earlier
budget with its result."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.participation import districts, services, voting
from smartcity.participation.models import Process
from smartcity.participation.services import PhaseInput, ProcessInput, ProposalInput, ReviewInput

ACTOR = "demo"
ALTMARKT_IDEAS = [
    (
        "Mehr Schatten durch Bäume",
        "Große Bäume an der Westseite spenden im Sommer Schatten.",
        51.0505,
        13.7378,
    ),
    (
        "Trinkbrunnen am Altmarkt",
        "Ein Trinkbrunnen für heiße Tage, barrierefrei erreichbar.",
        51.0502,
        13.7385,
    ),
    (
        "Sitzstufen statt Absperrungen",
        "Breite Sitzstufen laden zum Verweilen ein.",
        51.0499,
        13.7381,
    ),
    (
        "Wasserspiel für Kinder",
        "Ein flaches Wasserspiel, im Winter abgeschaltet.",
        51.0507,
        13.7389,
    ),
    (
        "Fahrradbügel am Rand",
        "Genug Abstellplätze für Räder an der Wilsdruffer Straße.",
        51.0511,
        13.7375,
    ),
]
# The Altmarkt and the streets around it (GeoJSON: longitude first): the process's area.
ALTMARKT_AREA = {
    "type": "Polygon",
    "coordinates": [
        [
            [13.7355, 51.0488],
            [13.7405, 51.0488],
            [13.7405, 51.0518],
            [13.7355, 51.0518],
            [13.7355, 51.0488],
        ]
    ],
}
NEUSTADT_PROJECTS = [
    ("Spielplatz Alaunpark erneuern", 4_500_000, 51.0668, 13.7553),
    ("Bänke auf dem Martin-Luther-Platz", 1_200_000, 51.0636, 13.7563),
    ("Lastenrad zum Ausleihen", 800_000, 51.0651, 13.7517),
    ("Blühwiese an der Prießnitz", 1_500_000, 51.0702, 13.7601),
    ("Beleuchtung Fußweg Bischofsweg", 2_500_000, 51.0674, 13.7488),
]


def _citizen(number: int) -> str:
    return f"https://id.demo.example|buerger-{number}"


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    now = utcnow()
    day = timedelta(days=1)
    with context.tenant_session(dresden) as db:
        if services.processes(db):
            return
        secret = context.platform.settings.require_secret_key()
        altmarkt = services.create_process(
            db,
            ProcessInput(
                slug="altmarkt",
                title="Neugestaltung Altmarkt",
                description="Wie soll der Altmarkt in Zukunft aussehen? Sammeln Sie mit uns "
                "Ideen für mehr Grün, Schatten und Aufenthaltsqualität.",
                area="Altstadt",
                categories=("Grün", "Wasser", "Verkehr", "Aufenthalt"),
                support_threshold=10,
            ),
            actor=ACTOR,
        )
        districts.set_area(db, altmarkt, json.dumps(ALTMARKT_AREA), actor=ACTOR)
        services.set_phases(
            db,
            altmarkt,
            [
                PhaseInput("information", now - 20 * day, now - 10 * day),
                PhaseInput("proposals", now - 10 * day, now + 20 * day),
                PhaseInput("support", now + 20 * day, now + 40 * day),
                PhaseInput("review", now + 40 * day, now + 70 * day),
            ],
            actor=ACTOR,
        )
        for number, (title, text, lat, lon) in enumerate(ALTMARKT_IDEAS, start=1):
            proposal = services.submit_proposal(
                db,
                altmarkt,
                ProposalInput(title, f"<p>{text}</p>", f"Bürgerin {number}", "Grün", lat, lon),
                citizen_subject=_citizen(number),
            )
            services.add_comment(
                db,
                proposal,
                services.CommentInput("Gute Idee, das fehlt wirklich.", "Nachbar", "pro"),
                citizen_subject=_citizen(number + 10),
            )

        neustadt = services.create_process(
            db,
            ProcessInput(
                slug="buergerhaushalt-neustadt",
                title="Bürgerhaushalt Neustadt",
                description="100.000 Euro für Projekte in der Neustadt: Sie entscheiden.",
                area="Neustadt",
                budget_cents=10_000_000,
                rule="knapsack",
                tie_break="lower_cost",
            ),
            actor=ACTOR,
        )
        services.set_phases(
            db,
            neustadt,
            [
                PhaseInput("proposals", now - 60 * day, now - 40 * day),
                PhaseInput("review", now - 40 * day, now - 10 * day),
                PhaseInput("voting", now - 10 * day, now + 14 * day),
            ],
            actor=ACTOR,
        )
        _projects(db, neustadt, now - 50 * day)

        earlier = services.create_process(
            db,
            ProcessInput(
                slug="buergerhaushalt-2025",
                title="Bürgerhaushalt Neustadt 2025",
                description="Der Bürgerhaushalt des Vorjahres mit seinem Ergebnis.",
                area="Neustadt",
                budget_cents=5_000_000,
                rule="approval",
                max_choices=2,
            ),
            actor=ACTOR,
        )
        services.set_phases(
            db,
            earlier,
            [
                PhaseInput("proposals", now - 400 * day, now - 380 * day),
                PhaseInput("voting", now - 360 * day, now - 340 * day),
                PhaseInput("results", now - 340 * day, now + 300 * day),
            ],
            actor=ACTOR,
        )
        ids = _projects(db, earlier, now - 390 * day)
        for number in range(1, 31):
            choices = [ids[number % len(ids)], ids[(number * 2 + 1) % len(ids)]]
            voting.cast(
                db,
                earlier,
                sorted(set(choices)),
                citizen_subject=_citizen(100 + number),
                secret=secret,
                now=now - 350 * day,
            )
        pieschen = services.create_process(
            db,
            ProcessInput(
                slug="buergerhaushalt-pieschen",
                title="Bürgerhaushalt Pieschen",
                description="50.000 Euro für Pieschen. Abgestimmt wird mit dem Code aus dem "
                "Brief, den alle Einwohnerinnen und Einwohner ab 14 Jahren erhalten haben.",
                area="Pieschen",
                budget_cents=5_000_000,
                rule="approval",
                max_choices=2,
                identification="codes",
            ),
            actor=ACTOR,
        )
        services.set_phases(
            db,
            pieschen,
            [
                PhaseInput("proposals", now - 60 * day, now - 40 * day),
                PhaseInput("review", now - 40 * day, now - 10 * day),
                PhaseInput("voting", now - 10 * day, now + 14 * day),
            ],
            actor=ACTOR,
        )
        _projects(db, pieschen, now - 50 * day)
        [(_, code)] = voting.generate_codes(db, pieschen, 1, secret=secret, actor=ACTOR)
    context.say("participation: Neugestaltung Altmarkt, Bürgerhaushalt Neustadt (voting open)")
    context.say(f"participation: Bürgerhaushalt Pieschen, voting code of a demo voter: {code}")


def _projects(db: Session, process: Process, when: datetime) -> list[int]:
    ids = []
    for number, (title, cost, lat, lon) in enumerate(NEUSTADT_PROJECTS, start=1):
        proposal = services.submit_proposal(
            db,
            process,
            ProposalInput(title, f"<p>{title}.</p>", f"Anwohner {number}", "", lat, lon),
            citizen_subject=_citizen(50 + number),
            now=when,
        )
        services.review(
            db,
            proposal,
            ReviewInput("feasible", "", cost, "Amt für Stadtgrün"),
            actor=ACTOR,
            now=when,
        )
        services.set_on_ballot(db, proposal, True, actor=ACTOR, now=when)
        ids.append(proposal.id)
    return ids
