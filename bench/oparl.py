"""OParl 1.1 benchmark of the council information system (issue 24): list pages, a
`modified_since` sync and a complete crawl, through the whole application.

    python -m bench.oparl [--papers 10000] [--files 30000] [--meetings 2000] [--items 10]
                          [--rounds 40] [--changes 1000] [--sync-rounds 5]
                          [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--profile]

1. Data: the platform's and the council's demo data (Radebeul: 10 organizations, 30 persons),
   then `--papers` papers with `--files` files as `bench.council` fills them (texts of 250
   words), and `--meetings` meetings of the council and its committees, each with `--items`
   agenda items, each item consulting a paper (every paper is on two agendas; the one
   non-public paper in twenty on a non-public item). Written straight into the tables.
2. "list": `--rounds` random pages (`limit=100`) of the papers, files, meetings,
   organizations and persons, each an HTTP request through the ASGI app (TestClient, as
   `bench.opendata`); p50/p95 per list and over all. Issue 24's target: p95 < 50 ms.
3. "sync": `--changes` objects changed through `council.services.change` (as the council
   office's forms do: papers, meetings, and files of the changed papers, so that no other
   object changes with them), then every list followed page by page with `modified_since`
   = the moment before and `limit=100`, `--sync-rounds` times; p95 per page, and the check
   that the sync returns exactly the changed objects (with their new names). Target: p95 <
   100 ms per page.
4. "crawl": one client starting at the System (`/oparl/v1.1`) follows every link like a
   harvester: every list page by page, every object it was not given yet (an object that
   arrived in a list or embedded in another is not fetched again); web pages and file
   contents (`web`, `accessUrl`, `downloadUrl`) are not API objects and are left out.
   Objects, requests, bytes and wall time. Target: < 2 minutes.
5. `--profile`: where the time of ten list pages of each kind goes (cProfile, by own time).

SQLite in a temporary directory, or with `--postgres ADMIN_URL` a temporary database on that
server (dropped afterwards). The figures depend on the machine's load; docs/performance.md
keeps them with their conditions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from bench.council import fill as fill_papers
from bench.opendata import database
from bench.run import percentile
from smartcity.app import create_app
from smartcity.core import migrate
from smartcity.core.db import gather_statistics, transaction, utcnow
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, TenantScope
from smartcity.council import oparl, services
from smartcity.council.models import (
    AgendaItem,
    Consultation,
    CouncilFile,
    CouncilLocation,
    Meeting,
    MeetingOrganization,
    Organization,
    Paper,
)
from smartcity.demo import create_demo_data
from smartcity.modules import import_models
from smartcity.server import settled

BATCH = 1_000
LISTS = ("paper", "file", "meeting", "organization", "person")
SYNC_LISTS = (
    "organization",
    "person",
    "meeting",
    "paper",
    "agendaitem",
    "consultation",
    "file",
    "location",
    "legislativeterm",
    "membership",
)
# Links that are no OParl API resources (web pages, file contents, licences, the vocabulary).
NOT_FOLLOWED = frozenset(
    {
        "id",
        "type",
        "first",
        "self",
        "last",
        "prev",
        "web",
        "website",
        "accessUrl",
        "downloadUrl",
        "fileLicense",
        "license",
        "oparlVersion",
        "product",
        "vendor",
        "system",
    }
)
CHANGED = " (geändert)"


def bench_papers(db: Any) -> list[tuple[int, bool]]:
    """The papers `bench.council.fill` wrote (id, public), in the order it wrote them."""
    return [
        (row.id, row.public)
        for row in db.execute(
            select(Paper.id, Paper.public).where(Paper.reference.like("DS/B/%")).order_by(Paper.id)
        )
    ]


def fill_meetings(platform: Platform, scope: TenantScope, meetings: int, items: int) -> None:
    """`meetings` meetings, each with `items` agenda items consulting the benchmark's papers."""
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        municipality_id = scope.municipality_id
        papers = bench_papers(db)
        bodies = list(
            db.scalars(
                select(Organization.id)
                .where(Organization.organization_type == "Gremium")
                .order_by(Organization.id)
            )
        )
        hall = db.scalar(select(CouncilLocation.id).order_by(CouncilLocation.id))
        now = utcnow()
        first = datetime(2016, 1, 12, 16, 30, tzinfo=UTC)
        for start in range(0, meetings, BATCH // items or 1):
            numbers = range(start, min(meetings, start + (BATCH // items or 1)))
            begins = [first + timedelta(days=2 * number) for number in numbers]
            meeting_ids = list(
                db.scalars(
                    insert(Meeting).returning(Meeting.id, sort_by_parameter_order=True),
                    [
                        {
                            "municipality_id": municipality_id,
                            "name": f"{number // len(bodies) + 1}. Sitzung",
                            "meeting_state": "durchgeführt",
                            "cancelled": False,
                            "start": begin,
                            "end": begin + timedelta(hours=3),
                            "location_id": hall,
                            "created_at": now,
                            "modified_at": now,
                            "deleted": False,
                        }
                        for number, begin in zip(numbers, begins, strict=True)
                    ],
                )
            )
            db.execute(
                insert(MeetingOrganization),
                [
                    {
                        "municipality_id": municipality_id,
                        "meeting_id": meeting_id,
                        "organization_id": bodies[number % len(bodies)],
                    }
                    for number, meeting_id in zip(numbers, meeting_ids, strict=True)
                ],
            )
            planned = [
                (number, meeting_id, order, papers[(number * items + order) % len(papers)])
                for number, meeting_id in zip(numbers, meeting_ids, strict=True)
                for order in range(items)
            ]
            item_ids = list(
                db.scalars(
                    insert(AgendaItem).returning(AgendaItem.id, sort_by_parameter_order=True),
                    [
                        {
                            "municipality_id": municipality_id,
                            "meeting_id": meeting_id,
                            "number": f"{order + 1}.",
                            "order": order + 1,
                            "name": f"Beratung der Vorlage {paper_id}",
                            "public": public,
                            "was_public": public,
                            "result": "beschlossen",
                            "resolution_text": "Der Stadtrat beschließt wie vorgeschlagen.",
                            "created_at": now,
                            "modified_at": now,
                            "deleted": False,
                        }
                        for _number, meeting_id, order, (paper_id, public) in planned
                    ],
                )
            )
            db.execute(
                insert(Consultation),
                [
                    {
                        "municipality_id": municipality_id,
                        "paper_id": paper_id,
                        "agenda_item_id": item_id,
                        "organization_id": bodies[number % len(bodies)],
                        "authoritative": number % len(bodies) == 0,
                        "role": "Entscheidung" if number % len(bodies) == 0 else "Vorberatung",
                        "created_at": now,
                        "modified_at": now,
                        "deleted": False,
                    }
                    for (number, _meeting, _order, (paper_id, _public)), item_id in zip(
                        planned, item_ids, strict=True
                    )
                ],
            )


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def get(client: TestClient, url: str, **params: str) -> tuple[float, dict[str, Any], int]:
    """GET an OParl URL; (milliseconds, document, bytes). Anything but 200 stops the bench."""
    began = time.perf_counter()
    response = client.get(path_of(url), params=params or None)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return elapsed, response.json(), len(response.content)


def summary(times: list[float]) -> str:
    return (
        f"p50 {statistics.median(times):6.1f} ms, p95 {percentile(times, 0.95):6.1f} ms,"
        f" max {max(times):6.1f} ms ({len(times)} requests)"
    )


def list_pages(client: TestClient, base: str, rounds: int, rng: random.Random) -> list[float]:
    everything: list[float] = []
    for segment in LISTS:
        _, first, _ = get(client, f"{base}/{segment}", limit="100")
        pages = first["pagination"]["totalPages"]
        times = []
        for _ in range(rounds):
            elapsed, _, _ = get(
                client, f"{base}/{segment}", limit="100", page=str(rng.randint(1, pages))
            )
            times.append(elapsed)
        everything += times
        print(f"list  {segment:12s} ({pages:3d} pages): {summary(times)}")
    print(f"list  all kinds: {summary(everything)}")
    return everything


def change_objects(
    platform: Platform, scope: TenantScope, count: int, rng: random.Random
) -> dict[str, set[int]]:
    """Change `count` objects as the council office does: 60 % papers, 20 % meetings and 20 %
    files of the changed papers (a file's change changes its paper, changed anyway)."""
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        papers = [paper_id for paper_id, public in bench_papers(db) if public]
        chosen = rng.sample(papers, count * 3 // 5)
        meetings = rng.sample(list(db.scalars(select(Meeting.id))), count // 5)
        files = list(
            db.scalars(
                select(CouncilFile.id)
                .where(CouncilFile.paper_id.in_(chosen))
                .order_by(CouncilFile.id)
                .limit(count - len(chosen) - len(meetings))
            )
        )
        changed = {"paper": set(chosen), "meeting": set(meetings), "file": set(files)}
        rows: list[Paper | Meeting | CouncilFile] = [
            *db.scalars(select(Paper).where(Paper.id.in_(chosen))),
            *db.scalars(select(Meeting).where(Meeting.id.in_(meetings))),
            *db.scalars(select(CouncilFile).where(CouncilFile.id.in_(files))),
        ]
        for row in rows:
            services.change(db, row, {"name": row.name + CHANGED}, actor="bench")
    return changed


def sync(
    client: TestClient, base: str, since: datetime, changed: dict[str, set[int]], rounds: int
) -> list[float]:
    times: list[float] = []
    by_list: dict[str, list[float]] = {segment: [] for segment in SYNC_LISTS}
    for _ in range(rounds):
        for segment in SYNC_LISTS:
            found: set[int] = set()
            url: str | None = f"{base}/{segment}"
            params = {"modified_since": since.isoformat(), "limit": "100"}
            while url:
                elapsed, page, _ = get(client, url, **params)
                params = {}  # the next link keeps the filters
                times.append(elapsed)
                by_list[segment].append(elapsed)
                for document in page["data"]:
                    assert not document.get("deleted"), document["id"]
                    assert document["name"].endswith(CHANGED), document["id"]
                    found.add(int(document["id"].rsplit("/", 1)[1]))
                url = page["links"].get("next")
            assert found == changed.get(segment, set()), (segment, len(found))
    pages = len(times) // rounds
    for segment, spent in by_list.items():
        print(f"sync  {segment:15s} ({len(spent) // rounds} pages): {summary(spent)}")
    print(
        f"sync  {sum(map(len, changed.values()))} changed objects, {pages} pages a round:"
        f" {summary(times)}; exactly the changed objects: yes"
    )
    return times


@dataclass
class Crawl:
    requests: int = 0
    bytes: int = 0
    objects: dict[str, str] = field(default_factory=dict)  # id -> type
    fetched_alone: int = 0
    seconds: float = 0.0


def _links(node: Any, crawl: Crawl) -> Iterator[str]:
    """The URLs a document links to; every object in it (embedded too) counted as had."""
    if isinstance(node, dict):
        if isinstance(node.get("id"), str) and "type" in node:
            crawl.objects.setdefault(node["id"], str(node["type"]).rsplit("/", 1)[-1])
        for key, value in node.items():
            if isinstance(value, str):
                if key not in NOT_FOLLOWED and value.startswith("http"):
                    yield value
            else:
                yield from _links(value, crawl)
    elif isinstance(node, list):
        for value in node:
            yield from _links(value, crawl)


def _is_object(url: str) -> bool:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last.isdecimal() or url.endswith("/oparl/v1.1")


def crawl_all(client: TestClient, system: str) -> Crawl:
    """Follow every link from the System: lists first (page by page), then every object no
    list or other object brought."""
    crawl = Crawl()
    began = time.perf_counter()
    queue = [system]
    seen = set(queue)
    objects: list[str] = []
    while queue or objects:
        url = queue.pop() if queue else objects.pop()
        if url in crawl.objects:
            continue  # arrived in a list or embedded meanwhile
        _, document, size = get(client, url)
        crawl.requests += 1
        crawl.bytes += size
        if "data" not in document:
            crawl.fetched_alone += 1
        for link in _links(document, crawl):
            if link in seen:
                continue
            seen.add(link)
            (objects if _is_object(link) else queue).append(link)
    crawl.seconds = time.perf_counter() - began
    return crawl


def profile(platform: Platform, scope: TenantScope) -> None:
    """Where the time of ten list pages of each kind goes, made in this thread as the route
    makes them (the TestClient runs the app in other threads, out of cProfile's sight)."""
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        municipality = db.get(Municipality, scope.municipality_id)
        assert municipality is not None
        urls = oparl.Urls.of(platform.settings.effective_public_url, municipality)
        profiler = cProfile.Profile()
        profiler.enable()
        for segment in LISTS:
            for page in range(1, 11):
                document = oparl.list_page(
                    db,
                    oparl.Writer(db, urls),
                    oparl.KINDS[segment],
                    oparl.ListQuery(page=page),
                    urls.list(segment),
                )
                orjson.dumps(document)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=30_000)
    parser.add_argument("--words", type=int, default=250)
    parser.add_argument("--meetings", type=int, default=2_000)
    parser.add_argument("--items", type=int, default=10, help="agenda items per meeting")
    parser.add_argument("--rounds", type=int, default=40, help="random pages per list")
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--sync-rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--postgres", default="", help="admin URL of a PostgreSQL server")
    parser.add_argument("--profile", action="store_true", help="print where list pages go")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    import_models()
    with (
        tempfile.TemporaryDirectory() as directory,
        database(args.postgres, Path(directory)) as url,
    ):
        settings = Settings(
            data_dir=Path(directory) / "data",
            secret_key="bench-" + "x" * 40,
            database_url=url,
            demo_mode=True,
        )
        platform = Platform.from_settings(settings)
        migrate.upgrade(platform.engine)
        create_demo_data(platform, modules=("core", "cases", "citizen", "privacy", "council"))
        began = time.perf_counter()
        _, scope = fill_papers(platform, args.papers, args.files, args.words, args.seed)
        fill_meetings(platform, scope, args.meetings, args.items)
        print(
            f"{platform.engine.dialect.name}: filled {args.papers} papers, {args.files} files,"
            f" {args.meetings} meetings with {args.meetings * args.items} agenda items and"
            f" consultations in {time.perf_counter() - began:.0f} s"
        )
        if platform.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of such a load: planner statistics, the
            # visibility map, the GIN pending lists merged.
            autocommit = platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with autocommit as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            # SQLite gathers no statistics by itself: without them its planner reads a page's
            # embedded files through the municipality index (all 30,000 files) instead of the
            # parent's. What the platform's job `core.statistics` does at start-up and daily.
            gather_statistics(platform.engine)
        app = create_app(platform=platform, run_broker=False, run_jobs=False)
        settled(app)
        with TestClient(app) as client:
            base = f"{settings.effective_public_url}/radebeul/oparl/v1.1"
            get(client, f"{base}/paper")  # warm up: first request builds what is cached
            list_pages(client, base, args.rounds, rng)
            if args.profile:
                profile(platform, scope)
            since = utcnow()
            changed = change_objects(platform, scope, args.changes, rng)
            sync(client, base, since, changed, args.sync_rounds)
            crawl = crawl_all(client, f"{settings.effective_public_url}/oparl/v1.1")
            counted = sorted(Counter(crawl.objects.values()).items())
            kinds = ", ".join(f"{n} {k}" for k, n in counted)
            print(
                f"crawl {len(crawl.objects)} objects ({kinds}),"
                f" {crawl.requests} requests ({crawl.fetched_alone} fetched on their own),"
                f" {crawl.bytes / 1e6:.0f} MB in {crawl.seconds:.1f} s"
                f" ({'within' if crawl.seconds < 120 else 'OVER'} the 2 minutes)"
            )
        platform.engine.dispose()


if __name__ == "__main__":
    main()
