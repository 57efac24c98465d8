"""The back office's calendar: a facility's slots of one week (Monday to Sunday, the
municipality's local time) with what is sold, held in carts and still free in each, and the
week's course dates with their booked places (a course's places are its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.leisure import booking, facilities
from smartcity.leisure.models import CourseDate, Facility, Product, Slot

# How far from today a week may be asked for (as far as a slot's day on the setup page).
MAX_YEARS = 5


@dataclass(frozen=True)
class SlotDay:
    """One slot as the calendar shows it."""

    slot: Slot
    zone: str

    @property
    def free(self) -> int:
        """Places nobody has bought or holds in a cart (none when the slot is closed)."""
        return booking.voucher_places(self.slot)


@dataclass(frozen=True)
class CourseDay:
    """One date of a course as the calendar shows it: booked of its own places."""

    date: CourseDate
    course: str
    zone: str


@dataclass(frozen=True)
class Day:
    day: date
    slots: list[SlotDay]
    courses: list[CourseDay]


@dataclass(frozen=True)
class Week:
    facility: Facility
    monday: date
    days: list[Day]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def within_reach(day: date, today: date) -> bool:
    """Whether a week around `day` may be shown (not decades away: a typo in the year)."""
    return abs((day - today).days) <= MAX_YEARS * 366


def week(db: Session, facility: Facility, day: date, timezone: str) -> Week:
    """The facility's slots and course dates of the week that holds `day`, per local day, by
    start (slots also by zone)."""
    zone = ZoneInfo(timezone)
    monday = monday_of(day)
    starts = datetime.combine(monday, time(0), zone).astimezone(UTC)
    ends = datetime.combine(monday + timedelta(days=7), time(0), zone).astimezone(UTC)
    names = {z.id: z.name for z in facilities.zones(db, facility.id)}
    slots = db.scalars(
        select(Slot)
        .where(Slot.facility_id == facility.id, Slot.starts_at >= starts, Slot.starts_at < ends)
        .order_by(Slot.starts_at, Slot.zone_id)
    )
    by_day: dict[date, list[SlotDay]] = {monday + timedelta(days=n): [] for n in range(7)}
    for found in slots:
        local = found.starts_at.astimezone(zone).date()
        by_day[local].append(SlotDay(found, names.get(found.zone_id, "")))
    dated: dict[date, list[CourseDay]] = {d: [] for d in by_day}
    for course_date, product in db.execute(
        select(CourseDate, Product)
        .join(Product, Product.id == CourseDate.product_id)
        .where(
            Product.facility_id == facility.id,
            CourseDate.starts_at >= starts,
            CourseDate.starts_at < ends,
        )
        .order_by(CourseDate.starts_at, CourseDate.id)
    ):
        zone_ids = facilities.zone_ids_of(product.zone_ids)
        shown = names.get(zone_ids[0], "") if zone_ids else ""
        local = course_date.starts_at.astimezone(zone).date()
        dated[local].append(CourseDay(course_date, product.name, shown))
    return Week(facility, monday, [Day(d, s, dated[d]) for d, s in by_day.items()])
