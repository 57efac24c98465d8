"""Demo data: Dresden's report categories (with the departments that fix them) and three
reports, one of them already closed with a note."""

from __future__ import annotations

from typing import Any

from smartcity.cases import services as cases
from smartcity.cases.models import Case
from smartcity.core.demo import DemoContext
from smartcity.core.portal import Portal
from smartcity.open311 import categories, services

CATEGORIES: list[dict[str, Any]] = [
    {
        "service_code": "strassenschaden",
        "name": "Straßenschaden",
        "description": "Schlaglöcher, lose Gehwegplatten, beschädigte Bordsteine",
        "group": "Straßen und Wege",
        "keywords": ["Schlagloch", "Gehweg"],
        "department": "Straßen- und Tiefbauamt",
        "attributes": [
            {
                "code": "flaeche",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "Wo ist der Schaden?",
                "values": [
                    {"key": "fahrbahn", "name": "Fahrbahn"},
                    {"key": "gehweg", "name": "Gehweg"},
                    {"key": "radweg", "name": "Radweg"},
                ],
            }
        ],
    },
    {
        "service_code": "muell",
        "name": "Illegale Müllablagerung",
        "description": "Abgestellter Sperrmüll, wilde Müllkippe",
        "group": "Sauberkeit",
        "keywords": ["Sperrmüll", "Abfall"],
        "department": "Amt für Stadtgrün und Abfallwirtschaft",
        "attributes": [
            {
                "code": "art",
                "datatype": "multivaluelist",
                "description": "Was liegt dort?",
                "values": [
                    {"key": "sperrmuell", "name": "Sperrmüll"},
                    {"key": "elektro", "name": "Elektrogeräte"},
                    {"key": "sonder", "name": "Farben, Öle, Chemikalien"},
                ],
            }
        ],
    },
    {
        "service_code": "beleuchtung",
        "name": "Straßenbeleuchtung defekt",
        "description": "Leuchte dunkel, flackert oder brennt am Tag",
        "group": "Straßen und Wege",
        "keywords": ["Laterne", "Licht"],
        "department": "Straßenbeleuchtung",
        "attributes": [],
    },
    {
        "service_code": "spielplatz",
        "name": "Spielplatz",
        "description": "Beschädigte Spielgeräte, Glasscherben",
        "group": "Grün und Spiel",
        "keywords": ["Spielgerät"],
        "department": "Amt für Stadtgrün und Abfallwirtschaft",
        "attributes": [],
    },
]


REPORTS = [
    services.NewReport(
        service_code="strassenschaden",
        lat=51.0493,
        long=13.7381,
        address_string="Wilsdruffer Straße 10",
        description="Tiefes Schlagloch am Fahrbahnrand vor der Haltestelle.",
        attributes={"flaeche": ["fahrbahn"]},
    ),
    services.NewReport(
        service_code="muell",
        lat=51.0631,
        long=13.7480,
        description="Alte Matratze und ein Kühlschrank am Albertplatz.",
        attributes={"art": ["sperrmuell", "elektro"]},
    ),
    services.NewReport(
        service_code="spielplatz",
        lat=51.0559,
        long=13.7297,
        description="Schaukel am Zwingerteich hat eine gerissene Kette.",
    ),
]


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    portal = Portal.of(context.platform.settings)
    with context.tenant_session(dresden) as db:
        for data in CATEGORIES:
            categories.save(db, data, actor="demo")
        filed = [services.file_report(db, portal, dresden, report) for report in REPORTS]
        closed = filed[2].request
        case = db.get(Case, closed.case_id) if closed.case_id else None
        if case is not None:
            cases.send_message(
                db, portal, dresden, case, "Die Kette wurde ersetzt. Danke für den Hinweis!", "demo"
            )
            cases.change_status(db, case, "abgeschlossen", None, "demo")
    context.say(
        f"Dresden: {len(CATEGORIES)} Mängelmelder categories, {len(filed)} reports (Open311)"
    )
