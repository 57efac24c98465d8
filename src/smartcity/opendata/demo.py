"""Demo data: each municipality's catalogue set up, every dataset the modules declare
released, and one dataset registered by hand (a CSV the data officer uploaded)."""

from __future__ import annotations

from smartcity.core.demo import DemoContext
from smartcity.opendata import services, vocab
from smartcity.opendata.models import PUBLISHED, REVIEW

OFFICES = (
    "name,strasse,plz,montag,dienstag,donnerstag\r\n"
    "Bürgerbüro Mitte,Theaterstraße 11,01067,08:00-18:00,08:00-18:00,08:00-18:00\r\n"
    "Bürgerbüro Nord,Hoyerswerdaer Straße 1,01099,08:00-12:00,08:00-18:00,08:00-18:00\r\n"
)


def seed(context: DemoContext) -> None:
    declared = context.modules.datasets()
    for municipality in context.municipalities.values():
        with context.tenant_session(municipality) as db:
            settings = services.settings_of(db)
            settings.contact_email = f"opendata@{municipality.slug}.example"
            settings.contributor_id = vocab.land_contributor(municipality.ags)
            for source, declaration in declared.items():
                services.switch_on(db, municipality, source, declaration, actor="demo")
            dataset = services.register(
                db,
                services.ManualInput(
                    title="Bürgerbüros und Öffnungszeiten",
                    description="Die Bürgerbüros mit Anschrift und Öffnungszeiten.",
                    themes=["GOVE"],
                    frequency="IRREG",
                    keywords=["Bürgerbüro", "Öffnungszeiten"],
                ),
                actor="demo",
                user_id=None,
            )
            services.add_file(
                db,
                dataset,
                file_type="CSV",
                name="buergerbueros.csv",
                data=OFFICES.encode(),
                actor="demo",
            )
            services.move(db, dataset, REVIEW, actor="demo")
            services.move(db, dataset, PUBLISHED, actor="demo")
        context.say(f"open data: {len(declared) + 1} datasets in {municipality.name}'s catalogue")
