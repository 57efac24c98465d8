"""Courses: a series of dates (a swimming course, eight Tuesdays 17:00–17:45) with their own
capacity, booked as a whole series or, where the course allows it, per date.

A course is a product of the kind `course`; its dates are `leisure_course_date` rows with a
`sold` counter that only grows by one conditional UPDATE per date
(`sold + n <= capacity`), as a slot's does. A series booking takes its places on every date
in one savepoint, the dates in the order of their ids (so two series bookings wait for each
other instead of deadlocking); one full date refuses the whole booking and changes nothing.
The ticket is valid at each of its dates: the gate admits it once per date."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_, ngettext_
from smartcity.leisure import booking, facilities, payments, tickets
from smartcity.leisure.models import (
    COURSE,
    ORDER_CONFIRMED,
    TICKET_VALID,
    CourseDate,
    Facility,
    Order,
    Product,
    Ticket,
)

if TYPE_CHECKING:
    from smartcity.leisure.scans import ScanResult

MAX_DATES = 52
MAX_PARTICIPANTS = 10
# "2027-01-12 17:00" or "12.01.2027 17:00", one date a line.
ISO_LINE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")
GERMAN_LINE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}),? (\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class CourseInput:
    name: str
    zone_id: int | None
    capacity: int | None
    price_cents: int | None
    # The price of one date; None: the course is booked only as a whole.
    date_price_cents: int | None
    vat_basis_points: int | None
    # One start a line, local time.
    dates: str
    duration_minutes: int | None


def _starts(text: str) -> datetime | None:
    found = ISO_LINE.match(text)
    if found:
        year, month, day, hour, minute = (int(g) for g in found.groups())
    else:
        german = GERMAN_LINE.match(text)
        if german is None:
            return None
        day, month, year, hour, minute = (int(g) for g in german.groups())
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError:
        return None


def _parsed_dates(
    text: str, timezone: str, now: datetime, errors: dict[str, str]
) -> list[datetime]:
    """The starts (UTC) of the lines, or an error naming the first wrong line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        errors["dates"] = gettext_("Please give at least one date, e.g. 2027-01-12 17:00.")
        return []
    if len(lines) > MAX_DATES:
        errors["dates"] = gettext_("A course has at most %(n)s dates.") % {"n": MAX_DATES}
        return []
    zone = ZoneInfo(timezone)
    starts: list[datetime] = []
    for number, line in enumerate(lines, start=1):
        local = _starts(line)
        if local is None or not 2000 <= local.year <= 2200:
            errors["dates"] = gettext_(
                "Line %(number)s (“%(line)s”) is not a date; please write e.g. 2027-01-12 17:00."
            ) % {"number": number, "line": line[:40]}
            return []
        moment = local.replace(tzinfo=zone).astimezone(UTC)
        if moment <= now:
            errors["dates"] = gettext_("The date in line %(number)s is in the past.") % {
                "number": number
            }
            return []
        if moment in starts:
            errors["dates"] = gettext_("The date in line %(number)s is listed twice.") % {
                "number": number
            }
            return []
        starts.append(moment)
    return sorted(starts)


def create(
    db: Session,
    facility: Facility,
    data: CourseInput,
    *,
    timezone: str,
    actor: str,
    now: datetime | None = None,
) -> Product:
    """A course with its dates; InvalidInput (422) naming each wrong field, nothing made."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["course_name"] = gettext_("Please enter the course's name.")
    zone = next((z for z in facilities.zones(db, facility.id) if z.id == data.zone_id), None)
    if zone is None:
        errors["course_zone"] = gettext_("Please choose an area of the facility.")
    capacity = data.capacity
    if capacity is None or not 1 <= capacity <= (
        zone.capacity if zone else facilities.MAX_CAPACITY
    ):
        limit = zone.capacity if zone else facilities.MAX_CAPACITY
        errors["course_capacity"] = gettext_(
            "The places per date are a number from 1 to %(n)s."
        ) % {"n": limit}
    price = data.price_cents
    if price is None or not 0 <= price <= facilities.MAX_PRICE_CENTS:
        errors["course_price"] = gettext_("The price is an amount in euros from 0 to 10,000.")
    date_price = data.date_price_cents
    if date_price is not None and not 0 <= date_price <= facilities.MAX_PRICE_CENTS:
        errors["date_price"] = gettext_(
            "The price per date is an amount in euros from 0 to 10,000."
        )
    vat = data.vat_basis_points
    if vat is None or not 0 <= vat <= 10_000:
        errors["course_vat"] = gettext_("The VAT rate is a percentage from 0 to 100.")
    duration = data.duration_minutes
    if duration is None or not 15 <= duration <= 12 * 60:
        errors["course_duration"] = gettext_("The duration is a number of minutes from 15 to 720.")
    starts = _parsed_dates(data.dates, timezone, now, errors)
    if errors or zone is None or capacity is None or price is None or duration is None:
        raise InvalidInput(gettext_("Please check the course's details."), errors=errors)
    product = Product(
        facility_id=facility.id,
        name=data.name.strip()[:120],
        kind=COURSE,
        places=1,
        price_cents=price,
        vat_basis_points=vat or 0,
        zone_ids=str(zone.id),
        date_price_cents=date_price,
    )
    db.add(product)
    db.flush()
    for start in starts:
        db.add(
            CourseDate(
                product_id=product.id,
                starts_at=start,
                ends_at=start + timedelta(minutes=duration),
                capacity=capacity,
            )
        )
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="leisure.course.create",
        resource_type="leisure_facility",
        resource_id=facility.id,
        changes={"course": product.name, "dates": len(starts), "capacity": capacity},
    )
    return product


def of_facility(db: Session, facility_id: int, *, active_only: bool = True) -> list[Product]:
    """The facility's courses (by default only the active ones)."""
    return [
        p for p in facilities.products(db, facility_id, active_only=active_only) if p.kind == COURSE
    ]


def course(db: Session, facility: Facility, product_id: int) -> Product:
    found = db.get(Product, product_id)
    if (
        found is None
        or found.facility_id != facility.id
        or found.kind != COURSE
        or not found.active
    ):
        raise NotFound(gettext_("This course does not exist here."))
    return found


def dates_of(db: Session, product_id: int) -> list[CourseDate]:
    return list(
        db.scalars(
            select(CourseDate)
            .where(CourseDate.product_id == product_id)
            .order_by(CourseDate.starts_at, CourseDate.id)
        )
    )


def dates_of_courses(db: Session, product_ids: list[int]) -> dict[int, list[CourseDate]]:
    """The dates of several courses in one query, per course (each in the order of `dates_of`)."""
    found: dict[int, list[CourseDate]] = {product_id: [] for product_id in product_ids}
    if not product_ids:
        return found
    for course_date in db.scalars(
        select(CourseDate)
        .where(CourseDate.product_id.in_(product_ids))
        .order_by(CourseDate.starts_at, CourseDate.id)
    ):
        found[course_date.product_id].append(course_date)
    return found


def free(course_date: CourseDate) -> int:
    return max(course_date.capacity - course_date.sold, 0)


def series_free(dates: list[CourseDate]) -> int:
    """Places free for the whole series: the fullest date decides."""
    return min((free(d) for d in dates), default=0)


@dataclass(frozen=True)
class CourseBooking:
    product_id: int
    # None: the whole series; else one date of the course.
    date_id: int | None
    count: int | None
    email: str = ""
    citizen_subject: str | None = None
    language: str = "de"


def _local(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


def _take(db: Session, course_date: CourseDate, places: int, timezone: str) -> None:
    """One date's places by one conditional UPDATE; SoldOut naming the date when too few."""
    taken = db.execute(
        update(CourseDate)
        .where(CourseDate.id == course_date.id, CourseDate.sold + places <= CourseDate.capacity)
        .values(sold=CourseDate.sold + places)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        db.refresh(course_date)
        left = free(course_date)
        when = _local(course_date.starts_at, timezone)
        message = (
            gettext_("Sorry, fully booked: the date on %(when)s has no free place left.")
            % {"when": when}
            if left == 0
            else ngettext_(
                "Sorry, only %(free)s place is free on %(when)s; you wanted to book %(places)s.",
                "Sorry, only %(free)s places are free on %(when)s; you wanted to book %(places)s.",
                left,
            )
            % {"free": left, "when": when, "places": places}
        )
        raise booking.SoldOut(message, left)


def book(
    db: Session,
    municipality: Municipality,
    facility: Facility,
    data: CourseBooking,
    secret: str,
    now: datetime | None = None,
) -> Order:
    """Book a course for `count` participants (one ticket each): the whole series until its
    first date begins, or one date (where the course has a price per date) until it begins.
    SoldOut (409) when a date has too few places; InvalidInput (422) for wrong details; a
    refused booking changes nothing."""
    now = now or utcnow()
    product = course(db, facility, data.product_id)
    dates = dates_of(db, product.id)
    errors: dict[str, str] = {}
    count = data.count
    if count is None or not 1 <= count <= MAX_PARTICIPANTS:
        errors["count"] = gettext_("Please enter a number of participants from 1 to %(n)s.") % {
            "n": MAX_PARTICIPANTS
        }
    if data.date_id is None:
        chosen = dates
        price = product.price_cents
        if not dates or dates[0].starts_at <= now:
            errors["date"] = gettext_(
                "The course has already begun; the whole series can no longer be booked."
            ) + (
                " " + gettext_("Single dates still can.")
                if product.date_price_cents is not None
                else ""
            )
    else:
        one = next((d for d in dates if d.id == data.date_id), None)
        chosen = [one] if one is not None else []
        price = product.date_price_cents or 0
        if product.date_price_cents is None:
            errors["date"] = gettext_("This course is only offered as a whole series.")
        elif one is None:
            errors["date"] = gettext_("This course has no such date.")
        elif one.starts_at <= now:
            errors["date"] = gettext_("This date has already begun.")
    email, wrong = booking.checked_email(data.email, data.citizen_subject)
    errors |= wrong
    if errors or count is None:
        raise InvalidInput(gettext_("Please check the course booking's details."), errors=errors)
    # All dates or none: one full date rolls back the places taken on the others.
    with db.begin_nested():
        for course_date in sorted(chosen, key=lambda d: d.id):
            _take(db, course_date, count, municipality.timezone)
    total = price * count
    provider = payments.provider_for(total)
    order = Order(
        code=secrets.token_urlsafe(32),
        facility_id=facility.id,
        slot_id=None,
        email=email,
        citizen_subject=data.citizen_subject,
        language=data.language if data.language in ("de", "en") else "de",
        state=ORDER_CONFIRMED,
        total_cents=total,
        payment_provider=provider.name,
        payment_state=payments.PENDING,
        visit_ends_at=chosen[-1].ends_at,
        created_at=now,
    )
    started = provider.start(order)
    if started.state != payments.PENDING:
        payments.transition(order, started.state, now)
    db.add(order)
    db.flush()
    made = [
        Ticket(
            code=tickets.new_code(),
            order_id=order.id,
            slot_id=None,
            zone_id=facilities.zone_ids_of(product.zone_ids)[0],
            product_id=product.id,
            places=1,
            price_cents=price,
            vat_basis_points=product.vat_basis_points,
            state=TICKET_VALID,
            valid_from=chosen[0].starts_at,
            valid_until=chosen[-1].ends_at,
            entries_total=len(chosen),
            course_date_id=data.date_id,
        )
        for _ in range(count)
    ]
    db.add_all(made)
    db.flush()
    windows = [(d.starts_at, d.ends_at) for d in chosen]
    for ticket in made:
        ticket.token = tickets.sign(db, municipality, ticket, None, product, secret, windows)
    audit.record(
        db,
        actor="citizen" if data.citizen_subject else "anonymous",
        action="leisure.order.create",
        resource_type="leisure_order",
        resource_id=order.id,
        changes={
            "course": product.id,
            "dates": len(chosen),
            "places": count,
            "total_cents": total,
        },
    )
    return order


def ticket_dates(db: Session, ticket: Ticket) -> list[CourseDate]:
    """The dates a course ticket is valid at: its one date, or all of its course's."""
    if ticket.course_date_id is not None:
        found = db.get(CourseDate, ticket.course_date_id)
        return [found] if found is not None else []
    return dates_of(db, ticket.product_id)


def enter(
    db: Session,
    municipality: Municipality,
    ticket: Ticket,
    product: Product,
    at: datetime,
    answer: Callable[[str, str], ScanResult],
    *,
    early: timedelta,
) -> ScanResult:
    """An entry with a course ticket: admitted once at each of its dates, from `early` before
    the date begins to its end. The entry is a compare-and-set on `checked_in_at` (not yet
    entered at this date), so two gates scanning at once admit once."""
    dates = ticket_dates(db, ticket)
    current = next((d for d in dates if d.starts_at - early <= at <= d.ends_at), None)
    if current is None:
        coming = next((d for d in dates if d.starts_at > at), None)
        following = (
            gettext_("Next date: %(when)s.")
            % {"when": _local(coming.starts_at, municipality.timezone)}
            if coming is not None
            else gettext_("All dates are over.")
        )
        return answer(
            "not_valid_now",
            gettext_("Not valid now: %(product)s has no date now.") % {"product": product.name}
            + " "
            + following,
        )
    opens = current.starts_at - early
    entered = db.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket.id,
            or_(Ticket.checked_in_at.is_(None), Ticket.checked_in_at < opens),
        )
        .values(checked_in_at=at, checked_out_at=None, entries_used=Ticket.entries_used + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(entered, "rowcount", 0) != 1:
        db.refresh(ticket)
        when = (
            _local(ticket.checked_in_at, municipality.timezone)[-5:] if ticket.checked_in_at else ""
        )
        return answer(
            "already_used",
            gettext_("Already used: entry to this date was already recorded at %(when)s.")
            % {"when": when},
        )
    db.refresh(ticket)
    number = dates.index(current) + 1
    which = (
        gettext_("date %(number)s of %(total)s") % {"number": number, "total": len(dates)}
        if len(dates) > 1
        else gettext_("single date")
    )
    return answer(
        "ok",
        gettext_("Valid: %(product)s, %(which)s. Welcome!")
        % {"product": product.name, "which": which},
    )


def dates_in_words(db: Session, ticket: Ticket, timezone: str) -> list[str]:
    """The dates of a course ticket as printed: "12.01.2027 17:00 – 17:45"."""
    zone = ZoneInfo(timezone)
    return [
        f"{_local(d.starts_at, timezone)} – {d.ends_at.astimezone(zone).strftime('%H:%M')}"
        for d in ticket_dates(db, ticket)
    ]
