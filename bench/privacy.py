"""Data-protection benchmark (issue 26): with 1,000,000 cases, 200,000 defect reports and
100,000 water meters (one reading each), an access search for one person (p95, target < 2 s
on PostgreSQL) and the retention job's dry run over everything (target < 60 s) with its
memory (flat: the dry run counts in the database, the run reads keys in batches).

    python -m bench.privacy [--cases 1000000] [--reports 200000] [--meters 100000]
                            [--searches 40] [--sqlite]

Rows are written with COPY on PostgreSQL and Core executemany in chunks on SQLite (the
services would take hours for a million applications); the search and the dry run (with the
modules' own retention jobs, which count the due cases per service) are the code the
officer's API runs.
PostgreSQL from SMARTCITY_BENCH_POSTGRES_URL or the local server (bench.run); results in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert, select

from bench.run import drop_postgres, percentile, postgres_database
from smartcity.cases.models import Case
from smartcity.citizen.models import FormVersion, ServiceAdoption, ServiceTemplate, Submission
from smartcity.core import migrate
from smartcity.core.db import make_engine, table_of, transaction, utcnow
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import import_models, installed_modules
from smartcity.open311.models import ReportCategory, ServiceRequest
from smartcity.privacy import retention
from smartcity.privacy.declarations import declared
from smartcity.privacy.search import find
from smartcity.watermeter.models import MeterReading, WaterMeter

CHUNK = 10_000


def write(connection: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (several times faster than executemany at a million rows), Core
    executemany in chunks elsewhere."""
    if connection.dialect.name != "postgresql":
        for batch in chunks(rows):
            connection.execute(insert(table), batch)
        return
    first = next(rows, None)
    if first is None:
        return
    # COPY applies no Python-side defaults: the columns the rows leave out get them here.
    defaults = {
        c.name: _default(c) for c in table.columns if c.name not in first and c.default is not None
    }
    columns = [*first, *defaults]
    kinds = {name: table.c[name].type for name in columns}
    names = ", ".join(f'"{name}"' for name in columns)
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in itertools.chain([first], rows):
            values = {**defaults, **row}
            copy.write_row(
                [
                    json.dumps(values[n]) if isinstance(kinds[n], JSON) else values[n]
                    for n in columns
                ]
            )


def _default(column: Any) -> Any:
    arg = column.default.arg
    return arg(None) if callable(arg) else arg


def chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(platform: Platform, cases: int, reports: int, meters: int) -> int:
    """The rows, spread over 3 years; returns the municipality's id."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        region = tenancy.get_or_create_region(db)
        town = tenancy.create_municipality(
            db, tenancy.MunicipalityInput("dresden", "Dresden", "14612000"), region, reserved=()
        )
        template = ServiceTemplate(
            region_id=region.id,
            key="hundesteuer",
            name={"de": "Hundesteuer"},
            description={"de": ""},
            default_department="Steueramt",
            # Two years after closing: a year ahead, the cases closed over a year ago are due
            # (the case module's own retention job counts them per service).
            retention_days=730,
        )
        db.add(template)
        db.flush()
        form = FormVersion(template_id=template.id, version=1, schema={}, ui={}, status="published")
        db.add(form)
        db.flush()
        adoption = ServiceAdoption(municipality_id=town.id, template_id=template.id)
        category = ReportCategory(
            municipality_id=town.id, service_code="strasse", name="Straße", department="Tiefbau"
        )
        db.add_all([adoption, category])
        db.flush()
        ids = (town.id, form.id, adoption.id, category.id)
    municipality, form_id, adoption_id, category_id = ids
    now = utcnow()
    submissions, case_files = table_of(Submission), table_of(Case)
    requests, meter_table = table_of(ServiceRequest), table_of(WaterMeter)
    readings = table_of(MeterReading)

    def moment(n: int) -> Any:
        return now - timedelta(minutes=(n * 97) % (3 * 365 * 24 * 60))

    def submission(n: int) -> dict[str, Any]:
        return {
            "municipality_id": municipality,
            "adoption_id": adoption_id,
            "form_version_id": form_id,
            "tracking_code": f"B{n:011d}",
            "data": {"name": f"Person {n % (cases // 3 or 1)}", "street": "Altmarkt 1"},
            "data_sha256": "0" * 64,
            "contact_email": f"person{n % (cases // 3 or 1)}@example.org",
            "citizen_subject": f"https://id.example|{n % (cases // 3 or 1)}",
            "language": "de",
            "submitted_at": moment(n),
            "receipt": "",
        }

    total = cases + reports
    with platform.engine.begin() as connection:
        write(connection, submissions, (submission(n) for n in range(total)))
        first = connection.scalar(select(submissions.c.id).order_by(submissions.c.id).limit(1))
        assert first is not None
        write(
            connection,
            case_files,
            (
                {
                    "municipality_id": municipality,
                    "submission_id": first + n,
                    "adoption_id": adoption_id,
                    "department": "Steueramt",
                    "status": "abgeschlossen" if n % 2 else "eingegangen",
                    "version": 1,
                    "created_at": moment(n),
                    "updated_at": moment(n),
                    "closed_at": moment(n) if n % 2 else None,
                }
                for n in range(total)
            ),
        )
        case_first = connection.scalar(select(case_files.c.id).order_by(case_files.c.id).limit(1))
        assert case_first is not None
        write(
            connection,
            requests,
            (
                {
                    "municipality_id": municipality,
                    "category_id": category_id,
                    "case_id": case_first + cases + n,
                    "token": f"t{n}",
                    "lat": 51.05,
                    "lon": 13.74,
                    "address": "Altmarkt",
                    "description": "Schlagloch",
                    "requested_at": moment(n),
                }
                for n in range(reports)
            ),
        )
        write(
            connection,
            meter_table,
            (
                {
                    "municipality_id": municipality,
                    "meter_number": f"WZ-{n}",
                    "address": f"Straße {n}",
                    "digits": 5,
                    "last_reading_liters": 1000,
                    "last_read_on": now.date(),
                }
                for n in range(meters)
            ),
        )
        meter_first = connection.scalar(
            select(meter_table.c.id).order_by(meter_table.c.id).limit(1)
        )
        assert meter_first is not None
        write(
            connection,
            readings,
            (
                {
                    "municipality_id": municipality,
                    "meter_id": meter_first + n,
                    "reading_liters": 2000,
                    "read_on": moment(n).date(),
                    "previous_liters": 1000,
                    "previous_read_on": moment(n).date(),
                    "status": "accepted",
                    "flags": [],
                    "source": "citizen",
                    "tracking_code": f"W{n:011d}",
                    "receipt": "",
                    "contact_email": f"person{n}@example.org",
                    "submitted_at": moment(n),
                }
                for n in range(meters)
            ),
        )
    return municipality


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=40)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-privacy-"))
    url = None if args.sqlite else postgres_database()
    database_url = url or f"sqlite:///{work / 'bench.sqlite3'}"
    import_models()
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    settings = Settings(
        data_dir=work, database_url=database_url, secret_key="bench-secret-" + "x" * 40
    )
    platform = Platform.from_settings(settings)
    try:
        started = time.perf_counter()
        municipality_id = fill(platform, args.cases, args.reports, args.meters)
        print(f"filled in {time.perf_counter() - started:.0f} s")
        if url:
            with platform.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        declarations = declared(installed_modules())
        with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
            town = tenancy.get_municipality(db, "dresden")
            db.expunge(town)
        assert town.id == municipality_id
        people = args.cases // 3 or 1
        timings = []
        found_rows = []
        for _ in range(args.searches):
            person = random.randrange(people)
            began = time.perf_counter()
            with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(town)}) as db:
                found = find(db, declarations, {"email": [f"person{person}@example.org"]})
            timings.append(time.perf_counter() - began)
            found_rows.append(sum(found.counts().values()))
        print(
            f"access search: p50 {statistics.median(timings) * 1000:.0f} ms, "
            f"p95 {percentile(timings, 0.95) * 1000:.0f} ms, "
            f"{statistics.mean(found_rows):.1f} rows per person"
        )
        tracemalloc.start()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.perf_counter()
        jobs = retention.own_jobs(platform, installed_modules())
        plan = retention.plan(
            platform.sessions, declarations, utcnow() + timedelta(days=365), jobs=jobs
        )
        elapsed = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        due = sum(d.rows for d in plan.due)
        for retention_class, actions in sorted(plan.totals().items()):
            print(f"  {retention_class}: {actions}")
        print(
            f"retention dry run: {elapsed:.1f} s, {due} rows due in {len(plan.due)} classes, "
            f"Python peak {peak / 1e6:.1f} MB, "
            f"max RSS growth {(rss_after - rss_before) / 1e3:.1f} MB"
        )
    finally:
        platform.engine.dispose()
        if url:
            drop_postgres(url)


if __name__ == "__main__":
    main()
