"""Demo data: Dresden's Hallenbad with a pool hall and a sauna, and a museum, with slots for
the next two weeks, a few bookings and visitors inside right now."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.leisure import (
    booking,
    courses,
    facilities,
    holds,
    occupancy_streams,
    passes,
    scans,
    vouchers,
    waitlist,
)
from smartcity.leisure.models import Facility, Slot

ACTOR = "demo"


def seed(context: DemoContext) -> None:
    municipality = context.municipalities.get("dresden")
    if municipality is None:
        return
    secret = context.platform.settings.require_secret_key()
    zone_name = municipality.timezone
    today = datetime.now(ZoneInfo(zone_name)).date()
    with context.tenant_session(municipality) as db:
        if db.scalar(select(Facility.id).limit(1)) is not None:
            return
        pool = facilities.create_facility(
            db,
            facilities.FacilityInput(
                slug="hallenbad",
                name="Hallenbad Freiberger Platz",
                kind="pool",
                description="25-m-Becken, Nichtschwimmerbecken und eine finnische Sauna.",
                address="Freiberger Platz 1, 01067 Dresden",
                opening_hours="täglich 7–21 Uhr",
                cancel_hours=2,
            ),
            ACTOR,
        )
        hall = facilities.add_zone(db, pool, "Schwimmhalle", 300, ACTOR)
        sauna = facilities.add_zone(db, pool, "Sauna", 40, ACTOR)
        for name, kind, cents, places, proof in (
            ("Erwachsene", "adult", 550, 1, False),
            ("Ermäßigt", "reduced", 350, 1, True),
            ("Kinder bis 6 Jahre", "child", 0, 1, False),
            ("Familie (2 + 2)", "family", 1500, 4, False),
        ):
            facilities.add_product(
                db, pool, facilities.ProductInput(name, kind, cents, places, 700, proof), ACTOR
            )
        # Multi-use tickets: punch cards (one of them reduced) and a month ticket.
        card = facilities.add_product(
            db,
            pool,
            facilities.ProductInput(
                "10er-Karte", "punch_card", 4950, 1, 700, False, entries=10, valid_days=365
            ),
            ACTOR,
        )
        facilities.add_product(
            db,
            pool,
            facilities.ProductInput(
                "10er-Karte ermäßigt", "punch_card", 3150, 1, 700, True, entries=10, valid_days=365
            ),
            ACTOR,
        )
        facilities.add_product(
            db,
            pool,
            facilities.ProductInput(
                "Monatskarte", "period", 3900, 1, 700, False, valid_days=30, one_per_day=True
            ),
            ACTOR,
        )
        for zone, capacity in ((hall, 250), (sauna, 40)):
            facilities.add_rule(
                db,
                pool,
                facilities.RuleInput(
                    zone.id, "1234567", "07:00", "19:00", 120, 120, capacity, today
                ),
                ACTOR,
            )
        facilities.add_exception(
            db,
            pool,
            today + timedelta(days=9),
            closed=True,
            capacity=None,
            note="Revision der Technik",
            timezone=zone_name,
            actor=ACTOR,
        )
        museum = facilities.create_facility(
            db,
            facilities.FacilityInput(
                slug="stadtmuseum",
                name="Stadtmuseum Dresden",
                kind="museum",
                description="Die Geschichte der Stadt vom Mittelalter bis heute.",
                address="Wilsdruffer Straße 2, 01067 Dresden",
                opening_hours="Di–So 10–18 Uhr",
            ),
            ACTOR,
        )
        rooms = facilities.add_zone(db, museum, "Ausstellung", 120, ACTOR)
        facilities.add_product(
            db, museum, facilities.ProductInput("Eintritt", "adult", 500, 1, 700, False), ACTOR
        )
        facilities.add_product(
            db, museum, facilities.ProductInput("Ermäßigt", "reduced", 400, 1, 700, True), ACTOR
        )
        # A school class: 10 to 35 pupils on one ticket, priced per person.
        facilities.add_product(
            db,
            museum,
            facilities.ProductInput(
                "Schulklasse", "group", 200, 1, 700, False, min_places=10, max_places=35
            ),
            ACTOR,
        )
        facilities.add_rule(
            db,
            museum,
            facilities.RuleInput(rooms.id, "234567", "10:00", "17:00", 60, 60, 60, today),
            ACTOR,
        )
        for facility in (pool, museum):
            facilities.generate_slots(db, facility, today, 14, zone_name)
        # A swimming course: eight Tuesdays at 17:00 from next week, booked as a whole.
        tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
        courses.create(
            db,
            pool,
            courses.CourseInput(
                name="Schwimmkurs Seepferdchen",
                zone_id=hall.id,
                capacity=8,
                price_cents=9600,
                date_price_cents=None,
                vat_basis_points=700,
                dates="\n".join(f"{tuesday + timedelta(weeks=n)} 17:00" for n in range(8)),
                duration_minutes=45,
            ),
            timezone=zone_name,
            actor=ACTOR,
        )
        products = {p.kind: p for p in facilities.products(db, pool.id)}
        now = utcnow()
        current = db.scalars(
            select(Slot)
            .where(Slot.facility_id == pool.id, Slot.zone_id == hall.id, Slot.ends_at > now)
            .order_by(Slot.starts_at)
        ).first()
        orders = 0
        if current is not None:
            for n in range(12):
                order = booking.book(
                    db,
                    municipality,
                    booking.BookingInput(
                        current.id,
                        {products["family" if n % 4 == 0 else "adult"].id: 1},
                        f"gast{n}@example.org",
                    ),
                    secret,
                )
                orders += 1
                booking.mark_paid(db, order, ACTOR)
                if n < 8 and current.starts_at - scans.EARLY <= now:
                    for ticket, _product in booking.tickets_of(db, order):
                        scans.scan(db, municipality, ticket.code, actor=ACTOR)
        # A regular with a punch card, in the pool now; and a cart still open for tomorrow.
        regular = passes.buy(
            db,
            municipality,
            pool,
            passes.PassInput(card.id, today, "stammgast@example.org"),
            secret,
        )
        booking.mark_paid(db, regular, ACTOR)
        for ticket, _product in booking.tickets_of(db, regular):
            scans.scan(db, municipality, ticket.code, actor=ACTOR)
        tomorrow = db.scalars(
            select(Slot)
            .where(Slot.facility_id == pool.id, Slot.starts_at > now + timedelta(hours=20))
            .order_by(Slot.starts_at)
        ).first()
        if tomorrow is not None:
            holds.hold(db, holds.HoldInput(tomorrow.id, {products["adult"].id: 2}))
            # 20 of tomorrow's first places only with a voucher ("Ferienpass").
            facilities.update_slot(
                db,
                tomorrow.id,
                capacity=tomorrow.capacity,
                reserved=20,
                closed=False,
                note="",
                actor=ACTOR,
            )
        vouchers.create(
            db,
            pool,
            vouchers.VoucherInput(
                "discount", percent_off=50, unlocks_reserved=True, count=5, note="Ferienpass"
            ),
            ACTOR,
            today,
        )
        vouchers.create(
            db,
            pool,
            vouchers.VoucherInput(
                "gift_card", balance_cents=2500, max_uses=20, note="Geschenkkarte 25 €"
            ),
            ACTOR,
            today,
        )
        # Tomorrow's first museum slot is fully booked, with one visitor on the waiting list.
        full = db.scalars(
            select(Slot)
            .where(Slot.facility_id == museum.id, Slot.starts_at > now + timedelta(hours=20))
            .order_by(Slot.starts_at)
        ).first()
        entry = {p.kind: p for p in facilities.products(db, museum.id)}["adult"]
        if full is not None:
            while booking.free_places(full) > 0:
                count = min(booking.MAX_TICKETS, booking.free_places(full))
                booking.book(
                    db,
                    municipality,
                    booking.BookingInput(full.id, {entry.id: count}, "schulklasse@example.org"),
                    secret,
                )
                db.refresh(full)
            waitlist.join(db, waitlist.JoinInput(full.id, entry.id, 2, "warte@example.org"))
        # Every zone's Datastream starts with its count (the scans above wrote theirs).
        occupancy_streams.sync(db, municipality)
    context.say(
        f"  Leisure: Hallenbad (Schwimmhalle, Sauna) and Stadtmuseum, slots for 14 days, "
        f"{orders} bookings, punch cards and a month ticket, an open cart, vouchers, "
        "a gift card, a waiting list, a swimming course and a school-class ticket; "
        "gate account dresden.einlass"
    )
