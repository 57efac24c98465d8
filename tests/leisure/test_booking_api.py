"""Booking through the API for partners (the city app, the tourist information): slots and
tickets to choose from, a booking held and confirmed at once with its signed tickets, a
retry that books once, refusals in the API's error format that change nothing, cancellation
until the deadline, and racing partners that never oversell (real concurrent requests,
SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.signing import services as signing
from smartcity.leisure import facilities, tickets
from smartcity.leisure.models import Facility, Order, Slot, Ticket
from tests.conftest import World
from tests.leisure.conftest import Pool, make_pool

BOOKINGS = "/dresden/api/v1/leisure/bookings"


def _key(world: World, *scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.api_key(world.dresden, *scopes)}"}


@pytest.fixture
def partner(world: World) -> dict[str, str]:
    """The city app's key: it may book, nothing else."""
    return _key(world, "tickets:book")


def _book(
    client: TestClient,
    headers: dict[str, str],
    slot: int,
    tickets_: list[dict[str, int]],
    key: str | None = None,
    **extra: Any,
) -> Any:
    return client.post(
        BOOKINGS,
        json={"slot_id": slot, "tickets": tickets_, **extra},
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


def _slot(world: World, slot_id: int) -> tuple[int, int]:
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, slot_id)
        assert slot is not None
        return slot.sold, slot.held


def _orders(world: World) -> int:
    with world.tenant(world.dresden) as db:
        return int(db.scalar(select(func.count()).select_from(Order)) or 0)


def test_a_partner_lists_slots_and_tickets_and_books_with_signed_tickets(
    world: World, client: TestClient, pool: Pool, partner: dict[str, str]
) -> None:
    tomorrow = datetime.now(ZoneInfo("Europe/Berlin")).date().toordinal() + 1
    day = datetime.fromordinal(tomorrow).date().isoformat()
    slots = client.get(f"/dresden/api/v1/leisure/facilities/{pool.facility_id}/slots?day={day}")
    assert slots.status_code == 200
    [noon] = [s for s in slots.json() if s["id"] == pool.later_slot]
    assert noon["free"] == 250
    products = client.get(f"/dresden/api/v1/leisure/facilities/{pool.facility_id}/products")
    assert products.status_code == 200
    assert {p["kind"]: p["price_cents"] for p in products.json()} == {
        "adult": 550,
        "reduced": 350,
        "child": 0,
        "family": 1500,
    }

    answer = _book(
        client,
        partner,
        pool.later_slot,
        [
            {"product_id": pool.products["adult"], "count": 2},
            {"product_id": pool.products["family"], "count": 1},
        ],
        email="gast@example.org",
    )
    assert answer.status_code == 201, answer.text
    booked = answer.json()
    assert booked["state"] == "confirmed"
    assert (booked["payment_provider"], booked["payment_state"]) == ("cash_desk", "pending")
    assert booked["total_cents"] == 2 * 550 + 1500
    assert sorted(t["places"] for t in booked["tickets"]) == [1, 1, 4]
    assert _slot(world, pool.later_slot) == (6, 0)
    # Every ticket is signed with Dresden's key and says what it is for.
    with world.tenant(world.dresden) as db:
        keys = signing.key_set(db, world.dresden)
    for ticket in booked["tickets"]:
        claims = tickets.verify(ticket["token"], keys)
        assert claims["m"] == "dresden"
        assert tickets.shown_code(claims["t"]) == ticket["code"]
    page = booked["links"]["page"]
    assert page.endswith(f"/dresden/freizeit/bestellung/{booked['code']}")
    assert booked["tickets"][0]["qr_svg"].startswith(page + "/qr/")
    # The links work: the booking's page, its QR codes and the PDF.
    path = page[page.index("/dresden/") :]
    assert client.get(path).status_code == 200
    assert client.get(booked["tickets"][0]["qr_svg"][len(page) - len(path) :]).status_code == 200
    assert client.get(path + "/tickets.pdf").headers["content-type"] == "application/pdf"
    # The partner reads it again with its tickets.
    again = client.get(f"{BOOKINGS}/{booked['code']}", headers=partner)
    assert again.status_code == 200
    assert again.json() == booked

    # Free tickets are paid at once; without an address the partner hands the tickets over.
    free = _book(
        client, partner, pool.later_slot, [{"product_id": pool.products["child"], "count": 1}]
    )
    assert free.status_code == 201, free.text
    assert (free.json()["payment_provider"], free.json()["payment_state"]) == ("free", "paid")


def test_a_retried_request_books_once(
    world: World, client: TestClient, pool: Pool, partner: dict[str, str]
) -> None:
    adult = [{"product_id": pool.products["adult"], "count": 2}]
    first = _book(client, partner, pool.later_slot, adult, key="app-order-0001")
    assert first.status_code == 201
    retry = _book(client, partner, pool.later_slot, adult, key="app-order-0001")
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert _slot(world, pool.later_slot) == (2, 0)
    assert _orders(world) == 1
    # The same key for another booking is a client's mistake: refused, nothing booked.
    other = _book(client, partner, pool.now_slot, adult, key="app-order-0001")
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in other.json()["errors"]
    # Another partner's key of the same name is its own.
    theirs = _book(
        client, _key(world, "tickets:book"), pool.later_slot, adult, key="app-order-0001"
    )
    assert theirs.status_code == 201
    assert theirs.json()["code"] != first.json()["code"]
    # A booking without a key is refused before anything happens.
    missing = client.post(
        BOOKINGS, json={"slot_id": pool.later_slot, "tickets": adult}, headers=partner
    )
    assert missing.status_code == 422
    assert _orders(world) == 2


def test_concurrent_retries_with_one_key_book_once(
    world: World, client: TestClient, pool: Pool, partner: dict[str, str]
) -> None:
    adult = [{"product_id": pool.products["adult"], "count": 1}]
    attempts = 6
    start = threading.Barrier(attempts)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        answer = _book(client, partner, pool.later_slot, adult, key="retry-storm-1")
        with lock:
            answers.append((answer.status_code, answer.json().get("code", answer.text)))

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(status for status, _ in answers) == [200] * (attempts - 1) + [201]
    assert len({code for _, code in answers}) == 1
    assert _slot(world, pool.later_slot) == (1, 0)
    assert _orders(world) == 1


def test_refusals_are_problems_and_change_nothing(
    world: World, client: TestClient, pool: Pool, partner: dict[str, str]
) -> None:
    adult = pool.products["adult"]
    radebeul = make_pool(world, world.radebeul)
    cases = [
        # Another municipality's slot and ticket do not exist here.
        (radebeul.later_slot, [{"product_id": adult, "count": 1}], {}, 404),
        (pool.later_slot, [{"product_id": radebeul.products["adult"], "count": 1}], {}, 422),
        (pool.later_slot, [{"product_id": adult, "count": 11}], {}, 422),
        (pool.later_slot, [{"product_id": adult, "count": 0}], {}, 422),
        (pool.later_slot, [{"product_id": adult, "count": 1}], {"email": "kein-at"}, 422),
        (pool.later_slot, [{"product_id": adult, "count": 1}], {"voucher_code": "NOPE"}, 422),
        (999_999, [{"product_id": adult, "count": 1}], {}, 404),
    ]
    for slot, wanted, extra, status in cases:
        answer = _book(client, partner, slot, wanted, **extra)
        assert answer.status_code == status, (wanted, extra, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"]
    assert _slot(world, pool.later_slot) == (0, 0)
    assert _orders(world) == 0
    # Dresden's key does not open Radebeul's API; a key without the scope may not book.
    there = _book(
        client,
        partner,
        radebeul.later_slot,
        [{"product_id": radebeul.products["adult"], "count": 1}],
    )
    assert there.status_code == 404
    elsewhere = client.post(
        "/radebeul/api/v1/leisure/bookings",
        json={"slot_id": radebeul.later_slot, "tickets": [{"product_id": adult, "count": 1}]},
        headers={**partner, "Idempotency-Key": "elsewhere-1"},
    )
    assert elsewhere.status_code == 401
    gate = _key(world, "tickets:scan")
    assert (
        _book(client, gate, pool.later_slot, [{"product_id": adult, "count": 1}]).status_code == 403
    )
    anonymous = client.post(
        BOOKINGS,
        json={"slot_id": pool.later_slot, "tickets": [{"product_id": adult, "count": 1}]},
        headers={"Idempotency-Key": "anonymous-1"},
    )
    assert anonymous.status_code == 401
    assert client.get(f"{BOOKINGS}/{'x' * 43}", headers=partner).status_code == 404


def test_over_capacity_is_refused_with_the_free_places(
    world: World, client: TestClient, pool: Pool, partner: dict[str, str]
) -> None:
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        slot.capacity = 5
    family = [{"product_id": pool.products["family"], "count": 1}]
    assert _book(client, partner, pool.later_slot, family).status_code == 201
    answer = _book(client, partner, pool.later_slot, family)
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"].startswith("Leider sind nur noch 1 Plätze frei; Sie wollten 4")
    assert _slot(world, pool.later_slot) == (4, 0)
    last = _book(
        client, partner, pool.later_slot, [{"product_id": pool.products["adult"], "count": 1}]
    )
    assert last.status_code == 201
    full = _book(
        client, partner, pool.later_slot, [{"product_id": pool.products["adult"], "count": 1}]
    )
    assert full.status_code == 409
    assert "ausgebucht" in full.json()["detail"]
    assert _slot(world, pool.later_slot) == (5, 0)


def test_cancellation_until_the_deadline(
    world: World, client: TestClient, pool: Pool, partner: dict[str, str]
) -> None:
    adult = [{"product_id": pool.products["adult"], "count": 2}]
    booked = _book(client, partner, pool.later_slot, adult).json()
    cancelled = client.post(f"{BOOKINGS}/{booked['code']}/cancel", headers=partner)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["payment_state"] == "void"
    assert {t["state"] for t in cancelled.json()["tickets"]} == {"refunded"}
    assert _slot(world, pool.later_slot) == (0, 0)
    # Twice is the same cancellation.
    assert client.post(f"{BOOKINGS}/{booked['code']}/cancel", headers=partner).status_code == 200
    # The running slot's deadline (two hours before it) has passed.
    running = _book(client, partner, pool.now_slot, adult).json()
    late = client.post(f"{BOOKINGS}/{running['code']}/cancel", headers=partner)
    assert late.status_code == 409
    assert "2 Stunden vor Beginn" in late.json()["detail"]
    assert client.get(f"{BOOKINGS}/{running['code']}", headers=partner).json()["state"] == (
        "confirmed"
    )


def test_racing_partners_never_oversell(
    world: World, client: TestClient, partner: dict[str, str]
) -> None:
    """Real concurrent requests against SQLite and PostgreSQL for the last 12 places, some
    asking for a four-place family ticket: sold never exceeds the capacity, the places of
    the tickets equal `sold`, and every refused partner got a problem saying why."""
    pool = make_pool(world, world.dresden, hall_slots=12)
    buyers = 16
    start = threading.Barrier(buyers)
    answers: list[Any] = []
    lock = threading.Lock()

    def buy(n: int) -> None:
        product = pool.products["family"] if n % 4 == 0 else pool.products["adult"]
        start.wait()
        answer = _book(client, partner, pool.later_slot, [{"product_id": product, "count": 1}])
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert len(answers) == buyers
    assert {a.status_code for a in answers} <= {201, 409}
    refused = [a.json() for a in answers if a.status_code == 409]
    assert all("Leider" in problem["detail"] for problem in refused)
    booked_places = sum(
        t["places"] for a in answers if a.status_code == 201 for t in a.json()["tickets"]
    )
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        valid = db.scalar(
            select(func.coalesce(func.sum(Ticket.places), 0)).where(
                Ticket.slot_id == slot.id, Ticket.state == "valid"
            )
        )
    assert slot.sold == valid == booked_places
    assert slot.sold <= slot.capacity == 12
    assert slot.held == 0
    # The slot was sold out: nobody was refused while places were left for them.
    assert slot.sold >= 12 - 3


def test_a_ticket_with_an_age_band_is_booked_only_with_the_ages_confirmed(
    world: World, client: TestClient, pool: Pool, partner: dict[str, str]
) -> None:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        child = facilities.add_product(
            db,
            facility,
            facilities.ProductInput("Kinder", "child", 250, age_min=6, age_max=17),
            "test",
        ).id
    wanted = [{"product_id": child, "count": 2}]
    unconfirmed = _book(client, partner, pool.later_slot, wanted)
    assert unconfirmed.status_code == 422
    assert unconfirmed.headers["content-type"] == "application/problem+json"
    assert _slot(world, pool.later_slot) == (0, 0)
    booked = _book(client, partner, pool.later_slot, wanted, ages_confirmed=True)
    assert booked.status_code == 201, booked.text
    assert _slot(world, pool.later_slot)[0] == 2


def test_the_product_list_names_the_limits_a_booking_must_keep(
    world: World, client: TestClient, pool: Pool
) -> None:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        child = facilities.add_product(
            db,
            facility,
            facilities.ProductInput("Kinder", "child", 250, age_min=6, age_max=17),
            "t",
        ).id
        group = facilities.add_product(
            db,
            facility,
            facilities.ProductInput(
                "Schulklasse", "group", 300, 1, 700, min_places=10, max_places=35
            ),
            "t",
        ).id
    listed = client.get(f"/dresden/api/v1/leisure/facilities/{pool.facility_id}/products")
    assert listed.status_code == 200
    by_id = {p["id"]: p for p in listed.json()}
    limits = ("age_min", "age_max", "min_places", "max_places")
    assert [by_id[child][k] for k in limits] == [6, 17, None, None]
    assert [by_id[group][k] for k in limits] == [None, None, 10, 35]
    assert [by_id[pool.products["adult"]][k] for k in limits] == [None, None, None, None]
