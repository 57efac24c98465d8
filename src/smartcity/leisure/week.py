"""The back office's calendar: a facility's slots of one week (Monday to Sunday, the
municipality's local time) with what is sold, held in carts and still free in each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.leisure.models import Facility, Slot, Zone

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
        if self.slot.closed:
            return 0
        return max(self.slot.capacity - self.slot.sold - self.slot.held, 0)


@dataclass(frozen=True)
class Day:
    day: date
    slots: list[SlotDay]


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
    """The facility's slots of the week that holds `day`, per local day, by start and zone."""
    zone = ZoneInfo(timezone)
    monday = monday_of(day)
    starts = datetime.combine(monday, time(0), zone).astimezone(UTC)
    ends = datetime.combine(monday + timedelta(days=7), time(0), zone).astimezone(UTC)
    names: dict[int, str] = {}
    for zone_id, name in db.execute(
        select(Zone.id, Zone.name).where(Zone.facility_id == facility.id)
    ):
        names[zone_id] = name
    slots = db.scalars(
        select(Slot)
        .where(Slot.facility_id == facility.id, Slot.starts_at >= starts, Slot.starts_at < ends)
        .order_by(Slot.starts_at, Slot.zone_id)
    )
    by_day: dict[date, list[SlotDay]] = {monday + timedelta(days=n): [] for n in range(7)}
    for found in slots:
        local = found.starts_at.astimezone(zone).date()
        by_day[local].append(SlotDay(found, names.get(found.zone_id, "")))
    return Week(facility, monday, [Day(d, s) for d, s in by_day.items()])
