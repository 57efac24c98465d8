"""Demo data: each municipality's catalogue set up, every dataset the modules declare
released, one dataset registered by hand (a CSV the data officer uploaded), and a yearly
series of two budget overviews (dcat:DatasetSeries)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from smartcity.core.demo import DemoContext
from smartcity.core.errors import InvalidInput
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
            released = 0
            for source, declaration in declared.items():
                try:
                    with db.begin_nested():
                        services.switch_on(db, municipality, source, declaration, actor="demo")
                    released += 1
                except InvalidInput as exc:
                    # A module's declaration outside the EU tables is not published; the
                    # demo goes on with the others and says which.
                    context.say(f"open data: {source} not released: {exc.detail}")
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
            _budget_series(db)
        context.say(
            f"open data: {released + 1 + len(BUDGETS)} datasets and a series in "
            f"{municipality.name}'s catalogue"
        )


# Invented round figures of a municipal budget overview, in thousand euros.
BUDGETS = {
    2025: "produktbereich,ertraege_tsd_eur,aufwendungen_tsd_eur\r\n"
    "Innere Verwaltung,41200,118400\r\nSchule und Kultur,22100,96300\r\n",
    2026: "produktbereich,ertraege_tsd_eur,aufwendungen_tsd_eur\r\n"
    "Innere Verwaltung,42800,121900\r\nSchule und Kultur,23400,99700\r\n",
}


def _budget_series(db: Session) -> None:
    series = services.create_series(
        db,
        services.ManualInput(
            title="Haushaltsübersicht",
            description="Erträge und Aufwendungen je Produktbereich, jedes Haushaltsjahr neu.",
            themes=["ECON", "GOVE"],
            frequency="ANNUAL",
            keywords=["Haushalt", "Finanzen"],
        ),
        actor="demo",
    )
    for year, table in BUDGETS.items():
        dataset = services.register(
            db,
            services.ManualInput(
                title=f"Haushaltsübersicht {year}",
                description=f"Erträge und Aufwendungen je Produktbereich im Haushaltsjahr {year}.",
                themes=["ECON", "GOVE"],
                frequency="NEVER",
                keywords=["Haushalt", "Finanzen", str(year)],
                series=series.uuid,
            ),
            actor="demo",
            user_id=None,
        )
        dataset.temporal_start = datetime(year, 1, 1, tzinfo=UTC)
        dataset.temporal_end = datetime(year, 12, 31, 23, 59, 59, tzinfo=UTC)
        services.add_file(
            db,
            dataset,
            file_type="CSV",
            name=f"haushalt-{year}.csv",
            data=table.encode(),
            actor="demo",
        )
        services.move(db, dataset, REVIEW, actor="demo")
        services.move(db, dataset, PUBLISHED, actor="demo")
