"""Leisure tickets benchmark (issue 22): the booking rush of a hot day's morning, entry scans
at the gates, and the offline check of a ticket's signature.

    python -m bench.leisure [--citizens 2000] [--places 500] [--clients 32] [--workers 1]
                            [--scans 5000] [--verify 20000] [--mail] [--backend both]

Per database: the demo's Dresden and an outdoor pool of its own ("Freibad Bench": a meadow
zone with one slot tomorrow at 10:00 of `--places` places, and a hall whose slot runs now),
an API key with the scopes `tickets:book` and `tickets:scan` (a city app and its gates), then
`smartcity serve` (`--workers` processes) and real HTTP from `--clients` concurrent clients
in this process:

- **Booking rush**: `--citizens` citizens each POST one booking through the partner API
  (`/dresden/api/v1/leisure/bookings`, an Idempotency-Key each; one in five wants two
  tickets, one in ten a four-place family ticket) for the one slot, as fast as the clients
  go. Reported: confirmed bookings, refusals (409 sold out), other answers, confirmed
  bookings/s until the slot was sold out, p50/p95/p99 of a POST. Checked afterwards: sold ≤
  capacity (0 oversold), the slot's `sold` equals the places of the valid tickets, nothing
  is left held, and every confirmed booking's tickets verify against the municipality's
  published JWK Set and are valid in the database. `--mail` gives every citizen an e-mail
  address, so each booking also renders its confirmation (PDF with the QR codes, calendar
  file) into the outbox, as the portal does; without it the partner hands the tickets over.
- **Scan**: `--scans` tickets of the running slot are booked beforehand; the clients redeem
  them at the entry (`POST /dresden/api/v1/leisure/scans`, each with its nonce, all into the
  same zone — one facility's gates, the worst case for the zone's occupancy count). Reported:
  scans/s, p50/p95, results other than `ok` (must be 0), and the zone's newest published
  Observation against the entries (must be equal).
- **Offline verification**: `--verify` signature checks of ticket tokens against the JWK Set
  in this process, on one core (what a gate device does without the network): tickets per
  second of wall time and per CPU second (the machine is shared), and the bare Ed25519 check
  of the same signatures per CPU second (the ceiling on this CPU).

The clients run on the same machine as the server: on a 2-core machine they take CPU from it,
so the figures are a lower bound. Results in docs/performance.md ("Leisure tickets").
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from bench.run import percentile, run_backends, start_server
from smartcity.core.db import transaction, utcnow
from smartcity.core.identity.apikeys import create_api_key
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.signing import services as signing
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.demo import create_demo_data
from smartcity.leisure import booking, facilities, tickets
from smartcity.leisure.models import Slot, Ticket, Zone
from smartcity.sensorthings.latest import newest_results

FACILITY = "freibad-bench"


@dataclass(frozen=True)
class Setup:
    key: str
    rush_slot: int
    scan_zone: int
    adult: int
    family: int
    scan_tokens: list[str]


def _scope(platform: Platform) -> tuple[Municipality, Any]:
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        dresden = tenancy.get_municipality(db, "dresden")
    return dresden, tenancy.scope_for(dresden)


def prepare(platform: Platform, places: int, scan_tickets: int) -> Setup:
    """Demo data, the bench's pool with its two slots, the partner's key and the tickets the
    gates will scan (free child tickets of the running slot, booked through the service)."""
    create_demo_data(platform, modules=("core", "citizen", "leisure"))
    dresden, scope = _scope(platform)
    berlin = ZoneInfo(dresden.timezone)
    today = datetime.now(berlin).date()
    secret = platform.settings.require_secret_key()
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        pool = facilities.create_facility(
            db,
            facilities.FacilityInput(slug=FACILITY, name="Freibad Bench", kind="pool"),
            "bench",
        )
        meadow = facilities.add_zone(db, pool, "Liegewiese", places, "bench")
        hall = facilities.add_zone(db, pool, "Becken", 100_000, "bench")
        made = {}
        for name, kind, cents, persons in (
            ("Erwachsene", "adult", 550, 1),
            ("Kinder", "child", 0, 1),
            ("Familie", "family", 1500, 4),
        ):
            product = facilities.add_product(
                db, pool, facilities.ProductInput(name, kind, cents, persons, 700, False), "bench"
            )
            made[kind] = product.id
        ten = datetime.combine(today + timedelta(days=1), datetime.min.time(), berlin)
        rush = Slot(
            facility_id=pool.id,
            zone_id=meadow.id,
            starts_at=ten.replace(hour=10),
            ends_at=ten.replace(hour=14),
            capacity=places,
        )
        now = utcnow()
        running = Slot(
            facility_id=pool.id,
            zone_id=hall.id,
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(hours=3),
            capacity=100_000,
        )
        db.add_all([rush, running])
        db.flush()
        _, key = create_api_key(
            db,
            name="bench city app",
            scopes=["tickets:book", "tickets:scan"],
            actor="bench",
            grantor=None,
        )
        ids = (rush.id, running.id, hall.id)
    tokens: list[str] = []
    # Ten tickets an order, a thousand orders a transaction: the gates' tickets, made fast.
    for first in range(0, scan_tickets, 1000):
        with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
            for _ in range(min(1000, scan_tickets - first) // 10):
                order = booking.book(
                    db,
                    dresden,
                    booking.BookingInput(ids[1], {made["child"]: 10}, "gate@example.org"),
                    secret,
                )
                tokens += [t.token for t, _p in booking.tickets_of(db, order)]
    return Setup(key, ids[0], ids[2], made["adult"], made["family"], tokens)


class Clients:
    """One httpx client per thread (connections kept), latencies and answers collected."""

    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {key}"}
        self.local = threading.local()
        self.lock = threading.Lock()
        self.samples: list[tuple[float, float, int, Any]] = []

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.base, timeout=120)
        found: httpx.Client = self.local.client
        return found

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        """One request; a transport failure (a timeout) is recorded as status 0, so that the
        run goes on and the report says how many there were."""
        started = time.perf_counter()
        try:
            answer = self.client().post(path, json=body, headers={**self.headers, **headers})
            status, content = answer.status_code, answer.json()
        except httpx.HTTPError as exc:
            status, content = 0, {"error": type(exc).__name__}
        ended = time.perf_counter()
        with self.lock:
            self.samples.append((started, ended, status, content))


def _latencies(samples: list[tuple[float, float, int, Any]]) -> dict[str, float]:
    values = [(end - start) * 1000 for start, end, _status, _body in samples]
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
    }


def rush(base: str, setup: Setup, citizens: int, clients: int, mail: bool) -> dict[str, Any]:
    pool = Clients(base, setup.key)
    random.seed(22)
    wishes = []
    for n in range(citizens):
        draw = random.random()
        wanted = (
            [{"product_id": setup.family, "count": 1}]
            if draw < 0.1
            else [{"product_id": setup.adult, "count": 2 if draw < 0.3 else 1}]
        )
        body: dict[str, Any] = {"slot_id": setup.rush_slot, "tickets": wanted}
        if mail:
            body["email"] = f"buerger{n}@example.org"
        wishes.append(body)
    # Warm up (connections open, code paths run) with the listing a city app shows first.
    for _ in range(20):
        pool.client().get("/dresden/api/v1/leisure/facilities")

    def book(body: dict[str, Any]) -> None:
        pool.post("/dresden/api/v1/leisure/bookings", body, {"Idempotency-Key": uuid.uuid4().hex})

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as executor:
        list(executor.map(book, wishes))
    seconds = time.perf_counter() - started
    statuses: dict[int, int] = {}
    for _s, _e, status, _b in pool.samples:
        statuses[status] = statuses.get(status, 0) + 1
    confirmed = [(end, body) for _s, end, status, body in pool.samples if status == 201]
    sold_out_after = (max(end for end, _ in confirmed) - started) if confirmed else seconds
    return {
        "attempts": citizens,
        "confirmed": len(confirmed),
        "statuses": statuses,
        "seconds": round(seconds, 1),
        "sold_out_after_s": round(sold_out_after, 1),
        "confirmed_per_s": round(len(confirmed) / sold_out_after, 1),
        "requests_per_s": round(citizens / seconds, 1),
        **_latencies(pool.samples),
        "confirmed_latency": _latencies([sample for sample in pool.samples if sample[2] == 201]),
        "bookings": [body for _end, body in confirmed],
    }


def check_rush(platform: Platform, setup: Setup, bookings: list[Any]) -> dict[str, Any]:
    """0 oversold, and every confirmed booking's tickets signed and valid."""
    dresden, scope = _scope(platform)
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        slot = db.get(Slot, setup.rush_slot)
        assert slot is not None
        valid_places = db.scalar(
            select(func.coalesce(func.sum(Ticket.places), 0)).where(
                Ticket.slot_id == slot.id, Ticket.state == "valid"
            )
        )
        keys = signing.key_set(db, dresden)
        valid_codes = set(
            db.scalars(
                select(Ticket.code).where(Ticket.slot_id == slot.id, Ticket.state == "valid")
            )
        )
    unsigned = 0
    for order in bookings:
        for ticket in order["tickets"]:
            try:
                claims = tickets.verify(ticket["token"], keys)
            except signing.SignatureInvalid:
                unsigned += 1
                continue
            if claims["t"] not in valid_codes or claims["z"] is None:
                unsigned += 1
    booked = sum(t["places"] for order in bookings for t in order["tickets"])
    return {
        "capacity": slot.capacity,
        "sold": slot.sold,
        "held": slot.held,
        "oversold": max(slot.sold - slot.capacity, 0),
        "sold_equals_valid_tickets": slot.sold == valid_places == booked,
        "bookings_without_valid_ticket": unsigned,
    }


def scans(base: str, platform: Platform, setup: Setup, clients: int) -> dict[str, Any]:
    pool = Clients(base, setup.key)

    def scan(token: str) -> None:
        body = {"code": token, "direction": "entry", "nonce": uuid.uuid4().hex}
        pool.post("/dresden/api/v1/leisure/scans", body, {})

    warm, measured = setup.scan_tokens[:50], setup.scan_tokens[50:]
    for token in warm:
        scan(token)
    pool.samples.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as executor:
        list(executor.map(scan, measured))
    seconds = time.perf_counter() - started
    results: dict[str, int] = {}
    for _s, _e, status, body in pool.samples:
        name = body.get("result", str(status)) if isinstance(body, dict) else str(status)
        results[name] = results.get(name, 0) + 1
    _dresden, scope = _scope(platform)
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        zone = db.get(Zone, setup.scan_zone)
        assert zone is not None
        assert zone.datastream_id is not None
        newest = newest_results(db, [zone.datastream_id])
    published = newest.get(zone.datastream_id, (None, None))[1]
    return {
        "scans": len(measured),
        "seconds": round(seconds, 1),
        "scans_per_s": round(len(measured) / seconds, 1),
        **_latencies(pool.samples),
        "results": results,
        "published_occupancy": published,
        "entries": len(setup.scan_tokens),
    }


def offline(platform: Platform, tokens: list[str], count: int) -> dict[str, Any]:
    """Signature checks against the JWK Set, one thread (one core), as a gate device does."""
    dresden, scope = _scope(platform)
    with transaction(platform.sessions, **{SCOPE_KEY: scope}) as db:
        keys = signing.key_set(db, dresden)
    chosen = [tokens[n % len(tokens)] for n in range(count)]
    started, cpu = time.perf_counter(), time.process_time()
    for token in chosen:
        tickets.verify(token, keys)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    # The bare Ed25519 check (no token parsing) on the same machine: the ceiling.
    header, payload, signed = chosen[0].split(".")
    claims_only = f"{header}.{payload}".encode()
    signature = base64.urlsafe_b64decode(signed + "==")
    kid = json.loads(base64.urlsafe_b64decode(header + "=="))["kid"]
    key = signing.verifier(keys).public_key(kid)
    assert key is not None
    bare = time.process_time()
    for _ in range(count):
        key.verify(signature, claims_only)
    bare_cpu = time.process_time() - bare
    return {
        "verified": count,
        "seconds": round(seconds, 2),
        "per_s": round(count / seconds),
        "per_cpu_s": round(count / cpu_seconds),
        "bare_ed25519_per_cpu_s": round(count / bare_cpu),
    }


def run_backend(
    name: str, database_url: str, directory: Path, args: argparse.Namespace
) -> dict[str, Any]:
    data = directory / "data"
    settings = Settings(data_dir=data, database_url=database_url, demo_mode=True)
    platform = Platform.from_settings(settings)
    setup = prepare(platform, args.places, args.scans)
    server, base = start_server(data, database_url, workers=args.workers)
    try:
        figures = rush(base, setup, args.citizens, args.clients, args.mail)
        print(json.dumps({k: v for k, v in figures.items() if k != "bookings"}), flush=True)
        scanned = scans(base, platform, setup, args.clients)
    finally:
        server.terminate()
        server.wait(30)
    # What the server warned about (a stalled request says why), for the report.
    log = directory / "server.log"
    problems = [
        line[:300]
        for line in (log.read_text(errors="replace").splitlines() if log.exists() else [])
        if '"level": "ERROR"' in line or "Traceback" in line
    ]
    bookings = figures.pop("bookings")
    figures["check"] = check_rush(platform, setup, bookings)
    report = {
        "backend": name,
        "workers": args.workers,
        "clients": args.clients,
        "mail": args.mail,
        "rush": figures,
        "scan": scanned,
        "offline_verification": offline(platform, setup.scan_tokens, args.verify),
        "server_errors": problems[-10:],
    }
    platform.engine.dispose()
    return report


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--places", type=int, default=500)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scans", type=int, default=5000)
    parser.add_argument("--verify", type=int, default=20000)
    parser.add_argument("--mail", action="store_true")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    reports = run_backends(
        args.backend, lambda name, url, directory: run_backend(name, url, directory, args)
    )
    print(json.dumps(reports, indent=2))
    return reports


if __name__ == "__main__":
    main()
