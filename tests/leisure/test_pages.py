"""The citizen's way through the portal without JavaScript (facilities, slots, booking,
the order with QR and PDF, cancellation), the ticket checked offline against the published
keys, and the facility manager's setup in the back office."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from smartcity.citizen import login as citizen_login
from smartcity.core.audit.models import AuditEntry
from smartcity.core.mail.models import OutgoingMail
from smartcity.core.platform import Platform
from smartcity.core.signing.services import SignatureInvalid
from smartcity.leisure import booking, scans, tickets
from smartcity.leisure.models import Order, Slot
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool, book, ticket_tokens
from tests.web.conftest import Browser, main_text


def test_citizen_books_sees_the_ticket_and_cancels(
    world: World, pool: Pool, new_client: Callable[[], TestClient]
) -> None:
    citizen = Browser(new_client())
    listing = citizen.get("/dresden/freizeit")
    assert listing.status_code == 200
    assert "Hallenbad Mitte" in main_text(listing)
    assert "Jetzt in Schwimmhalle: 0 von 300" in main_text(listing)
    tomorrow = (datetime.now(BERLIN) + timedelta(days=1)).date().isoformat()
    page = citizen.get(f"/dresden/freizeit/hallenbad?tag={tomorrow}")
    assert page.status_code == 200
    booking_path = f"/dresden/freizeit/hallenbad/buchen/{pool.later_slot}"
    assert booking_path in page.text
    form = citizen.get(booking_path)
    assert form.status_code == 200
    assert "10 Minuten reserviert" in main_text(form)
    adult, family = pool.products["adult"], pool.products["family"]
    wrong = citizen.submit(booking_path, {f"anzahl-{adult}": "-2"})
    assert wrong.status_code == 422
    assert 'id="fehlerliste"' in wrong.text
    assert "Anzahl von 0 bis 10" in wrong.text
    held = citizen.submit(booking_path, {f"anzahl-{adult}": "1", f"anzahl-{family}": "1"})
    assert held.status_code == 303, held.text
    cart_path = held.headers["location"]
    assert "/dresden/freizeit/warenkorb/" in cart_path
    cart = citizen.get(cart_path)
    assert "Für Sie reserviert bis" in main_text(cart)
    assert "20,50 €" in main_text(cart)
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert (slot.sold, slot.held) == (0, 5)
    wrong_address = citizen.submit(cart_path, {"email": "nein"})
    assert wrong_address.status_code == 422
    assert "gültige E-Mail-Adresse" in wrong_address.text
    booked = citizen.submit(cart_path, {"email": "a@example.org"})
    assert booked.status_code == 303, booked.text
    # The form sent twice books once: the cart leads to its order.
    assert (
        citizen.get(cart_path, follow_redirects=False).headers["location"]
        == (booked.headers["location"])
    )
    order_path = booked.headers["location"]
    with world.system() as db:
        [mail] = db.scalars(select(OutgoingMail)).all()
        assert mail.to_address == "a@example.org"
        assert order_path in mail.body
        assert mail.subject.startswith("Ihre Tickets: Hallenbad Mitte")
    order = citizen.get(order_path)
    assert order.status_code == 200
    text = main_text(order)
    assert "Gebucht" in text
    assert "20,50 €" in text
    assert "an der Kasse zu bezahlen" in text
    qr_paths = re.findall(r'src="([^"]+\.svg)"', order.text)
    assert len(qr_paths) == 2
    svg = citizen.get(qr_paths[0])
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    pdf = citizen.get(order_path + "/tickets.pdf?format=a6")
    assert pdf.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert len(pages) == 2
    assert "Hallenbad Mitte" in pages[0].extract_text()
    calendar = citizen.get(order_path + "/termin.ics")
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert b"SUMMARY:Hallenbad Mitte: Schwimmhalle" in calendar.content
    cancelled = citizen.submit(order_path + "/stornieren", {})
    assert cancelled.status_code == 303
    assert "storniert" in main_text(citizen.get(cancelled.headers["location"]))
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert slot.sold == 0
    assert citizen.get(order_path + "/tickets.pdf").status_code == 409


def test_english_pages(pool: Pool, new_client: Callable[[], TestClient]) -> None:
    client = new_client()
    client.cookies.set("smartcity_lang", "en")
    page = client.get("/dresden/freizeit/hallenbad", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Time slots and free places" in page.text


def test_sold_out_slot_tells_the_buyer(
    world: World, platform: Platform, pool: Pool, new_client: Callable[[], TestClient]
) -> None:
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        slot.capacity = 3
    citizen = Browser(new_client())
    path = f"/dresden/freizeit/hallenbad/buchen/{pool.later_slot}"
    refused = citizen.submit(path, {f"anzahl-{pool.products['family']}": "1"})
    assert refused.status_code == 409
    assert "nur noch 3 Plätze frei" in main_text(refused)


def test_the_ticket_is_checked_offline_with_the_published_keys(
    world: World, platform: Platform, pool: Pool, client: TestClient
) -> None:
    order = book(world, platform, pool.now_slot, {pool.products["reduced"]: 1})
    [(code, token)] = ticket_tokens(world, order)
    keys = client.get("/dresden/.well-known/jwks.json").json()
    claims = tickets.verify(token, keys)  # no database: the key set and the token
    assert claims["t"] == code
    assert claims["m"] == "dresden"
    assert claims["rp"] is True
    assert claims["z"] == pool.hall
    assert claims["n"] == 1
    other = client.get("/radebeul/.well-known/jwks.json").json()
    try:
        tickets.verify(token, other)
    except SignatureInvalid:
        pass
    else:
        raise AssertionError("a Radebeul key set must not verify Dresden's ticket")


def test_the_facility_manager_sets_up_a_facility(
    world: World, manager: Browser, new_client: Callable[[], TestClient]
) -> None:
    assert manager.get("/dresden/verwaltung/freizeit").status_code == 200
    missing = manager.submit("/dresden/verwaltung/freizeit", {"name": "", "slug": "X Y"})
    assert missing.status_code == 422
    assert 'id="fehlerliste"' in missing.text
    created = manager.submit(
        "/dresden/verwaltung/freizeit",
        {
            "name": "Freibad Cotta",
            "slug": "freibad-cotta",
            "kind": "pool",
            "cancel_hours": "12",
        },
    )
    assert created.status_code == 303
    base = created.headers["location"]
    assert (
        manager.submit(
            base + "/bereiche", {"zone_name": "Becken", "zone_capacity": "500"}
        ).status_code
        == 303
    )
    assert (
        manager.submit(
            base + "/tickets",
            {
                "product_name": "Erwachsene",
                "product_kind": "adult",
                "price": "4,50",
                "places": "1",
                "vat": "7",
            },
        ).status_code
        == 303
    )
    page = manager.get(base)
    zone_id = re.search(r'<option value="(\d+)"[^>]*>Becken</option>', page.text)
    assert zone_id is not None
    today = datetime.now(BERLIN).date()
    too_big = manager.submit(
        base + "/regeln",
        [
            ("rule_zone", zone_id.group(1)),
            ("weekdays", "1"),
            ("first_start", "09:00"),
            ("last_start", "17:00"),
            ("every_minutes", "120"),
            ("duration_minutes", "120"),
            ("rule_capacity", "900"),
            ("valid_from", today.isoformat()),
        ],
    )
    assert too_big.status_code == 422
    assert "nicht mehr Plätze" in too_big.text
    fields = (
        [("rule_zone", zone_id.group(1))]
        + [("weekdays", d) for d in "1234567"]
        + [
            ("first_start", "09:00"),
            ("last_start", "17:00"),
            ("every_minutes", "120"),
            ("duration_minutes", "120"),
            ("rule_capacity", "200"),
            ("valid_from", today.isoformat()),
        ]
    )
    assert manager.submit(base + "/regeln", fields).status_code == 303
    closed_day = today + timedelta(days=2)
    assert (
        manager.submit(
            base + "/ausnahmen",
            {"day": closed_day.isoformat(), "closed": "yes", "note": "Sportfest"},
        ).status_code
        == 303
    )
    made = manager.submit(base + "/zeitfenster", {"from": today.isoformat(), "days": "3"})
    assert made.status_code == 303
    with world.tenant(world.dresden) as db:
        slots = list(db.scalars(select(Slot).order_by(Slot.starts_at)))
        assert len(slots) == 3 * 5  # 09, 11, 13, 15, 17 on three days
        assert all(s.closed == (s.starts_at.astimezone(BERLIN).date() == closed_day) for s in slots)
        first = slots[0]
        actions = set(db.scalars(select(AuditEntry.action)))
    assert {"leisure.facility.create", "leisure.zone.create", "leisure.rule.create"} <= actions
    edited = manager.submit(f"{base}/zeitfenster/{first.id}", {"capacity": "150"})
    assert edited.status_code == 303
    too_much = manager.submit(f"{base}/zeitfenster/{first.id}", {"capacity": "501"})
    assert too_much.status_code == 422
    with world.tenant(world.dresden) as db:
        changed = db.get(Slot, first.id)
        assert changed is not None
        assert changed.capacity == 150
    citizen = Browser(new_client())
    assert "Freibad Cotta" in citizen.get("/dresden/freizeit").text


def test_staff_pages_need_their_roles(
    world: World, pool: Pool, new_client: Callable[[], TestClient], gate: Browser
) -> None:
    clerk = Browser(new_client())
    assert clerk.login("dd.clerk.a").status_code == 303
    assert clerk.get("/dresden/verwaltung/freizeit").status_code == 403
    assert clerk.get("/dresden/verwaltung/einlass").status_code == 403
    assert gate.get("/dresden/verwaltung/freizeit").status_code == 403
    anonymous = new_client()
    assert anonymous.get("/dresden/verwaltung/einlass", follow_redirects=False).status_code == 303
    rb_admin = Browser(new_client())
    assert rb_admin.login("rb.admin").status_code == 303
    assert rb_admin.get(f"/dresden/verwaltung/freizeit/{pool.facility_id}").status_code == 403


def test_the_check_in_list_shows_entries_and_staff_cancel(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    entered = book(world, platform, pool.now_slot, {pool.products["family"]: 1})
    waiting = book(world, platform, pool.now_slot, {pool.products["adult"]: 1}, paid=False)
    [(code, _)] = ticket_tokens(world, entered)
    with world.tenant(world.dresden) as db:
        scans.scan(db, world.dresden, code, actor="test")
        order_id = booking.order_by_code(db, waiting).id
    path = f"/dresden/verwaltung/freizeit/{pool.facility_id}/zeitfenster/{pool.now_slot}"
    page = manager.get(path)
    assert page.status_code == 200
    text = main_text(page)
    assert "Jetzt drinnen 4" in text
    assert "an der Kasse zu bezahlen" in text
    assert "gast@example.org" not in page.text  # no buyer's data on the gate's list
    cancel = f"/dresden/verwaltung/freizeit/{pool.facility_id}/bestellungen/{order_id}/stornieren"
    assert manager.submit(cancel, {}).status_code == 303
    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.now_slot)
        assert slot is not None
        assert slot.sold == 4
        assert booking.order_by_code(db, waiting).payment_state == "void"


def test_a_signed_in_citizen_books_without_an_e_mail_address(
    world: World, pool: Pool, new_client: Callable[[], TestClient]
) -> None:
    with world.system() as db:
        token = citizen_login.start(db, {"iss": "https://id.example", "sub": "erika"})
    client = new_client()
    client.cookies.set(citizen_login.COOKIE, token)
    citizen = Browser(client)
    path = f"/dresden/freizeit/hallenbad/buchen/{pool.later_slot}"
    held = citizen.submit(path, {f"anzahl-{pool.products['adult']}": "1"})
    assert held.status_code == 303, held.text
    assert "Sie sind angemeldet" in citizen.get(held.headers["location"]).text
    booked = citizen.submit(held.headers["location"], {"email": ""})
    assert booked.status_code == 303, booked.text
    with world.tenant(world.dresden) as db:
        order = db.scalar(select(Order))
        assert order is not None
        assert order.email is None
        assert order.citizen_subject
