"""Courses: a series of dates with their own capacity, booked as a whole or per date; no date
oversold when buyers race; the ticket admits once at each of its dates; cancellation of the
whole series until the first date's deadline; bad input refused without a change."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, func, select
from sqlalchemy.exc import IntegrityError

from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.mail.models import OutgoingMail
from smartcity.core.platform import Platform
from smartcity.core.signing import services as signing
from smartcity.leisure import booking, courses, datasets, occupancy, scans, tickets, week
from smartcity.leisure.models import CourseDate, Facility, Order, Product, Slot, Ticket
from tests.conftest import World
from tests.leisure.conftest import BERLIN, Pool
from tests.web.conftest import Browser, main_text


def _line(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


def _end(start: datetime) -> str:
    return (start + timedelta(minutes=45)).astimezone(BERLIN).strftime("%H:%M")


def _starts(first: datetime, count: int) -> list[datetime]:
    """`count` weekly dates from `first`, to the minute."""
    first = first.replace(second=0, microsecond=0)
    return [first + timedelta(days=7 * n) for n in range(count)]


def _course(
    world: World,
    pool: Pool,
    starts: list[datetime],
    *,
    capacity: int = 8,
    price: int = 9600,
    date_price: int | None = 1400,
) -> int:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        return courses.create(
            db,
            facility,
            courses.CourseInput(
                name="Schwimmkurs Anfänger",
                zone_id=pool.hall,
                capacity=capacity,
                price_cents=price,
                date_price_cents=date_price,
                vat_basis_points=700,
                dates="\n".join(_line(s) for s in starts),
                duration_minutes=45,
            ),
            timezone=world.dresden.timezone,
            actor="test",
        ).id


def _book(
    world: World,
    platform: Platform,
    pool: Pool,
    course_id: int,
    date_id: int | None = None,
    count: int = 1,
    *,
    paid: bool = True,
) -> str:
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        order = courses.book(
            db,
            world.dresden,
            facility,
            courses.CourseBooking(course_id, date_id, count, "eltern@example.org"),
            platform.settings.require_secret_key(),
        )
        if paid and order.payment_state != "paid":
            booking.mark_paid(db, order, "test")
        return order.code


def _sold(world: World, course_id: int) -> list[int]:
    with world.tenant(world.dresden) as db:
        return [d.sold for d in courses.dates_of(db, course_id)]


def _date_ids(world: World, course_id: int) -> list[int]:
    with world.tenant(world.dresden) as db:
        return [d.id for d in courses.dates_of(db, course_id)]


def test_a_series_takes_a_place_on_every_date_and_a_single_date_on_one(
    world: World, platform: Platform, pool: Pool
) -> None:
    course = _course(world, pool, _starts(utcnow() + timedelta(days=2), 4))
    series = _book(world, platform, pool, course, count=2, paid=False)
    assert _sold(world, course) == [2, 2, 2, 2]
    third = _date_ids(world, course)[2]
    _book(world, platform, pool, course, third, paid=False)
    assert _sold(world, course) == [2, 2, 3, 2]
    with world.tenant(world.dresden) as db:
        order = booking.order_by_code(db, series)
        assert order.total_cents == 2 * 9600
        assert order.slot_id is None
        found = booking.tickets_of(db, order)
        assert [t.places for t, _p in found] == [1, 1]
        claims = tickets.verify(found[0][0].token, signing.key_set(db, world.dresden))
        # The token lists the four dates: a gate offline knows when the ticket is valid.
        assert len(claims["c"]) == 4
        assert claims["c"][0][1] - claims["c"][0][0] == 45 * 60


def test_a_course_without_a_date_price_is_booked_only_as_a_whole(
    world: World, platform: Platform, pool: Pool
) -> None:
    course = _course(world, pool, _starts(utcnow() + timedelta(days=2), 2), date_price=None)
    with pytest.raises(InvalidInput) as refused:
        _book(world, platform, pool, course, _date_ids(world, course)[0])
    assert refused.value.errors["date"] == "Diesen Kurs gibt es nur als ganze Reihe."
    assert _sold(world, course) == [0, 0]


def test_a_full_date_refuses_the_whole_series_and_changes_nothing(
    world: World, platform: Platform, pool: Pool
) -> None:
    course = _course(world, pool, _starts(utcnow() + timedelta(days=2), 3), capacity=3)
    second = _date_ids(world, course)[1]
    _book(world, platform, pool, course, second, count=3)
    with pytest.raises(booking.SoldOut) as refused:
        _book(world, platform, pool, course, count=1)
    assert "ausgebucht" in refused.value.detail
    assert "Uhr" in refused.value.detail
    assert _sold(world, course) == [0, 3, 0]
    with pytest.raises(booking.SoldOut) as partly:
        _book(world, platform, pool, course, _date_ids(world, course)[0], count=4)
    assert "nur noch 3 Plätze" in partly.value.detail


def test_bad_course_bookings_are_refused_and_change_nothing(
    world: World, platform: Platform, pool: Pool
) -> None:
    course = _course(world, pool, _starts(utcnow() + timedelta(days=2), 2))
    other = _course(world, pool, _starts(utcnow() + timedelta(days=3), 1))
    foreign_date = _date_ids(world, other)[0]
    for date_id, count, field in (
        (None, 0, "count"),
        (None, 11, "count"),
        (None, None, "count"),
        (foreign_date, 1, "date"),
        (-1, 1, "date"),
    ):
        with pytest.raises(InvalidInput) as refused:
            _book(world, platform, pool, course, date_id, count)  # type: ignore[arg-type]
        assert field in refused.value.errors
    with pytest.raises(NotFound):
        _book(world, platform, pool, pool.products["adult"])
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        with pytest.raises(InvalidInput) as wrong_mail:
            courses.book(
                db,
                world.dresden,
                facility,
                courses.CourseBooking(course, None, 1, "keine-adresse"),
                platform.settings.require_secret_key(),
            )
        assert "email" in wrong_mail.value.errors
        assert db.scalar(select(func.count()).select_from(Order)) == 0
    assert _sold(world, course) == [0, 0]


def test_wrong_courses_are_refused_with_a_message_per_field(world: World, pool: Pool) -> None:
    later = _line(utcnow() + timedelta(days=3))
    with world.tenant(world.dresden) as db:
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None
        before = db.scalar(select(func.count()).select_from(Product))
        for change, field in (
            ({"name": " "}, "course_name"),
            ({"zone_id": 999_999}, "course_zone"),
            ({"capacity": 301}, "course_capacity"),
            ({"capacity": 0}, "course_capacity"),
            ({"price_cents": -1}, "course_price"),
            ({"date_price_cents": -1}, "date_price"),
            ({"duration_minutes": 5}, "course_duration"),
            ({"dates": ""}, "dates"),
            ({"dates": "nächsten Dienstag"}, "dates"),
            ({"dates": "2027-02-30 17:00"}, "dates"),
            ({"dates": "2020-01-07 17:00"}, "dates"),
            ({"dates": f"{later}\n{later}"}, "dates"),
        ):
            data = {
                "name": "Aquafitness",
                "zone_id": pool.hall,
                "capacity": 10,
                "price_cents": 5000,
                "date_price_cents": None,
                "vat_basis_points": 700,
                "dates": later,
                "duration_minutes": 45,
            } | change
            with pytest.raises(InvalidInput) as refused:
                courses.create(
                    db,
                    facility,
                    courses.CourseInput(**data),  # type: ignore[arg-type]
                    timezone="Europe/Berlin",
                    actor="test",
                )
            assert field in refused.value.errors, change
            if change.get("dates") == "nächsten Dienstag":
                # The message names the wrong line.
                assert "Zeile 1" in refused.value.errors["dates"]
        assert db.scalar(select(func.count()).select_from(Product)) == before
        assert db.scalar(select(func.count()).select_from(CourseDate)) == 0


def test_the_ticket_admits_once_at_each_of_its_dates(
    world: World, platform: Platform, pool: Pool
) -> None:
    # The first date begins in ten minutes: entry opens 30 minutes before.
    starts = _starts(utcnow() + timedelta(minutes=10), 3)
    course = _course(world, pool, starts)
    code = _book(world, platform, pool, course)
    with world.tenant(world.dresden) as db:
        order = booking.order_by_code(db, code)
        [(ticket, _product)] = booking.tickets_of(db, order)
        token = ticket.token

    def scan(at: datetime | None = None, zone: int | None = None) -> scans.ScanResult:
        with world.tenant(world.dresden) as db:
            return scans.scan(db, world.dresden, token, zone_id=zone, scanned_at=at, actor="gate")

    first = scan(zone=pool.hall)
    assert (first.result, first.admitted) == (scans.OK, True)
    assert "Termin 1 von 3" in first.message
    again = scan()
    assert again.result == scans.USED
    assert "zu diesem Termin" in again.message
    between = scan(starts[0] + timedelta(days=3))
    assert between.result == scans.NOT_NOW
    assert "Nächster Termin" in between.message
    assert scan(zone=pool.sauna).result == scans.WRONG_ZONE
    second = scan(starts[1] + timedelta(minutes=5))
    assert second.result == scans.OK
    assert "Termin 2 von 3" in second.message
    assert scan(starts[1] + timedelta(minutes=6)).result == scans.USED
    after = scan(starts[2] + timedelta(days=1))
    assert after.result == scans.NOT_NOW
    assert "Alle Termine sind vorbei" in after.message


def test_a_course_visitor_counts_as_inside_only_until_the_date_ends(
    world: World, platform: Platform, pool: Pool
) -> None:
    starts = _starts(utcnow() + timedelta(minutes=10), 2)
    course = _course(world, pool, starts)
    code = _book(world, platform, pool, course)
    ends = starts[0] + timedelta(minutes=45)
    with world.tenant(world.dresden) as db:
        [(ticket, _p)] = booking.tickets_of(db, booking.order_by_code(db, code))
        entered = scans.scan(db, world.dresden, ticket.code, zone_id=pool.hall, actor="gate")
        assert entered.result == scans.OK
        facility = db.get(Facility, pool.facility_id)
        assert facility is not None

        def hall(at: datetime) -> int:
            [inside] = [
                z.inside for z in occupancy.occupancy(db, facility, at) if z.zone_id == pool.hall
            ]
            assert occupancy.inside_zone(db, pool.hall, at) == inside
            return inside

        assert hall(utcnow()) == 1
        assert hall(ends - timedelta(minutes=1)) == 1
        # Not four hours as for a multi-use card: the date is over.
        assert hall(ends + timedelta(minutes=1)) == 0
        assert datasets.counted_since(db, pool.facility_id, ends + timedelta(minutes=1)) == ends


def test_a_ticket_for_one_date_is_valid_only_then(
    world: World, platform: Platform, pool: Pool
) -> None:
    starts = _starts(utcnow() + timedelta(minutes=10), 2)
    course = _course(world, pool, starts)
    second = _date_ids(world, course)[1]
    code = _book(world, platform, pool, course, second)
    with world.tenant(world.dresden) as db:
        [(ticket, _p)] = booking.tickets_of(db, booking.order_by_code(db, code))
        now = scans.scan(db, world.dresden, ticket.code, actor="gate")
        assert now.result == scans.NOT_NOW
        later = scans.scan(
            db, world.dresden, ticket.code, scanned_at=starts[1] + timedelta(minutes=1), actor="g"
        )
        assert later.result == scans.OK
        assert "Einzeltermin" in later.message


def test_cancelling_the_series_frees_every_date_until_the_first_dates_deadline(
    world: World, platform: Platform, pool: Pool
) -> None:
    # The pool's deadline is two hours before the start.
    course = _course(world, pool, _starts(utcnow() + timedelta(days=1), 3))
    code = _book(world, platform, pool, course, count=2)
    soon = _course(world, pool, _starts(utcnow() + timedelta(hours=1), 2))
    late = _book(world, platform, pool, soon)
    with world.tenant(world.dresden) as db:
        with pytest.raises(Conflict) as refused:
            booking.cancel(db, booking.order_by_code(db, late), actor="citizen")
        assert "vor dem ersten Termin" in refused.value.detail
        order = booking.cancel(db, booking.order_by_code(db, code), actor="citizen")
        assert (order.state, order.payment_state) == ("cancelled", "refunded")
        assert order.refunded_cents == 2 * 9600
        assert all(t.state == "refunded" for t, _p in booking.tickets_of(db, order))
    assert _sold(world, course) == [0, 0, 0]
    assert _sold(world, soon) == [1, 1]


def test_many_buyers_racing_for_a_dates_last_places_never_oversell(
    world: World, platform: Platform, pool: Pool
) -> None:
    """Real concurrent transactions on SQLite and PostgreSQL: series and single-date buyers
    (some for two participants) race for five places; no date is oversold, every sold place
    has its ticket, every refused buyer is told why."""
    capacity = 5
    course = _course(world, pool, _starts(utcnow() + timedelta(days=2), 3), capacity=capacity)
    dates = _date_ids(world, course)
    # The signing key exists before the race (it is made on first use).
    _book(world, platform, pool, course, dates[2])
    secret = platform.settings.require_secret_key()
    buyers = 16
    start = threading.Barrier(buyers)
    outcomes: list[str] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def buy(n: int) -> None:
        date_id = dates[1] if n % 2 else None
        count = 2 if n % 3 == 0 else 1
        start.wait()
        try:
            with world.tenant(world.dresden) as db:
                facility = db.get(Facility, pool.facility_id)
                assert facility is not None
                courses.book(
                    db,
                    world.dresden,
                    facility,
                    courses.CourseBooking(course, date_id, count, f"k{n}@example.org"),
                    secret,
                )
            outcome = "booked"
        except booking.SoldOut as exc:
            outcome = "sold out"
            with lock:
                refusals.append(exc.detail)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counted = Counter(outcomes)
    assert sum(counted.values()) == buyers
    assert counted["booked"] >= 1
    assert counted["sold out"] >= 1
    assert all("ausgebucht" in r or "nur noch" in r for r in refusals)
    sold = _sold(world, course)
    assert all(places <= capacity for places in sold)
    with world.tenant(world.dresden) as db:
        rows = db.execute(
            select(Ticket.course_date_id, func.sum(Ticket.places))
            .where(Ticket.product_id == course, Ticket.state == "valid")
            .group_by(Ticket.course_date_id)
        ).all()
        unsigned = db.scalar(select(func.count()).select_from(Ticket).where(Ticket.token == ""))
    per_ticket = {date_id: int(places) for date_id, places in rows}
    series = per_ticket.get(None, 0)
    # Each date's count is the series' places and its own single-date places.
    assert sold == [series + per_ticket.get(d, 0) for d in dates]
    assert unsigned == 0


def test_a_course_from_the_back_office_to_the_gate(
    world: World,
    platform: Platform,
    pool: Pool,
    manager: Browser,
    gate: Browser,
    new_client: Callable[[], TestClient],
) -> None:
    starts = _starts(utcnow() + timedelta(minutes=10), 2)
    office = f"/dresden/verwaltung/freizeit/{pool.facility_id}/kurse"
    assert manager.get(office).status_code == 200
    wrong = manager.submit(
        office,
        {
            "course_name": "Seepferdchen",
            "course_zone": str(pool.hall),
            "course_capacity": "6",
            "dates": "morgen",
            "course_duration": "45",
            "course_price": "60",
            "date_price": "",
            "course_vat": "7",
        },
    )
    assert wrong.status_code == 422
    assert "Zeile 1" in main_text(wrong)
    made = manager.submit(
        office,
        {
            "course_name": "Seepferdchen",
            "course_zone": str(pool.hall),
            "course_capacity": "6",
            "dates": "\n".join(_line(s) for s in starts),
            "course_duration": "45",
            "course_price": "60",
            "date_price": "",
            "course_vat": "7",
        },
    )
    assert made.status_code == 303, made.text
    assert "Seepferdchen" in main_text(manager.get(made.headers["location"]))
    with world.tenant(world.dresden) as db:
        course = db.scalar(select(Product.id).where(Product.name == "Seepferdchen"))
    citizen = Browser(new_client())
    facility_page = citizen.get("/dresden/freizeit/hallenbad")
    path = f"/dresden/freizeit/hallenbad/kurse/{course}"
    assert path in facility_page.text
    page = citizen.get(path)
    text = main_text(page)
    assert "6 von 6" in text
    assert "nur als ganze Reihe" in text
    refused = citizen.submit(path, {"date": "reihe", "count": "0", "email": "x@example.org"})
    assert refused.status_code == 422
    assert 'id="fehlerliste"' in refused.text
    booked = citizen.submit(path, {"date": "reihe", "count": "1", "email": "x@example.org"})
    assert booked.status_code == 303, booked.text
    order_page = main_text(citizen.get(booked.headers["location"]))
    assert starts[0].astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") in order_page
    assert "5 von 6" in main_text(citizen.get(path))
    with world.tenant(world.dresden) as db:
        [mail] = db.scalars(select(OutgoingMail)).all()
    first = starts[0].astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
    assert (
        mail.subject
        == f"Ihre Tickets: Hallenbad Mitte, {first} – {_end(starts[0])}, insgesamt 2 Termine"
    )
    with world.tenant(world.dresden) as db:
        ticket = db.scalar(select(Ticket).where(Ticket.product_id == course))
        assert ticket is not None
        booking.mark_paid(db, booking.order_by_id(db, ticket.order_id), "test")
        code = ticket.code
    scanned = gate.submit("/dresden/verwaltung/einlass", {"code": code, "direction": "entry"})
    assert scanned.status_code == 200
    assert "Termin 1 von 2" in main_text(scanned)


def _selects(world: World, call: Callable[[], object], table: str = "") -> int:
    """How many SELECTs (of `table`, where given) `call` makes."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    event.listen(world.platform.engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(world.platform.engine, "before_cursor_execute", note)
    return len(seen)


def test_cancelling_a_course_reads_its_tickets_once_and_frees_every_date(
    world: World, platform: Platform, pool: Pool
) -> None:
    course = _course(world, pool, _starts(utcnow() + timedelta(days=1), 3))
    code = _book(world, platform, pool, course, count=2)
    assert _sold(world, course) == [2, 2, 2]

    def cancel() -> None:
        with world.tenant(world.dresden) as db:
            order = booking.cancel(db, booking.order_by_code(db, code), actor="citizen")
            assert order.state == "cancelled"

    # The deadline and the places given back come from one read of the order's tickets.
    assert _selects(world, cancel, "leisure_ticket") == 1
    assert _sold(world, course) == [0, 0, 0]


def test_the_courses_page_costs_the_same_queries_for_more_courses(
    world: World, pool: Pool, manager: Browser
) -> None:
    first = _starts(utcnow() + timedelta(days=2), 2)
    _course(world, pool, first)
    page = f"/dresden/verwaltung/freizeit/{pool.facility_id}/kurse"
    assert manager.get(page).status_code == 200  # the process's first copies
    few = _selects(world, lambda: manager.get(page))
    second = _starts(utcnow() + timedelta(days=3), 3)
    third = _starts(utcnow() + timedelta(days=4), 4)
    _course(world, pool, second)
    _course(world, pool, third)
    many = _selects(world, lambda: manager.get(page))
    assert many == few
    text = main_text(manager.get(page))
    for start in [*first, *second, *third]:
        assert start.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") in text


def test_the_calendar_lists_the_weeks_course_dates_with_their_own_places(
    world: World, platform: Platform, pool: Pool, manager: Browser
) -> None:
    starts = _starts(utcnow() + timedelta(days=1), 2)
    course = _course(world, pool, starts)
    with world.tenant(world.dresden) as db:
        slots_sold = db.scalar(select(func.sum(Slot.sold)))
    _book(world, platform, pool, course, count=3)
    day = starts[0].astimezone(BERLIN).date()
    page = manager.get(f"/dresden/verwaltung/freizeit/{pool.facility_id}/kalender?woche={day}")
    assert page.status_code == 200
    text = main_text(page)
    assert f"Kurse am {day:%d.%m.%Y}" in text
    start = starts[0].astimezone(BERLIN).strftime("%H:%M")
    # 3 booked of the date's own 8 places; the second date is next week.
    assert f"{start} – {_end(starts[0])} Schwimmkurs Anfänger Schwimmhalle 3 8" in text
    assert text.count("Schwimmkurs Anfänger") == 1
    assert "eigene Plätze" in text
    with world.tenant(world.dresden) as db:
        # The course took no places of the slots at the same time.
        assert db.scalar(select(func.sum(Slot.sold))) == slots_sold
        shown = week.week(db, db.get_one(Facility, pool.facility_id), day, "Europe/Berlin")
        [listed] = [c for d in shown.days for c in d.courses]
        assert (listed.course, listed.zone, listed.date.sold) == (
            "Schwimmkurs Anfänger",
            "Schwimmhalle",
            3,
        )


def test_a_date_with_sold_tickets_cannot_be_deleted(
    world: World, platform: Platform, pool: Pool
) -> None:
    starts = _starts(utcnow() + timedelta(days=1), 2)
    course = _course(world, pool, starts)
    second = _date_ids(world, course)[1]
    code = _book(world, platform, pool, course, second)
    # A sold ticket is a cash record: its date is not deleted along with it.
    with world.tenant(world.dresden) as db, pytest.raises(IntegrityError), db.begin_nested():
        db.execute(delete(CourseDate).where(CourseDate.id == second))
    with world.tenant(world.dresden) as db:
        [(ticket, _p)] = booking.tickets_of(db, booking.order_by_code(db, code))
        assert ticket.course_date_id == second
        assert db.get(CourseDate, second) is not None
