"""Open-data catalogue benchmark (issue 25): a catalogue of 5,000 datasets with 20,000
distributions; one page of 100 datasets read and serialised, p50/p95 per format.

    python -m bench.opendata [--datasets 5000] [--rounds 40]

Each round reads a random page through the same code as `GET /{m}/dcat/catalog` (the
published datasets of the page with their distributions, the settings, the total and the
newest `modified`), builds the RDF graph and serialises it: Turtle, RDF/XML, JSON-LD.
SQLite in a temporary directory; results in docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.run import percentile
from smartcity.core import migrate
from smartcity.core.db import transaction, utcnow
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import import_models
from smartcity.opendata import catalogue, rdf, services
from smartcity.opendata.models import PUBLISHED, OpenDataset, OpenDistribution


def fill(platform: Platform, count: int) -> Municipality:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        region = tenancy.get_or_create_region(db)
        municipality = tenancy.create_municipality(
            db, tenancy.MunicipalityInput("dresden", "Dresden", "14612000"), region
        )
    now = utcnow()
    with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(municipality)}) as db:
        settings = services.settings_of(db)
        settings.contact_email = "opendata@dresden.example"
        for number in range(count):
            dataset = OpenDataset(
                uuid=str(uuid.uuid4()),
                source="manual",
                status=PUBLISHED,
                title=f"Datensatz {number}",
                title_en=f"Dataset {number}",
                description="Stündliche Messwerte " * 8,
                description_en="Hourly measurements " * 8,
                themes=["ENVI", "TRAN"],
                keywords=["Umwelt", "Verkehr", "Messwerte"],
                frequency="DAILY",
                issued=now,
                modified=now,
                temporal_start=now,
                temporal_end=now,
            )
            for position, kind in enumerate(("CSV", "JSON", "CSV", "JSON")):
                dataset.distributions.append(
                    OpenDistribution(
                        uuid=str(uuid.uuid4()),
                        title=f"Datei {position}",
                        format=kind,
                        media_type="text/csv" if kind == "CSV" else "application/json",
                        file_name=f"d{position}.{kind.lower()}",
                        byte_size=1000 + position,
                        sha256="0" * 64,
                        issued=now,
                        modified=now,
                    )
                )
            db.add(dataset)
            if number % 500 == 499:
                db.flush()
    return municipality


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    import_models()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(data_dir=Path(directory), secret_key="bench-" + "x" * 40)
        platform = Platform.from_settings(settings)
        migrate.upgrade(platform.engine)
        started = time.perf_counter()
        municipality = fill(platform, args.datasets)
        print(f"filled {args.datasets} datasets in {time.perf_counter() - started:.1f} s")
        pages = -(-args.datasets // services.PAGE_SIZE)
        for kind in rdf.FORMATS:
            samples = []
            for _ in range(args.rounds):
                page = random.randint(1, pages)
                begun = time.perf_counter()
                with transaction(
                    platform.sessions, **{SCOPE_KEY: tenancy.scope_for(municipality)}
                ) as db:
                    graph = catalogue.catalog_page(db, platform.portal, municipality, page)
                body = rdf.serialise(graph, kind)
                samples.append((time.perf_counter() - begun) * 1000)
            print(
                f"{kind:7s} page of {services.PAGE_SIZE}: p50 {statistics.median(samples):6.1f} ms"
                f"  p95 {percentile(samples, 0.95):6.1f} ms  ({len(body) // 1024} KiB,"
                f" {len(graph)} triples)"
            )
        platform.engine.dispose()


if __name__ == "__main__":
    main()
