"""Demo data: a small registry of Dresden's household water meters."""

from __future__ import annotations

import random
from datetime import date

from smartcity.core.demo import DemoContext
from smartcity.watermeter.services import import_csv

STREETS = [
    "Altmarkt",
    "Prager Straße",
    "Königsbrücker Straße",
    "Louisenstraße",
    "Alaunstraße",
    "Bautzner Straße",
    "Hechtstraße",
    "Tharandter Straße",
]


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    chance = random.Random(1206)  # noqa: S311 - demo data, the same registry in every demo
    lines = ["meter_number;address;digits;last_reading;last_reading_date;persons"]
    for n in range(1, 41):
        street = chance.choice(STREETS)
        persons = chance.randint(1, 5)
        reading = chance.randint(100, 9000) + chance.randint(0, 999) / 1000
        lines.append(
            f"WZ-{100000 + n};{street} {chance.randint(1, 120)}, 01067 Dresden;5;"
            f"{reading:.3f}".replace(".", ",")
            + f";{date(date.today().year - 1, 12, 31).isoformat()};{persons}"
        )
    with context.tenant_session(dresden) as db:
        result = import_csv(db, dresden, "\n".join(lines) + "\n", "demo")
    context.say(f"Dresden: {result.created} water meters (WZ-100001 … WZ-100040)")
