"""Full-text search benchmark of the council information system (issue 24): search across
papers and their files' texts at the size of a large city's council archive.

    python -m bench.council [--papers 10000] [--files 30000] [--words 250] [--queries 200]
                            [--backend postgresql]

Per database: the platform's and the council's demo data (Radebeul), then `--papers` papers and
`--files` files (spread over the papers, each a text of `--words` words drawn with a Zipf-like
distribution from a vocabulary of 20,000 made-up German-looking words, so common words are
in many documents and rare ones in few) written straight into the tables — the search indexes
(PostgreSQL: GIN expression indexes; SQLite: the FTS5 table through its triggers) are kept by
the database as in production. Then `--queries` searches as the portal's search page runs them
(`council.search.search`, public visibility rules included): one, two and three words, common
and rare, each timed; reported p50/p95/p99 and the share of searches with hits. Issue 24's
target: p95 < 100 ms on PostgreSQL over 10,000 papers with 30,000 files.

The figures depend on the machine's load; docs/performance.md keeps the conditions with them.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.run import percentile, run_backends
from smartcity.core.db import transaction, utcnow
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM, TenantScope
from smartcity.council import search
from smartcity.council.models import CouncilFile, Paper
from smartcity.demo import create_demo_data

SYLLABLES = (
    "ab", "an", "bau", "be", "ber", "dorf", "ein", "er", "fahr", "feld", "ge", "gen", "haus",
    "heim", "kauf", "kehr", "land", "lei", "markt", "mit", "nah", "neu", "ord", "plan", "rat",
    "recht", "sat", "schaft", "schul", "stadt", "stand", "steu", "tag", "ung", "ver", "wald",
    "weg", "werk", "wirt", "zug",
)  # fmt: skip
VOCABULARY = 20_000
BATCH = 1_000


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def zipf_words(rng: random.Random, words: list[str], count: int) -> list[str]:
    # Rank r drawn with probability ~ 1/r: common words are everywhere, rare ones in few texts.
    return [words[min(len(words) - 1, int(len(words) ** rng.random()) - 1)] for _ in range(count)]


def fill(
    platform: Platform, papers: int, files: int, words_per_file: int, seed: int
) -> tuple[list[str], TenantScope]:
    rng = random.Random(seed)
    words = vocabulary(rng)
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        radebeul = tenancy.get_municipality(db, "radebeul")
        scope = tenancy.scope_for(radebeul)
        municipality_id = radebeul.id
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        first_paper = (db.scalar(select(func.max(Paper.id))) or 0) + 1
        # The files' content is not needed to search, but OParl lists (and search finds) only
        # files with content: the benchmark's files share the demo's first stored file.
        stored = db.scalar(
            select(CouncilFile.stored_file_id).where(CouncilFile.stored_file_id.is_not(None))
        )
    now = utcnow()
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        for start in range(0, papers, BATCH):
            db.execute(
                insert(Paper),
                [
                    {
                        "municipality_id": municipality_id,
                        "name": " ".join(zipf_words(rng, words, 6)).capitalize(),
                        "reference": f"DS/B/{number:05d}",
                        "date": date(2020, 1, 1) + timedelta(days=number % 2_000),
                        "paper_type": "Beschlussvorlage",
                        "public": number % 20 != 0,  # one in 20 is not public
                        "was_public": number % 20 != 0,
                        "created_at": now,
                        "modified_at": now,
                        "deleted": False,
                    }
                    for number in range(start, min(papers, start + BATCH))
                ],
            )
        for start in range(0, files, BATCH):
            db.execute(
                insert(CouncilFile),
                [
                    {
                        "municipality_id": municipality_id,
                        "name": f"Anlage {number}",
                        "file_name": f"anlage-{number}.pdf",
                        "mime_type": "application/pdf",
                        "size": 0,
                        "sha512": "",
                        "license": "",
                        "text": " ".join(zipf_words(rng, words, words_per_file)),
                        "public": True,
                        "was_public": True,
                        "stored_file_id": stored,
                        "role": "mainFile" if number < papers else "auxiliaryFile",
                        "paper_id": first_paper + number % papers,
                        "created_at": now,
                        "modified_at": now,
                        "deleted": False,
                    }
                    for number in range(start, min(files, start + BATCH))
                ],
            )
    return words, scope


def queries(words: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    found = []
    for index in range(count):
        size = 1 + index % 3
        # Half common words (the first 500 ranks), half from the whole vocabulary.
        pool = words[:500] if index % 2 == 0 else words
        found.append(" ".join(rng.choice(pool) for _ in range(size)))
    return found


def run_backend(name: str, url: str, directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings(data_dir=directory / "data", database_url=url, demo_mode=True)
    platform = Platform.from_settings(settings)
    create_demo_data(platform, modules=("core", "cases", "citizen", "privacy", "council"))
    started = time.perf_counter()
    words, scope = fill(platform, args.papers, args.files, args.words, args.seed)
    loaded = time.perf_counter() - started
    if platform.engine.dialect.name == "postgresql":
        # As autovacuum does after a bulk load: the GIN indexes' pending lists (fastupdate)
        # are merged, and the planner knows the tables.
        autocommit = platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as connection:
            connection.exec_driver_sql("VACUUM ANALYZE council_paper")
            connection.exec_driver_sql("VACUUM ANALYZE council_file")
    times: list[float] = []
    with_hits = 0
    for query in queries(words, args.queries, args.seed):
        with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
            began = time.perf_counter()
            hits = search.search(db, query)
            times.append((time.perf_counter() - began) * 1000)
            with_hits += bool(hits)
    platform.engine.dispose()
    return {
        "backend": name,
        "papers": args.papers,
        "files": args.files,
        "words_per_file": args.words,
        "load_seconds": round(loaded, 1),
        "queries": len(times),
        "with_hits": with_hits,
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=30_000)
    parser.add_argument("--words", type=int, default=250)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="postgresql")
    args = parser.parse_args()
    reports = run_backends(
        args.backend, lambda name, url, directory: run_backend(name, url, directory, args)
    )
    print(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
