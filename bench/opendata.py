"""Open-data catalogue benchmark (issue 25): a catalogue of 5,000 datasets with 20,000
distributions (every tenth dataset a member of one of 50 series); one page of 100 datasets
made and served, p50/p95 per format, with the CPU time of each.

    python -m bench.opendata [--datasets 5000] [--rounds 40] [--postgres URL]
                             [--gc-as-is] [--profile]

1. "made": each round reads a random page through the code of `GET /{m}/dcat/catalog` when
   the page is not kept (the page's rows with their distributions and series, the settings,
   the total and the newest `modified`) and writes it (`triples`): Turtle, RDF/XML, JSON-LD.
   Wall time, CPU time of the process (`time.process_time`) and SQL statements per page.
2. "requests": HTTP requests through the whole application (TestClient): `--rounds` pages
   not kept yet (each a page of its own), the same page again (kept), with its ETag (304),
   and the portal's HTML page.
3. `--profile`: where the CPU time of ten pages goes (cProfile, by own time).

The app is settled as `smartcity serve` settles it (`server.settled`: what start-up built is
frozen out of the garbage collector's sight); `--gc-as-is` measures without that.

SQLite in a temporary directory, or with `--postgres postgresql://postgres@127.0.0.1/postgres`
a temporary database on that server (dropped afterwards). Results in docs/performance.md.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text

from bench.run import percentile
from smartcity.app import create_app
from smartcity.core import migrate
from smartcity.core.db import transaction, utcnow
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import import_models, reserved_slugs
from smartcity.opendata import cache, catalogue, rdf, services
from smartcity.opendata.models import (
    PUBLISHED,
    OpenDataset,
    OpenDatasetSeries,
    OpenDistribution,
)
from smartcity.server import settled

SERIES = 50


def fill(platform: Platform, count: int) -> Municipality:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        region = tenancy.get_or_create_region(db)
        municipality = tenancy.create_municipality(
            db,
            tenancy.MunicipalityInput("dresden", "Dresden", "14612000"),
            region,
            reserved=reserved_slugs(),
        )
    now = utcnow()
    with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(municipality)}) as db:
        settings = services.settings_of(db)
        settings.contact_email = "opendata@dresden.example"
        series = [
            OpenDatasetSeries(
                uuid=str(uuid.uuid4()),
                title=f"Reihe {number}",
                description="Monatliche Auswertung",
                themes=["ENVI"],
                keywords=["Reihe"],
                frequency="MONTHLY",
            )
            for number in range(SERIES)
        ]
        db.add_all(series)
        db.flush()
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
                series_id=series[number % SERIES].id if number % 10 == 0 else None,
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


class Clock:
    """Wall and CPU time (of the whole process: the app runs in it) of a stretch of work."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall_ms = (time.perf_counter() - self.wall) * 1000
        self.cpu_ms = (time.process_time() - self.cpu) * 1000


class Statements:
    """Counts the SQL statements sent through an engine."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


def _summary(label: str, walls: list[float], cpus: list[float]) -> str:
    return (
        f"{label}: wall p50 {statistics.median(walls):6.1f} p95 {percentile(walls, 0.95):6.1f} ms,"
        f" CPU p50 {statistics.median(cpus):6.1f} p95 {percentile(cpus, 0.95):6.1f} ms"
    )


def make_page(platform: Platform, municipality: Municipality, page: int, kind: str) -> bytes:
    with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(municipality)}) as db:
        doc = catalogue.catalog_document(db, platform.portal, municipality, page)
    return rdf.serialise(doc, kind)


def made(platform: Platform, municipality: Municipality, pages: int, rounds: int) -> None:
    statements = Statements(platform.engine)
    for kind in rdf.FORMATS:
        walls, cpus, counts = [], [], []
        body = b""
        for _ in range(rounds):
            page = random.randint(1, pages)
            before = statements.count
            with Clock() as clock:
                body = make_page(platform, municipality, page, kind)
            walls.append(clock.wall_ms)
            cpus.append(clock.cpu_ms)
            counts.append(statements.count - before)
        print(
            _summary(f"made    {kind:7s} page of {services.PAGE_SIZE}", walls, cpus)
            + f" ({len(body) // 1024} KiB, SQL statements {max(counts)})"
        )


def requests(platform: Platform, pages: int, rounds: int) -> None:
    app = create_app(platform=platform, run_broker=False, run_jobs=False)
    with TestClient(app) as client:
        chosen = random.sample(range(1, pages + 1), min(rounds, pages))
        for kind in rdf.FORMATS:
            walls, cpus = [], []
            for page in chosen:
                with Clock() as clock:
                    response = client.get(f"/dresden/dcat/catalog.{kind}?page={page}")
                assert response.status_code == 200
                walls.append(clock.wall_ms)
                cpus.append(clock.cpu_ms)
            print(_summary(f"request {kind:7s} not kept ({len(chosen)} pages)", walls, cpus))
            path = f"/dresden/dcat/catalog.{kind}?page={chosen[0]}"
            etag = response.headers["etag"]
            with Clock() as kept:
                client.get(path)
            with Clock() as unchanged:
                response = client.get(
                    path, headers={"If-None-Match": client.get(path).headers["etag"]}
                )
            assert response.status_code == 304
            assert etag
            print(
                f"request {kind:7s} kept {kept.wall_ms:6.1f} ms (CPU {kept.cpu_ms:.1f}),"
                f" 304 {unchanged.wall_ms:6.1f} ms (CPU {unchanged.cpu_ms:.1f})"
            )
        for label, path in (
            ("portal page", "/dresden/offene-daten"),
            ("portal search", "/dresden/offene-daten?q=Datensatz+42"),
        ):
            client.get(path)
            walls, cpus = [], []
            for _ in range(5):
                with Clock() as clock:
                    response = client.get(path)
                walls.append(clock.wall_ms)
                cpus.append(clock.cpu_ms)
            assert response.status_code == 200
            print(_summary(f"request {label} (5)", walls, cpus))


def profile(platform: Platform, municipality: Municipality, pages: int) -> None:
    """Where the CPU time of making ten pages (each format) goes, by own time."""
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for page in range(1, 11):
        for kind in rdf.FORMATS:
            make_page(platform, municipality, 1 + page % pages, kind)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--postgres", default="", help="admin URL of a PostgreSQL server")
    parser.add_argument(
        "--gc-as-is", action="store_true", help="do not settle the app as `serve` does"
    )
    parser.add_argument("--profile", action="store_true", help="print where the CPU time goes")
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
        with Clock() as clock:
            municipality = fill(platform, args.datasets)
        print(f"filled {args.datasets} datasets in {clock.wall_ms / 1000:.1f} s")
        if args.postgres:
            # The planner statistics autovacuum gathers within a minute of such a fill: without
            # them the files of a page were read through the municipality's index (all 20,000
            # rows filtered, ~70 ms under load) instead of through their dataset's.
            with platform.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        if not args.gc_as_is:
            settled(create_app(platform=platform, run_broker=False, run_jobs=False))
        pages = -(-args.datasets // services.PAGE_SIZE)
        made(platform, municipality, pages, args.rounds)
        requests(platform, pages, args.rounds)
        if args.profile:
            profile(platform, municipality, pages)
        assert len(cache.pages_of(platform.engine)) > 0
        platform.engine.dispose()


if __name__ == "__main__":
    main()
