"""Demo data of the web shell: Dresden's portal branding (a colour, an emblem drawn for this
demo — not the city's coat of arms —, contact details), so that `make demo` and the
screenshots show a configured municipality. Radebeul keeps the defaults."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.demo import DemoContext
from smartcity.core.tenancy import profile as profiles

EMBLEM = Path(__file__).parent / "demo_emblem.svg"
# Dark red: white text on it has a contrast of about 9:1.
DRESDEN_COLOUR = "#8c1d2c"


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    with context.tenant_session(dresden) as db:
        municipality = db.merge(dresden)
        if profiles.profile_of(db) is not None:
            return  # seeded before, or set by an administrator: left as it is
        profiles.save_profile(
            db,
            municipality,
            profiles.Texts(
                colour=DRESDEN_COLOUR,
                contact_email="buergerservice@dresden.example",
                contact_phone="+49 351 000000",
                contact_address="Dr.-Külz-Ring 19\n01067 Dresden",
            ),
            actor="cli",
        )
        profiles.set_logo(db, municipality, EMBLEM.read_bytes(), actor="cli")
    context.say("Dresden: portal colour, demo emblem and contact set")
