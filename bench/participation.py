"""Voting-rush benchmark of the participatory budget (issue 23): many citizens cast their
ballots at once through the real voting page; ballots/s, latency, and no double votes.

    python -m bench.participation [--voters 2000] [--eligible 20000] [--clients 16]
                                  [--workers 1] [--tally 100000] [--backend both]

Per database: the demo data of the participation module (its open "Bürgerhaushalt Neustadt",
knapsack within 100,000 €), `--eligible` citizen identities of which `--voters` are signed
in (a citizen-login session each, made before the clock starts), then `smartcity serve`
(`--workers` processes) and `--clients` concurrent HTTP clients that each POST a ballot to
`/dresden/beteiligung/buergerhaushalt-neustadt/abstimmung` as the browser form does (CSRF
field and cookie, citizen cookie): a random set of projects within the budget. One voter in
ten sends a second, different ballot at the same moment (a double click, two devices): the
ballot must be replaced, never doubled. Reported: ballots/s over the whole rush, p50/p95/p99
of a POST, answers other than 200, and the ballots in the database against the voters (must
be equal: 0 double votes).

Then `--tally` ballots are written straight into the table and the published result is
computed as the results page does (`voting.result`: read every ballot, tally, rank), timed.

The clients run in this process, on the same machine as the server: on a 2-core machine they
take CPU from it, so the figures are a lower bound. Results in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, insert, select

from bench.run import percentile, run_backends, start_server
from smartcity.citizen import login as citizen_login
from smartcity.core.db import transaction, utcnow
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.web.session import CSRF_COOKIE, CSRF_FIELD
from smartcity.demo import create_demo_data
from smartcity.participation import services, voting
from smartcity.participation.models import Ballot

SLUG = "buergerhaushalt-neustadt"
PATH = f"/dresden/beteiligung/{SLUG}/abstimmung"


def prepare(platform: Platform, voters: int, eligible: int) -> tuple[list[str], dict[int, int]]:
    """Demo data, and `voters` signed-in citizens drawn from `eligible` identities."""
    create_demo_data(platform, modules=("core", "citizen", "participation"))
    chosen = random.sample(range(eligible), voters)
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        tokens = [
            citizen_login.start(
                db, {"iss": "https://id.bench", "sub": f"voter-{n}", "name": f"Voter {n}"}
            )
            for n in chosen
        ]
        dresden = tenancy.get_municipality(db, "dresden")
    with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(dresden)}) as db:
        process = services.process_by_slug(db, SLUG)
        costs = {p.id: p.cost_cents for p in voting.projects_of(db, process).values()}
    return tokens, costs


def random_ballot(costs: dict[int, int], budget: int) -> list[int]:
    """Projects in random order, taken while they fit the budget (a valid knapsack ballot)."""
    order = list(costs)
    random.shuffle(order)
    chosen: list[int] = []
    spent = 0
    for project in order:
        if spent + costs[project] <= budget and (not chosen or random.random() < 0.7):
            chosen.append(project)
            spent += costs[project]
    return chosen


def rush(base: str, tokens: list[str], costs: dict[int, int], clients: int) -> dict[str, Any]:
    budget = 10_000_000
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=60)
        found: httpx.Client = local.client
        return found

    def post(token: str) -> None:
        csrf = secrets.token_urlsafe(16)
        body = [
            *(("choice", str(p)) for p in random_ballot(costs, budget)),
            ("action", "cast"),
            (CSRF_FIELD, csrf),
        ]
        # The cookies are `__Host-` ones (Secure): sent by hand over the bench's plain HTTP.
        headers = {
            "Cookie": f"{CSRF_COOKIE}={csrf}; {citizen_login.COOKIE}={token}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        started = time.perf_counter()
        answer = client().post(PATH, content=urlencode(body), headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

    # Warm up (templates compiled, connections open) with the page a voter opens first.
    for token in tokens[:20]:
        client().get(PATH, headers={"Cookie": f"{citizen_login.COOKIE}={token}"})

    # One voter in ten sends twice at once (a double click, or a second device): the two
    # requests stand next to each other, so two clients take them at the same moment.
    work = [t for t in tokens for _ in range(2 if random.random() < 0.1 else 1)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, work))
    seconds = time.perf_counter() - started
    ok = statuses.get(200, 0)
    return {
        "posts": len(work),
        "voters": len(tokens),
        "seconds": round(seconds, 1),
        "ballots_per_s": round(ok / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "statuses": statuses,
    }


def ballots_of(platform: Platform) -> int:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        dresden = tenancy.get_municipality(db, "dresden")
    with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(dresden)}) as db:
        process = services.process_by_slug(db, SLUG)
        return int(
            db.scalar(
                select(func.count()).select_from(Ballot).where(Ballot.process_id == process.id)
            )
            or 0
        )


def timed_tally(platform: Platform, count: int, costs: dict[int, int]) -> dict[str, Any]:
    """`count` more ballots written directly, then the published result computed, timed."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        dresden = tenancy.get_municipality(db, "dresden")
    with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(dresden)}) as db:
        process = services.process_by_slug(db, SLUG)
        now = utcnow()
        rows = [
            {
                "municipality_id": dresden.id,
                "process_id": process.id,
                "voter_key": secrets.token_hex(32),
                "receipt": secrets.token_hex(10)[:19],
                "choices": sorted(random_ballot(costs, 10_000_000)),
                "cast_at": now,
            }
            for _ in range(count)
        ]
        for start in range(0, len(rows), 5000):
            db.execute(insert(Ballot), rows[start : start + 5000])
    with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(dresden)}) as db:
        process = services.process_by_slug(db, SLUG)
        started = time.perf_counter()
        result = voting.result(db, process)
        seconds = time.perf_counter() - started
    return {"ballots": result.ballots, "seconds": round(seconds, 2)}


def run_backend(
    name: str, database_url: str, directory: Path, args: argparse.Namespace
) -> dict[str, Any]:
    data = directory / "data"
    settings = Settings(data_dir=data, database_url=database_url, demo_mode=True)
    platform = Platform.from_settings(settings)
    tokens, costs = prepare(platform, args.voters, args.eligible)
    before = ballots_of(platform)
    server, base = start_server(data, database_url, workers=args.workers)
    try:
        figures = rush(base, tokens, costs, args.clients)
    finally:
        server.terminate()
        server.wait(30)
    stored = ballots_of(platform) - before
    figures["ballots_stored"] = stored
    figures["double_votes"] = stored - len(tokens)
    figures["tally"] = timed_tally(platform, args.tally, costs)
    platform.engine.dispose()
    return {"backend": name, "workers": args.workers, "clients": args.clients, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--eligible", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--tally", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    reports = run_backends(
        args.backend, lambda name, url, directory: run_backend(name, url, directory, args)
    )
    print(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
