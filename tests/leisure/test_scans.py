"""The entry check: what the gate is told for each kind of ticket, check-in exactly once
(also when two gates scan at the same moment), retries with the same nonce, exits and the
live occupancy, the scan API for gate devices and the scanner page without JavaScript."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from smartcity.core.db import utcnow
from smartcity.core.platform import Platform
from smartcity.leisure import booking, scans
from smartcity.leisure.models import Facility, Scan
from smartcity.leisure.occupancy import occupancy
from tests.conftest import World
from tests.leisure.conftest import Pool, book, make_pool, ticket_tokens
from tests.web.conftest import Browser, main_text


def _scan(world: World, code: str, **options: object) -> scans.ScanResult:
    with world.tenant(world.dresden) as db:
        return scans.scan(db, world.dresden, code, actor="test", **options)  # type: ignore[arg-type]


def _occupancy(world: World, pool: Pool) -> dict[str, int]:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        return {z.zone: z.inside for z in occupancy(db, facility)}


def test_a_ticket_lets_in_once_then_says_already_used(
    world: World, platform: Platform, pool: Pool
) -> None:
    order = book(world, platform, pool.now_slot, {pool.products["family"]: 1})
    [(code, token)] = ticket_tokens(world, order)
    first = _scan(world, token)
    assert (first.result, first.admitted, first.places) == (scans.OK, True, 4)
    assert "Gültig" in first.message
    again = _scan(world, token)
    assert again.result == scans.USED
    assert not again.admitted
    assert "Schon benutzt" in again.message
    # Typed by hand: the printed code with dashes, in lower case.
    typed = "-".join(code[i : i + 4] for i in range(0, 16, 4)).lower()
    assert _scan(world, typed).result == scans.USED
    assert _occupancy(world, pool) == {"Schwimmhalle": 4, "Sauna": 0}
    out = _scan(world, code, direction=scans.EXIT)
    assert out.result == scans.EXITED
    assert _scan(world, code, direction=scans.EXIT).result == scans.NOT_INSIDE
    assert _occupancy(world, pool) == {"Schwimmhalle": 0, "Sauna": 0}


def test_the_gate_is_told_what_is_wrong(world: World, platform: Platform, pool: Pool) -> None:
    reduced = book(world, platform, pool.now_slot, {pool.products["reduced"]: 1})
    [(_, token)] = ticket_tokens(world, reduced)
    found = _scan(world, token)
    assert found.result == scans.PROOF
    assert found.admitted
    assert "Nachweis" in found.message

    later = book(world, platform, pool.later_slot, {pool.products["adult"]: 1})
    [(_, token)] = ticket_tokens(world, later)
    found = _scan(world, token)
    assert found.result == scans.NOT_NOW
    assert "Nicht jetzt gültig" in found.message

    unpaid = book(world, platform, pool.now_slot, {pool.products["adult"]: 1}, paid=False)
    [(_, token)] = ticket_tokens(world, unpaid)
    assert _scan(world, token).result == scans.UNPAID
    with world.tenant(world.dresden) as db:
        booking.mark_paid(db, booking.order_by_code(db, unpaid), "test")
    assert _scan(world, token, zone_id=pool.sauna).result == scans.WRONG_ZONE
    assert _scan(world, token, zone_id=pool.hall).result == scans.OK

    cancelled = book(world, platform, pool.later_slot, {pool.products["adult"]: 1})
    [(_, token)] = ticket_tokens(world, cancelled)
    with world.tenant(world.dresden) as db:
        booking.cancel(db, booking.order_by_code(db, cancelled), "test")
    assert _scan(world, token).result == scans.CANCELLED


def test_forged_truncated_and_foreign_tickets_are_unknown(
    world: World, platform: Platform, pool: Pool
) -> None:
    order = book(world, platform, pool.now_slot, {pool.products["adult"]: 1})
    [(_, token)] = ticket_tokens(world, order)
    header, payload, signature = token.split(".")
    forged_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (
        token[:-10],
        f"{header}.{payload}.{forged_signature}",
        "kein ticket",
        "AAAA-BBBB-CCCC-DDDD",
    ):
        result = _scan(world, bad)
        assert result.result == scans.UNKNOWN, bad
        assert "Unbekanntes Ticket" in result.message
    radebeul = make_pool(world, world.radebeul)
    foreign = book(
        world,
        platform,
        radebeul.now_slot,
        {radebeul.products["adult"]: 1},
        municipality=world.radebeul,
    )
    [(code, token)] = ticket_tokens(world, foreign, world.radebeul)
    assert _scan(world, token).result == scans.UNKNOWN
    assert _scan(world, code).result == scans.UNKNOWN
    with world.tenant(world.dresden) as db:
        # Every refusal is in the scan log, and nothing was checked in.
        assert db.scalar(select(func.count()).select_from(Scan)) == 6


def test_two_gates_scanning_at_once_let_in_exactly_one(
    world: World, platform: Platform, pool: Pool
) -> None:
    order = book(world, platform, pool.now_slot, {pool.products["adult"]: 1})
    [(_, token)] = ticket_tokens(world, order)
    gates = 8
    start = threading.Barrier(gates)
    results: list[str] = []
    lock = threading.Lock()

    def scan_at_gate() -> None:
        start.wait()
        found = _scan(world, token)
        with lock:
            results.append(found.result)

    threads = [threading.Thread(target=scan_at_gate) for _ in range(gates)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == sorted([scans.OK] + [scans.USED] * (gates - 1))


def test_a_retry_with_the_same_nonce_counts_once_and_offline_scans_keep_their_time(
    world: World, platform: Platform, pool: Pool
) -> None:
    order = book(world, platform, pool.now_slot, {pool.products["adult"]: 2})
    [(first, _), (second, _)] = ticket_tokens(world, order)
    assert _scan(world, first, nonce="gate1-0001").result == scans.OK
    retry = _scan(world, first, nonce="gate1-0001")
    assert retry.result == scans.OK
    assert "Wiederholung" in retry.message
    # An offline scan uploaded later, by another gate: already used, and kept in the log.
    offline = _scan(world, first, nonce="gate2-0001", scanned_at=utcnow() - timedelta(minutes=1))
    assert offline.result == scans.USED
    with world.tenant(world.dresden) as db:
        logged = [s.result for s in db.scalars(select(Scan).order_by(Scan.id))]
    assert logged == [scans.OK, scans.USED]
    assert _scan(world, second, nonce="gate1-0002").result == scans.OK


def test_scan_api_for_gate_devices(
    world: World, platform: Platform, pool: Pool, client: object
) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    order = book(world, platform, pool.now_slot, {pool.products["adult"]: 1})
    [(_, token)] = ticket_tokens(world, order)
    path = "/dresden/api/v1/leisure/scans"
    assert client.post(path, json={"code": token}).status_code == 401
    wrong = world.api_key(world.dresden, "sta:write")
    assert (
        client.post(
            path, json={"code": token}, headers={"Authorization": f"Bearer {wrong}"}
        ).status_code
        == 403
    )
    key = world.api_key(world.dresden, "tickets:scan")
    headers = {"Authorization": f"Bearer {key}"}
    answer = client.post(path, json={"code": token, "nonce": "device-42-1"}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == "ok"
    assert answer.json()["admitted"] is True
    again = client.post(path, json={"code": token, "nonce": "device-42-1"}, headers=headers)
    assert again.json()["result"] == "ok"
    used = client.post(path, json={"code": token}, headers=headers).json()
    assert used["result"] == "already_used"
    assert used["admitted"] is False
    bad = client.post(path, json={"code": token, "direction": "sideways"}, headers=headers)
    assert bad.status_code == 422
    # Radebeul's key opens no Dresden gate, and Dresden's ticket is unknown at Radebeul's.
    other = {"Authorization": f"Bearer {world.api_key(world.radebeul, 'tickets:scan')}"}
    assert client.post(path, json={"code": token}, headers=other).status_code in (401, 403)
    there = client.post("/radebeul/api/v1/leisure/scans", json={"code": token}, headers=other)
    assert there.json()["result"] == "unknown"
    facilities = client.get("/dresden/api/v1/leisure/facilities").json()
    assert facilities[0]["zones"][0] == {
        "id": pool.hall,
        "name": "Schwimmhalle",
        "capacity": 300,
        "inside": 1,
        "free": 299,
    }
    future = {"code": token, "scanned_at": "2099-01-01T00:00:00"}
    assert client.post(path, json=future, headers=headers).status_code == 422
    naive = client.get("/dresden/api/v1/leisure/revoked?since=2026-01-01T00:00:00", headers=headers)
    assert naive.status_code == 200
    revoked = client.get("/dresden/api/v1/leisure/revoked", headers=headers)
    assert revoked.status_code == 200
    assert revoked.json()["codes"] == []


def test_the_scanner_page_works_without_javascript(
    world: World, platform: Platform, pool: Pool, gate: Browser
) -> None:
    order = book(world, platform, pool.now_slot, {pool.products["reduced"]: 1}, paid=False)
    [(code, _)] = ticket_tokens(world, order)
    page = gate.get("/dresden/verwaltung/einlass")
    assert page.status_code == 200
    unpaid = gate.submit("/dresden/verwaltung/einlass", {"code": code, "direction": "entry"})
    assert "Noch nicht bezahlt" in main_text(unpaid)
    paid = gate.submit("/dresden/verwaltung/einlass/bezahlt", {"order": order})
    assert paid.status_code == 303
    checked = gate.submit("/dresden/verwaltung/einlass", {"code": code, "direction": "entry"})
    assert "Bitte den Nachweis prüfen" in main_text(checked)
    twice = gate.submit("/dresden/verwaltung/einlass", {"code": code, "direction": "entry"})
    assert "Schon benutzt" in main_text(twice)
    # Without the CSRF token nothing is checked.
    refused = gate.client.post("/dresden/verwaltung/einlass", data={"code": code})
    assert refused.status_code == 403
