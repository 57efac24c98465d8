"""The services' messages in the reader's language: a buyer reading the portal in English is
told in English what is wrong with the booking (too few places, no ticket, an unknown voucher
code, a group's size, unconfirmed ages, a full course date), one reading it in German in
German, and the refusal changes nothing; staff setting up courses and group or age tickets and
scanning a course ticket read English too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.leisure import booking, courses, facilities
from smartcity.leisure.models import Facility, Product, Slot, Ticket
from tests.conftest import World
from tests.leisure.conftest import Pool, make_pool
from tests.web.conftest import Browser, main_text


def test_booking_messages_follow_the_page_language(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    pool = make_pool(world, world.dresden, hall_slots=2)
    adult = pool.products["adult"]
    path = f"/dresden/freizeit/{pool.slug}/buchen/{pool.later_slot}"
    english, german = Browser(new_client()), Browser(new_client())
    assert english.get(f"{path}?lang=en").status_code == 200
    assert german.get(f"{path}?lang=de").status_code == 200

    too_many = english.submit(path, {f"anzahl-{adult}": "3"})
    assert too_many.status_code == 409
    assert (
        "Sorry, only 2 places are free; you wanted to book 3. Please choose fewer tickets or "
        "another slot." in main_text(too_many)
    )
    zu_viele = german.submit(path, {f"anzahl-{adult}": "3"})
    assert "Leider sind nur noch 2 Plätze frei; Sie wollten 3 buchen." in main_text(zu_viele)

    none = english.submit(path, {f"anzahl-{adult}": "0"})
    assert none.status_code == 422
    assert "Please choose at least one ticket." in main_text(none)
    assert "Bitte mindestens ein Ticket wählen." in main_text(
        german.submit(path, {f"anzahl-{adult}": "0"})
    )

    voucher = english.submit(path, {f"anzahl-{adult}": "1", "voucher": "AAAA-BBBB-CCCC-DDDD"})
    assert voucher.status_code == 422
    assert "There is no such voucher code, or it is not for this facility." in main_text(voucher)

    with world.tenant(world.dresden) as db:
        slot = db.get(Slot, pool.later_slot)
        assert slot is not None
        assert (slot.sold, slot.held) == (0, 0)


def test_course_group_and_age_messages_follow_the_page_language(
    world: World,
    pool: Pool,
    manager: Browser,
    gate: Browser,
    new_client: Callable[[], TestClient],
) -> None:
    office = f"/dresden/verwaltung/freizeit/{pool.facility_id}/kurse"
    assert manager.get(f"{office}?lang=en").status_code == 200
    course_form = {
        "course_name": "Seepferdchen",
        "course_zone": str(pool.hall),
        "course_capacity": "0",
        "dates": "morgen",
        "course_duration": "45",
        "course_price": "60",
        "date_price": "",
        "course_vat": "7",
    }
    wrong_course = manager.submit(office, course_form)
    assert wrong_course.status_code == 422
    assert "Line 1 (“morgen”) is not a date; please write e.g. 2027-01-12 17:00." in main_text(
        wrong_course
    )
    assert "The places per date are a number from 1 to 300." in main_text(wrong_course)
    setup = f"/dresden/verwaltung/freizeit/{pool.facility_id}/tickets"
    wrong_group = manager.submit(
        setup,
        {
            "product_name": "Schulklasse",
            "product_kind": "group",
            "price": "3",
            "places": "1",
            "vat": "7",
            "min_places": "20",
            "max_places": "10",
            "age_min": "10",
            "age_max": "6",
        },
    )
    assert wrong_group.status_code == 422
    assert "The largest group is smaller than the smallest." in main_text(wrong_group)
    assert "The highest age is below the lowest." in main_text(wrong_group)

    starts = [
        utcnow().replace(second=0, microsecond=0) + timedelta(minutes=10, days=d) for d in (0, 7)
    ]
    with world.tenant(world.dresden) as db:
        facility = db.get_one(Facility, pool.facility_id)
        course = courses.create(
            db,
            facility,
            courses.CourseInput(
                name="Seepferdchen",
                zone_id=pool.hall,
                capacity=1,
                price_cents=6000,
                date_price_cents=None,
                vat_basis_points=700,
                dates="\n".join(
                    s.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M")
                    for s in starts
                ),
                duration_minutes=45,
            ),
            timezone=world.dresden.timezone,
            actor="test",
        ).id
        group = facilities.add_product(
            db,
            facility,
            facilities.ProductInput(
                "Schulklasse", "group", 300, 1, 700, min_places=10, max_places=35
            ),
            "test",
        ).id
        kids = facilities.add_product(
            db,
            facility,
            facilities.ProductInput("Kinder", "child", 250, age_min=6, age_max=17),
            "t",
        ).id
    when = starts[0].astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y %H:%M")

    english, german = Browser(new_client()), Browser(new_client())
    course_path = f"/dresden/freizeit/hallenbad/kurse/{course}"
    slot_path = f"/dresden/freizeit/hallenbad/buchen/{pool.later_slot}"
    assert english.get(f"{course_path}?lang=en").status_code == 200
    assert german.get(f"{course_path}?lang=de").status_code == 200
    series = {"date": "reihe", "email": "eltern@example.org"}

    no_one = english.submit(course_path, series | {"count": "0"})
    assert no_one.status_code == 422
    assert "Please enter a number of participants from 1 to 10." in main_text(no_one)
    too_many = english.submit(course_path, series | {"count": "2"})
    assert too_many.status_code == 409
    assert f"Sorry, only 1 place is free on {when}; you wanted to book 2." in main_text(too_many)
    zu_viele = german.submit(course_path, series | {"count": "2"})
    assert f"Leider ist am {when} Uhr nur noch 1 Platz frei; Sie wollten 2 buchen." in main_text(
        zu_viele
    )

    small = english.submit(slot_path, {f"anzahl-{group}": "5"})
    assert small.status_code == 422
    assert (
        "A group (Schulklasse) has at least 10 and at most 35 persons; you entered 5."
        in main_text(small)
    )
    assert "Eine Gruppe (Schulklasse) hat mindestens 10 und höchstens 35 Personen" in main_text(
        german.submit(slot_path, {f"anzahl-{group}": "5"})
    )
    unconfirmed = english.submit(slot_path, {f"anzahl-{kids}": "1"})
    assert unconfirmed.status_code == 422
    assert (
        "Please confirm that the age limits are kept (Kinder: 6 to 17 years); ages are checked "
        "at the entry." in main_text(unconfirmed)
    )
    assert "(Kinder: 6 bis 17 Jahre)" in main_text(
        german.submit(slot_path, {f"anzahl-{kids}": "1"})
    )

    with world.tenant(world.dresden) as db:
        slot = db.get_one(Slot, pool.later_slot)
        assert (slot.sold, slot.held) == (0, 0)
        assert [d.sold for d in courses.dates_of(db, course)] == [0, 0]
        assert db.scalar(select(Product.id).where(Product.name == "Schulklasse")) == group

    booked = english.submit(course_path, series | {"count": "1"})
    assert booked.status_code == 303, booked.text
    with world.tenant(world.dresden) as db:
        ticket = db.scalars(select(Ticket).where(Ticket.product_id == course)).one()
        booking.mark_paid(db, booking.order_by_id(db, ticket.order_id), "test")
        code = ticket.code
    assert gate.get("/dresden/verwaltung/einlass?lang=en").status_code == 200
    scanned = gate.submit("/dresden/verwaltung/einlass", {"code": code, "direction": "entry"})
    assert "Valid: Seepferdchen, date 1 of 2. Welcome!" in main_text(scanned)
    again = gate.submit("/dresden/verwaltung/einlass", {"code": code, "direction": "entry"})
    assert "Already used: entry to this date was already recorded at" in main_text(again)
