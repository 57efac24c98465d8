"""Open-data catalogue benchmark (issue 25): a catalogue of 5,000 datasets with 20,000
distributions; one page of 100 datasets read and serialised, p50/p95 per format.

    python -m bench.opendata [--datasets 5000] [--rounds 40] [--postgres URL]

1. "made": each round reads a random page through the code of `GET /{m}/dcat/catalog` when
   the page is not kept (the page's rows with their distributions and series, the settings,
   the total and the newest `modified`) and writes it (`triples`): Turtle, RDF/XML, JSON-LD.
2. "requests": single HTTP requests through the whole application (TestClient): a page not
   kept yet, the same page again (kept), with its ETag (304), and the portal's HTML page.

SQLite in a temporary directory, or with `--postgres postgresql://postgres@127.0.0.1/postgres`
a temporary database on that server (dropped afterwards). Results in docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bench.run import percentile
from smartcity.app import create_app
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


@contextmanager
def database(postgres: str | None, directory: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{directory / 'bench.sqlite3'}"
        return
    name = f"smartcity_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _ms(begun: float) -> float:
    return (time.perf_counter() - begun) * 1000


def made(platform: Platform, municipality: Municipality, pages: int, rounds: int) -> None:
    for kind in rdf.FORMATS:
        samples = []
        for _ in range(rounds):
            page = random.randint(1, pages)
            begun = time.perf_counter()
            with transaction(
                platform.sessions, **{SCOPE_KEY: tenancy.scope_for(municipality)}
            ) as db:
                doc = catalogue.catalog_document(db, platform.portal, municipality, page)
            body = rdf.serialise(doc, kind)
            samples.append(_ms(begun))
        print(
            f"made   {kind:7s} page of {services.PAGE_SIZE}: p50 {statistics.median(samples):6.1f}"
            f" ms  p95 {percentile(samples, 0.95):6.1f} ms  ({len(body) // 1024} KiB,"
            f" {len(doc)} triples)"
        )


def requests(platform: Platform, pages: int) -> None:
    app = create_app(platform=platform, run_broker=False, run_jobs=False)
    with TestClient(app) as client:
        for kind in rdf.FORMATS:
            path = f"/dresden/dcat/catalog.{kind}?page={random.randint(1, pages)}"
            begun = time.perf_counter()
            first = client.get(path)
            cold = _ms(begun)
            begun = time.perf_counter()
            client.get(path)
            kept = _ms(begun)
            begun = time.perf_counter()
            unchanged = client.get(path, headers={"If-None-Match": first.headers["etag"]})
            not_modified = _ms(begun)
            assert first.status_code == 200
            assert unchanged.status_code == 304
            print(
                f"request {kind:7s}: not kept {cold:6.1f} ms, kept {kept:6.1f} ms,"
                f" 304 {not_modified:6.1f} ms"
            )
        for label, path in (
            ("portal page", "/dresden/offene-daten"),
            ("portal search", "/dresden/offene-daten?q=Datensatz+42"),
        ):
            client.get(path)
            timings = []
            for _ in range(3):
                begun = time.perf_counter()
                response = client.get(path)
                timings.append(_ms(begun))
            assert response.status_code == 200
            print(f"request {label}: {statistics.median(timings):6.1f} ms (median of 3)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--postgres", default="", help="admin URL of a PostgreSQL server")
    args = parser.parse_args()
    import_models()
    with (
        tempfile.TemporaryDirectory() as directory,
        database(args.postgres, Path(directory)) as url,
    ):
        settings = Settings(
            data_dir=Path(directory), secret_key="bench-" + "x" * 40, database_url=url
        )
        platform = Platform.from_settings(settings)
        migrate.upgrade(platform.engine)
        started = time.perf_counter()
        municipality = fill(platform, args.datasets)
        print(f"filled {args.datasets} datasets in {time.perf_counter() - started:.1f} s")
        pages = -(-args.datasets // services.PAGE_SIZE)
        made(platform, municipality, pages, args.rounds)
        requests(platform, pages)
        platform.engine.dispose()


if __name__ == "__main__":
    main()
