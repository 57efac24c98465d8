"""Setting up facilities: zones, products, slot rules with their exceptions, the slots made
from them, and changes to one slot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import InvalidInput
from smartcity.core.lookup import found_or_404
from smartcity.core.web.i18n import gettext_
from smartcity.leisure import occupancy_streams, retention
from smartcity.leisure.models import (
    COURSE,
    FACILITY_KINDS,
    GROUP,
    NOT_FOR_SLOTS,
    PASS_KINDS,
    PERIOD,
    PRODUCT_KINDS,
    PUNCH_CARD,
    Facility,
    Product,
    Slot,
    SlotException,
    SlotRule,
    Zone,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
# Paths of the portal below /{m}/freizeit/ that a facility's address must not shadow.
RESERVED_SLUGS = frozenset({"bestellung", "warenkorb", "warteliste"})
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_CAPACITY = 100_000
MAX_PRICE_CENTS = 1_000_000
MAX_PLACES = 20
# Slots are made at most this far ahead in one go.
MAX_DAYS = 120


def _plausible(day: date | None) -> date | None:
    """A day the platform plans for (years 2000 to 2200); None for any other."""
    return day if day is not None and 2000 <= day.year <= 2200 else None


def _required(errors: dict[str, str], name: str, value: str, message: str) -> None:
    if not value.strip():
        errors[name] = message


def _number(
    errors: dict[str, str], name: str, value: int | None, low: int, high: int, message: str
) -> int:
    if value is None or not low <= value <= high:
        errors[name] = message
        return low
    return value


@dataclass(frozen=True)
class FacilityInput:
    slug: str
    name: str
    kind: str = "other"
    description: str = ""
    address: str = ""
    opening_hours: str = ""
    cancel_hours: int | None = 24
    retention_days: int | None = 30
    hold_minutes: int | None = 10


MAX_HOLD_MINUTES = 60
MAX_OFFER_MINUTES = 24 * 60


def create_facility(db: Session, data: FacilityInput, actor: str) -> Facility:
    errors: dict[str, str] = {}
    if not SLUG.match(data.slug) or data.slug in RESERVED_SLUGS:
        errors["slug"] = (
            "Bitte eine Adresse aus Kleinbuchstaben, Ziffern und Bindestrichen angeben."
        )
    elif db.scalar(select(Facility.id).where(Facility.slug == data.slug)) is not None:
        errors["slug"] = "Diese Adresse hat schon eine andere Einrichtung."
    _required(errors, "name", data.name, "Bitte den Namen der Einrichtung angeben.")
    if data.kind not in FACILITY_KINDS:
        errors["kind"] = "Bitte eine Art der Einrichtung wählen."
    cancel = _number(
        errors,
        "cancel_hours",
        data.cancel_hours,
        0,
        24 * 14,
        "Die Stornofrist ist eine Zahl von Stunden zwischen 0 und 336.",
    )
    keep = _number(
        errors,
        "retention_days",
        data.retention_days,
        retention.MIN_DAYS,
        retention.MAX_DAYS,
        gettext_(
            "Keep the buyers' data for %(min)s to %(max)s days after the visit (a whole number)."
        )
        % {"min": retention.MIN_DAYS, "max": retention.MAX_DAYS},
    )
    hold = _number(
        errors,
        "hold_minutes",
        data.hold_minutes,
        1,
        MAX_HOLD_MINUTES,
        f"Die Reservierung im Warenkorb dauert 1 bis {MAX_HOLD_MINUTES} Minuten.",
    )
    if errors:
        raise InvalidInput("Bitte die Angaben zur Einrichtung prüfen.", errors=errors)
    facility = Facility(
        slug=data.slug,
        name=data.name.strip(),
        kind=data.kind,
        description=data.description.strip(),
        address=data.address.strip(),
        opening_hours=data.opening_hours.strip(),
        cancel_hours=cancel,
        retention_days=keep,
        hold_minutes=hold,
    )
    db.add(facility)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="leisure.facility.create",
        resource_type="leisure_facility",
        resource_id=facility.id,
        changes={"name": facility.name, "slug": facility.slug},
    )
    return facility


def update_settings(
    db: Session,
    facility: Facility,
    *,
    hold_minutes: int | None,
    cancel_hours: int | None,
    actor: str,
    offer_minutes: int | None = None,
) -> Facility:
    """Change how long a cart holds its places, how long a place offered to the waiting
    list is held (unchanged when None) and until when citizens may cancel."""
    errors: dict[str, str] = {}
    offer = _number(
        errors,
        "offer_minutes",
        facility.offer_minutes if offer_minutes is None else offer_minutes,
        5,
        MAX_OFFER_MINUTES,
        f"Ein Angebot an die Warteliste gilt 5 bis {MAX_OFFER_MINUTES} Minuten.",
    )
    hold = _number(
        errors,
        "hold_minutes",
        hold_minutes,
        1,
        MAX_HOLD_MINUTES,
        f"Die Reservierung im Warenkorb dauert 1 bis {MAX_HOLD_MINUTES} Minuten.",
    )
    cancel = _number(
        errors,
        "cancel_hours",
        cancel_hours,
        0,
        24 * 14,
        "Die Stornofrist ist eine Zahl von Stunden zwischen 0 und 336.",
    )
    if errors:
        raise InvalidInput("Bitte die Einstellungen prüfen.", errors=errors)
    old = {
        "hold_minutes": facility.hold_minutes,
        "offer_minutes": facility.offer_minutes,
        "cancel_hours": facility.cancel_hours,
    }
    facility.hold_minutes, facility.cancel_hours = hold, cancel
    facility.offer_minutes = offer
    audit.record(
        db,
        actor=actor,
        action="leisure.facility.update",
        resource_type="leisure_facility",
        resource_id=facility.id,
        changes={
            "old": old,
            "new": {"hold_minutes": hold, "offer_minutes": offer, "cancel_hours": cancel},
        },
    )
    return facility


def facilities(db: Session) -> list[Facility]:
    return list(db.scalars(select(Facility).order_by(Facility.name)))


def facility(db: Session, facility_id: int) -> Facility:
    return found_or_404(db.get(Facility, facility_id), "Diese Einrichtung gibt es nicht.")


def facility_by_slug(db: Session, slug: str) -> Facility:
    return found_or_404(
        db.scalar(select(Facility).where(Facility.slug == slug)),
        "Diese Einrichtung gibt es nicht.",
    )


def zones(db: Session, facility_id: int) -> list[Zone]:
    return list(db.scalars(select(Zone).where(Zone.facility_id == facility_id).order_by(Zone.id)))


def products(db: Session, facility_id: int, *, active_only: bool = False) -> list[Product]:
    query = select(Product).where(Product.facility_id == facility_id)
    if active_only:
        query = query.where(Product.active.is_(True))
    return list(db.scalars(query.order_by(Product.id)))


def slot_products(db: Session, facility_id: int) -> list[Product]:
    """The active products booked for a slot (not multi-use tickets, not courses)."""
    return [p for p in products(db, facility_id, active_only=True) if p.kind not in NOT_FOR_SLOTS]


def pass_products(db: Session, facility_id: int) -> list[Product]:
    """The active multi-use tickets: punch cards and period tickets."""
    return [p for p in products(db, facility_id, active_only=True) if p.kind in PASS_KINDS]


def rules(db: Session, facility_id: int) -> list[SlotRule]:
    return list(
        db.scalars(
            select(SlotRule).where(SlotRule.facility_id == facility_id).order_by(SlotRule.id)
        )
    )


def exceptions(db: Session, facility_id: int) -> list[SlotException]:
    return list(
        db.scalars(
            select(SlotException)
            .where(SlotException.facility_id == facility_id)
            .order_by(SlotException.day)
        )
    )


def add_zone(db: Session, facility: Facility, name: str, capacity: int | None, actor: str) -> Zone:
    errors: dict[str, str] = {}
    _required(errors, "zone_name", name, "Bitte den Namen des Bereichs angeben.")
    places = _number(
        errors,
        "zone_capacity",
        capacity,
        1,
        MAX_CAPACITY,
        f"Die Kapazität ist eine Zahl von 1 bis {MAX_CAPACITY}.",
    )
    if errors:
        raise InvalidInput("Bitte die Angaben zum Bereich prüfen.", errors=errors)
    zone = Zone(facility_id=facility.id, name=name.strip(), capacity=places)
    db.add(zone)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="leisure.zone.create",
        resource_type="leisure_facility",
        resource_id=facility.id,
        changes={"zone": zone.name, "capacity": places},
    )
    # Its Datastream "Belegung <zone>" (and the facility's Thing with the first zone).
    occupancy_streams.provision(db, facility)
    return zone


@dataclass(frozen=True)
class ProductInput:
    name: str
    kind: str
    price_cents: int | None
    places: int | None = 1
    vat_basis_points: int | None = 700
    proof_required: bool = False
    # Multi-use tickets: a punch card's entries, a period ticket's (or card's) days.
    entries: int | None = None
    valid_days: int | None = None
    one_per_day: bool = False
    # A group: how many persons at least and at most (the price is per person).
    min_places: int | None = None
    max_places: int | None = None
    # Ages the ticket is for (a child ticket); either may be left open.
    age_min: int | None = None
    age_max: int | None = None
    # A multi-use ticket's zones (empty: the facility's first zone).
    zone_ids: tuple[int, ...] = ()


MAX_ENTRIES = 100
MAX_VALID_DAYS = 400
# A group takes at most this many places (the places of one booking, see booking.places_of).
MAX_GROUP = 100
MAX_AGE = 120


def zone_ids_of(text: str) -> list[int]:
    """The zone ids stored as "3,4" on a product or ticket."""
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


def age_band(low: int | None, high: int | None) -> str:
    """A ticket's ages in words, in the reader's language: "6 to 17 years", "under 6 years",
    "65 years and over" ("6 bis 17 Jahre", "unter 6 Jahren", "ab 65 Jahren")."""
    if low and high is not None:
        return gettext_("%(low)s to %(high)s years") % {"low": low, "high": high}
    if high is not None:
        return gettext_("under %(n)s years") % {"n": high + 1}
    if low:
        return gettext_("%(n)s years and over") % {"n": low}
    return ""


def _group_and_ages(errors: dict[str, str], data: ProductInput) -> tuple[int | None, int | None]:
    """Check a group's size and a ticket's ages; the group's (min, max) or (None, None)."""
    low, high = None, None
    if data.kind == GROUP:
        low = _number(
            errors,
            "min_places",
            data.min_places,
            1,
            MAX_GROUP,
            gettext_("A group's smallest size is a number from 1 to %(n)s persons.")
            % {"n": MAX_GROUP},
        )
        high = _number(
            errors,
            "max_places",
            data.max_places,
            1,
            MAX_GROUP,
            gettext_("A group's largest size is a number from 1 to %(n)s persons.")
            % {"n": MAX_GROUP},
        )
        if not errors.keys() & {"min_places", "max_places"} and high < low:
            errors["max_places"] = gettext_("The largest group is smaller than the smallest.")
    elif data.min_places is not None or data.max_places is not None:
        errors["min_places"] = gettext_("Only group tickets have a smallest and largest size.")
    for name, value in (("age_min", data.age_min), ("age_max", data.age_max)):
        if value is not None:
            message = gettext_("An age is a number from 0 to %(n)s.") % {"n": MAX_AGE}
            _number(errors, name, value, 0, MAX_AGE, message)
    if (
        data.age_min is not None
        and data.age_max is not None
        and not errors.keys() & {"age_min", "age_max"}
        and data.age_max < data.age_min
    ):
        errors["age_max"] = gettext_("The highest age is below the lowest.")
    if (data.age_min is not None or data.age_max is not None) and data.kind in NOT_FOR_SLOTS:
        errors["age_min"] = gettext_("Only tickets for a slot have age limits.")
    return low, high


def checked_zones(
    db: Session, facility: Facility, wanted: tuple[int, ...], errors: dict[str, str], field: str
) -> str:
    """The chosen zones of the facility as stored ("3,4"); the first zone when none chosen."""
    own = [z.id for z in zones(db, facility.id)]
    if not wanted:
        return str(own[0]) if own else ""
    if any(zone_id not in own for zone_id in wanted):
        errors[field] = "Bitte nur Bereiche dieser Einrichtung wählen."
        return ""
    return ",".join(str(zone_id) for zone_id in sorted(set(wanted)))


def add_product(db: Session, facility: Facility, data: ProductInput, actor: str) -> Product:
    errors: dict[str, str] = {}
    _required(errors, "product_name", data.name, "Bitte den Namen des Tickets angeben.")
    if data.kind not in PRODUCT_KINDS:
        errors["product_kind"] = "Bitte eine Art des Tickets wählen."
    price = _number(
        errors,
        "price",
        data.price_cents,
        0,
        MAX_PRICE_CENTS,
        "Der Preis ist ein Betrag in Euro von 0 bis 10.000.",
    )
    places = _number(
        errors,
        "places",
        data.places,
        1,
        MAX_PLACES,
        f"Ein Ticket gilt für 1 bis {MAX_PLACES} Personen.",
    )
    vat = _number(
        errors,
        "vat",
        data.vat_basis_points,
        0,
        10_000,
        "Der Steuersatz ist ein Prozentsatz von 0 bis 100.",
    )
    entries, valid_days = data.entries, data.valid_days
    if data.kind == PUNCH_CARD:
        entries = _number(
            errors,
            "entries",
            entries,
            2,
            MAX_ENTRIES,
            f"Eine Mehrfachkarte hat 2 bis {MAX_ENTRIES} Eintritte.",
        )
    elif entries is not None:
        errors["entries"] = "Eintritte gibt es nur bei einer Mehrfachkarte."
    if data.kind == PERIOD or (data.kind == PUNCH_CARD and valid_days is not None):
        valid_days = _number(
            errors,
            "valid_days",
            valid_days,
            1,
            MAX_VALID_DAYS,
            f"Die Gültigkeit ist eine Zahl von Tagen zwischen 1 und {MAX_VALID_DAYS}.",
        )
    elif valid_days is not None:
        errors["valid_days"] = "Eine Gültigkeit in Tagen gibt es nur bei Mehrfach- und Zeitkarten."
    if data.one_per_day and data.kind not in PASS_KINDS:
        errors["product_kind"] = "„Ein Eintritt je Tag“ gibt es nur bei Mehrfach- und Zeitkarten."
    if data.kind == COURSE:
        errors["product_kind"] = gettext_("A course is added with its dates under “Courses”.")
    min_places, max_places = _group_and_ages(errors, data)
    if data.kind == GROUP and "places" not in errors and places != 1:
        errors["places"] = gettext_("A group ticket counts the group's persons; please enter 1.")
    zone_ids = ""
    if data.kind in PASS_KINDS:
        zone_ids = checked_zones(db, facility, data.zone_ids, errors, "product_zones")
    elif data.zone_ids:
        errors["product_zones"] = "Bereiche wählen Sie nur für Mehrfach- und Zeitkarten."
    if errors:
        raise InvalidInput("Bitte die Angaben zum Ticket prüfen.", errors=errors)
    product = Product(
        facility_id=facility.id,
        name=data.name.strip(),
        kind=data.kind,
        places=places,
        price_cents=price,
        vat_basis_points=vat,
        proof_required=data.proof_required,
        entries=entries,
        valid_days=valid_days,
        one_per_day=data.one_per_day,
        min_places=min_places,
        max_places=max_places,
        age_min=data.age_min,
        age_max=data.age_max,
        zone_ids=zone_ids,
    )
    db.add(product)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="leisure.product.create",
        resource_type="leisure_facility",
        resource_id=facility.id,
        changes={"product": product.name, "price_cents": price, "places": places},
    )
    return product


@dataclass(frozen=True)
class RuleInput:
    zone_id: int | None
    weekdays: str
    first_start: str
    last_start: str
    every_minutes: int | None
    duration_minutes: int | None
    capacity: int | None
    valid_from: date | None
    valid_until: date | None = None


def add_rule(db: Session, facility: Facility, data: RuleInput, actor: str) -> SlotRule:
    errors: dict[str, str] = {}
    zone = next((z for z in zones(db, facility.id) if z.id == data.zone_id), None)
    if zone is None:
        errors["rule_zone"] = "Bitte einen Bereich der Einrichtung wählen."
    days = "".join(sorted(set(data.weekdays)))
    if not days or any(d not in "1234567" for d in days):
        errors["weekdays"] = "Bitte mindestens einen Wochentag wählen."
    for name, value in (("first_start", data.first_start), ("last_start", data.last_start)):
        if not CLOCK.match(value):
            errors[name] = "Bitte eine Uhrzeit wie 07:00 angeben."
    if not errors and data.last_start < data.first_start:
        errors["last_start"] = "Der letzte Beginn liegt vor dem ersten."
    every = _number(
        errors,
        "every_minutes",
        data.every_minutes,
        15,
        24 * 60,
        "Der Abstand ist eine Zahl von Minuten zwischen 15 und 1440.",
    )
    duration = _number(
        errors,
        "duration_minutes",
        data.duration_minutes,
        15,
        24 * 60,
        "Die Dauer ist eine Zahl von Minuten zwischen 15 und 1440.",
    )
    capacity = _number(
        errors,
        "rule_capacity",
        data.capacity,
        1,
        MAX_CAPACITY,
        "Die Kapazität je Zeitfenster ist eine Zahl ab 1.",
    )
    if zone is not None and "rule_capacity" not in errors and capacity > zone.capacity:
        errors["rule_capacity"] = (
            f"Ein Zeitfenster kann nicht mehr Plätze haben als der Bereich ({zone.capacity})."
        )
    valid_from = _plausible(data.valid_from)
    if valid_from is None:
        errors["valid_from"] = "Bitte angeben, ab wann die Regel gilt."
    elif data.valid_until is not None and data.valid_until < valid_from:
        errors["valid_until"] = "Das Ende liegt vor dem Beginn."
    if errors or zone is None or valid_from is None:
        raise InvalidInput("Bitte die Angaben zur Regel prüfen.", errors=errors)
    rule = SlotRule(
        facility_id=facility.id,
        zone_id=zone.id,
        weekdays=days,
        first_start=data.first_start,
        last_start=data.last_start,
        every_minutes=every,
        duration_minutes=duration,
        capacity=capacity,
        valid_from=valid_from,
        valid_until=data.valid_until,
    )
    db.add(rule)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="leisure.rule.create",
        resource_type="leisure_facility",
        resource_id=facility.id,
        changes={"zone": zone.name, "weekdays": days, "capacity": capacity},
    )
    return rule


def add_exception(
    db: Session,
    facility: Facility,
    day: date | None,
    *,
    closed: bool,
    capacity: int | None,
    note: str,
    timezone: str,
    actor: str,
) -> SlotException:
    """A closed day or a day of reduced capacity; slots already made for that day follow it
    (never below the places already sold)."""
    errors: dict[str, str] = {}
    day = _plausible(day)
    if day is None:
        errors["day"] = "Bitte den Tag angeben."
    elif db.scalar(
        select(SlotException.id).where(
            SlotException.facility_id == facility.id, SlotException.day == day
        )
    ):
        errors["day"] = "Für diesen Tag gibt es schon eine Ausnahme."
    if not closed:
        capacity = _number(
            errors,
            "exception_capacity",
            capacity,
            0,
            MAX_CAPACITY,
            "Bitte die verringerte Kapazität angeben oder den Tag schließen.",
        )
    if errors or day is None:
        raise InvalidInput("Bitte die Angaben zur Ausnahme prüfen.", errors=errors)
    exception = SlotException(
        facility_id=facility.id,
        day=day,
        closed=closed,
        capacity=None if closed else capacity,
        note=note.strip(),
    )
    db.add(exception)
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    for slot in db.scalars(
        select(Slot).where(
            Slot.facility_id == facility.id,
            Slot.starts_at >= start,
            Slot.starts_at < start + timedelta(days=1),
        )
    ):
        _apply(slot, exception)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="leisure.exception.create",
        resource_type="leisure_facility",
        resource_id=facility.id,
        changes={"day": day.isoformat(), "closed": closed, "capacity": capacity},
    )
    return exception


def _apply(slot: Slot, exception: SlotException) -> None:
    if exception.closed:
        slot.closed = True
    elif exception.capacity is not None:
        slot.capacity = max(min(slot.capacity, exception.capacity), slot.sold + (slot.held or 0))
    slot.note = exception.note


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def generate_slots(
    db: Session, facility: Facility, first_day: date, days: int, timezone: str
) -> int:
    """Make the slots of `days` days from the facility's rules and exceptions; slots that
    exist already are kept as they are (edited ones too). Returns how many were made."""
    if _plausible(first_day) is None:
        raise InvalidInput("Bitte einen Tag zwischen 2000 und 2200 angeben.", errors={"from": "?"})
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            f"Bitte zwischen 1 und {MAX_DAYS} Tagen angeben.", errors={"days": "range"}
        )
    zone = ZoneInfo(timezone)
    found_rules = rules(db, facility.id)
    by_day = {e.day: e for e in exceptions(db, facility.id)}
    start = datetime.combine(first_day, time(0), zone).astimezone(UTC)
    existing = {
        (zone_id, starts_at)
        for zone_id, starts_at in db.execute(
            select(Slot.zone_id, Slot.starts_at).where(
                Slot.facility_id == facility.id,
                Slot.starts_at >= start,
                Slot.starts_at < start + timedelta(days=days + 1),
            )
        )
    }
    made = 0
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        exception = by_day.get(day)
        for rule in found_rules:
            if str(day.isoweekday()) not in rule.weekdays or day < rule.valid_from:
                continue
            if rule.valid_until is not None and day > rule.valid_until:
                continue
            moment = datetime.combine(day, _clock(rule.first_start), zone)
            last = datetime.combine(day, _clock(rule.last_start), zone)
            while moment <= last:
                starts = moment.astimezone(UTC)
                if (rule.zone_id, starts) not in existing:
                    slot = Slot(
                        facility_id=facility.id,
                        zone_id=rule.zone_id,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=rule.duration_minutes),
                        capacity=rule.capacity,
                    )
                    if exception is not None:
                        _apply(slot, exception)
                    db.add(slot)
                    existing.add((rule.zone_id, starts))
                    made += 1
                moment += timedelta(minutes=rule.every_minutes)
    db.flush()
    return made


def slots_on(
    db: Session, facility: Facility, day: date, timezone: str, *, zone_id: int | None = None
) -> list[Slot]:
    start = datetime.combine(day, time(0), ZoneInfo(timezone)).astimezone(UTC)
    query = select(Slot).where(
        Slot.facility_id == facility.id,
        Slot.starts_at >= start,
        Slot.starts_at < start + timedelta(days=1),
    )
    if zone_id is not None:
        query = query.where(Slot.zone_id == zone_id)
    return list(db.scalars(query.order_by(Slot.starts_at, Slot.zone_id)))


def slot(db: Session, slot_id: int) -> Slot:
    return found_or_404(db.get(Slot, slot_id), "Dieses Zeitfenster gibt es nicht.")


def update_slot(
    db: Session,
    slot_id: int,
    *,
    capacity: int | None,
    closed: bool,
    note: str,
    actor: str,
    reserved: int | None = None,
) -> Slot:
    """Change one slot: its capacity (never below the places sold and held in carts), how
    many of its places are only for vouchers (`reserved`; unchanged when None), closed or
    open."""
    found = slot(db, slot_id)
    zone = db.get(Zone, found.zone_id)
    limit = zone.capacity if zone is not None else MAX_CAPACITY
    if capacity is None or not 0 <= capacity <= limit:
        raise InvalidInput(
            f"Die Kapazität ist eine Zahl von 0 bis {limit}.", errors={"capacity": "range"}
        )
    kept = found.reserved if reserved is None else reserved
    if kept is None or not 0 <= kept <= capacity:
        raise InvalidInput(
            "Die Plätze nur mit Gutschein sind eine Zahl von 0 bis zur Kapazität.",
            errors={"capacity": "reserved"},
        )
    if capacity < found.sold + found.held:
        raise InvalidInput(
            f"Es sind schon {found.sold + found.held} Plätze verkauft oder reserviert; "
            "weniger geht nicht.",
            errors={"capacity": "below sold"},
        )
    old = {"capacity": found.capacity, "reserved": found.reserved, "closed": found.closed}
    # Conditional, like a booking: a sale between the read and this write is not undercut.
    changed = db.execute(
        update(Slot)
        .where(Slot.id == found.id, Slot.sold + Slot.held <= capacity)
        .values(capacity=capacity, reserved=kept, closed=closed, note=note.strip()[:200])
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0) != 1:
        raise InvalidInput(
            "Inzwischen sind mehr Plätze verkauft; bitte neu laden.", errors={"capacity": "sold"}
        )
    db.refresh(found)
    audit.record(
        db,
        actor=actor,
        action="leisure.slot.update",
        resource_type="leisure_slot",
        resource_id=found.id,
        changes={
            "old": old,
            "new": {"capacity": capacity, "reserved": kept, "closed": closed},
        },
    )
    return found
