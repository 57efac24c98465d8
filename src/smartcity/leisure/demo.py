"""Demo data: Dresden's Hallenbad with a pool hall and a sauna, and a museum, with slots for
the next two weeks, a few bookings and visitors inside right now."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.leisure import booking, facilities, scans
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
        facilities.add_rule(
            db,
            museum,
            facilities.RuleInput(rooms.id, "234567", "10:00", "17:00", 60, 60, 60, today),
            ACTOR,
        )
        for facility in (pool, museum):
            facilities.generate_slots(db, facility, today, 14, zone_name)
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
    context.say(
        f"  Leisure: Hallenbad (Schwimmhalle, Sauna) and Stadtmuseum, slots for 14 days, "
        f"{orders} bookings; gate account dresden.einlass"
    )
