"""The cart: a buyer's chosen tickets hold their places for the facility's `hold_minutes`
(default 10) while the buyer gives an e-mail address and confirms. Held places count against
the slot's capacity (`sold + held <= capacity`, one conditional UPDATE like a booking); a
cart that is not booked in time gives them back — by the periodic job `leisure.holds`, or
lazily by the next booking or listing of the slot, whichever comes first."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import transaction, utcnow
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.jobs import PeriodicJob
from smartcity.core.lookup import found_or_404
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.core.web.i18n import gettext_
from smartcity.leisure import booking, occupancy_streams, vouchers, waitlist
from smartcity.leisure.models import (
    HOLD_ACTIVE,
    HOLD_BOOKED,
    HOLD_RELEASED,
    WAIT_BOOKED,
    WAIT_OFFERED,
    WAIT_WAITING,
    Facility,
    Hold,
    Order,
    Product,
    Slot,
    Voucher,
    WaitingEntry,
)


class HoldExpired(Conflict):
    """The cart's time ran out before it was booked; its places are free again."""


@dataclass(frozen=True)
class HoldInput:
    slot_id: int
    # product id -> number of tickets
    quantities: dict[int, int]
    # A voucher or gift card's code, as typed (optional).
    voucher_code: str = ""
    # The buyer confirmed the ages of tickets with an age limit.
    ages_confirmed: bool = False


def _items(chosen: list[tuple[Product, int]]) -> str:
    return ",".join(f"{product.id}:{count}" for product, count in chosen)


def hold(
    db: Session, data: HoldInput, now: datetime | None = None, timezone: str = "Europe/Berlin"
) -> Hold:
    """Put tickets of a slot in a new cart, holding their places (and redeeming a voucher);
    SoldOut (409) when fewer places are free, InvalidInput (422) for wrong quantities or a
    voucher that cannot be used. Changes nothing when refused."""
    now = now or utcnow()
    slot = booking.bookable_slot(db, data.slot_id, now)
    chosen, errors = booking.chosen_products(db, slot, data.quantities)
    errors |= booking.age_errors(chosen, data.ages_confirmed)
    voucher: Voucher | None = None
    cents = 0
    if data.voucher_code.strip():
        try:
            today = now.astimezone(ZoneInfo(timezone)).date()
            voucher = vouchers.usable(db, slot.facility_id, data.voucher_code, today)
            if not errors:
                cents = vouchers.worth(voucher, chosen)
        except InvalidInput as exc:
            errors |= exc.errors
    if errors:
        raise InvalidInput(gettext_("Please check the booking's details."), errors=errors)
    places = booking.places_of(chosen)
    facility = db.get(Facility, slot.facility_id)
    minutes = facility.hold_minutes if facility is not None else 10
    booking.release_expired(db, now, slot_id=slot.id)
    # Both or neither: a voucher is not used up by a cart that got no places.
    with db.begin_nested():
        if voucher is not None:
            vouchers.redeem(db, voucher, cents)
        booking.take_places(
            db,
            slot,
            places,
            held=True,
            unlocked=voucher is not None and voucher.unlocks_reserved,
        )
    cart = Hold(
        code=secrets.token_urlsafe(32),
        facility_id=slot.facility_id,
        slot_id=slot.id,
        places=places,
        items=_items(chosen),
        state=HOLD_ACTIVE,
        expires_at=now + timedelta(minutes=minutes),
        created_at=now,
        voucher_id=voucher.id if voucher is not None else None,
        voucher_cents=cents,
    )
    db.add(cart)
    db.flush()
    return cart


def hold_by_code(db: Session, code: str) -> Hold:
    return found_or_404(
        db.scalar(select(Hold).where(Hold.code == code)) if 20 <= len(code) <= 43 else None,
        gettext_("This cart does not exist."),
    )


def items_of(db: Session, cart: Hold) -> list[tuple[Product, int]]:
    counts: dict[int, int] = {}
    for pair in cart.items.split(","):
        product_id, _sep, count = pair.partition(":")
        counts[int(product_id)] = int(count)
    found = db.scalars(select(Product).where(Product.id.in_(counts)).order_by(Product.id))
    return [(product, counts[product.id]) for product in found]


def total_cents(items: list[tuple[Product, int]], cart: Hold | None = None) -> int:
    """What the tickets cost, less the cart's voucher."""
    total = sum(product.price_cents * count for product, count in items)
    return total - (cart.voucher_cents if cart is not None else 0)


def _expired(db: Session, cart: Hold, now: datetime) -> HoldExpired:
    booking.release_expired(db, now, slot_id=cart.slot_id)
    return HoldExpired(
        gettext_(
            "Your reservation has expired; the places are free again. "
            "Please choose the tickets once more."
        )
    )


def confirm(
    db: Session,
    municipality: Municipality,
    cart: Hold,
    *,
    email: str,
    citizen_subject: str | None,
    language: str,
    secret: str,
    now: datetime | None = None,
    actor: str | None = None,
) -> Order:
    """Book the cart: its held places become sold and the order gets its tickets. A cart
    booked already answers with its order (a form sent twice books once); an expired or
    released one is refused (HoldExpired) and changes nothing else. `actor`: a partner's API
    key booking for the buyer, who then may give no e-mail address (the partner hands the
    tickets over)."""
    now = now or utcnow()
    if cart.state == HOLD_BOOKED and cart.order_id is not None:
        return booking.order_by_id(db, cart.order_id)
    address: str | None = None
    errors: dict[str, str] = {}
    if actor is None or email:
        address, errors = booking.checked_email(email, citizen_subject)
    if errors:
        raise InvalidInput(gettext_("Please check the booking's details."), errors=errors)
    if cart.state != HOLD_ACTIVE:
        raise _expired(db, cart, now)
    # Only one of a confirmation and a release can win the cart.
    claimed = db.execute(
        update(Hold)
        .where(Hold.id == cart.id, Hold.state == HOLD_ACTIVE, Hold.expires_at > now)
        .values(state=HOLD_BOOKED)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        db.refresh(cart)
        if cart.state == HOLD_BOOKED and cart.order_id is not None:
            return booking.order_by_id(db, cart.order_id)
        raise _expired(db, cart, now)
    db.execute(
        update(Slot)
        .where(Slot.id == cart.slot_id)
        .values(held=Slot.held - cart.places, sold=Slot.sold + cart.places)
        .execution_options(synchronize_session=False)
    )
    slot = db.get(Slot, cart.slot_id)
    if slot is None:  # deleted with its facility while the cart was open
        raise _expired(db, cart, now)
    db.refresh(slot)
    order = booking.make_order(
        db,
        municipality,
        slot,
        items_of(db, cart),
        email=address,
        citizen_subject=citizen_subject,
        language=language,
        secret=secret,
        now=now,
        voucher_id=cart.voucher_id,
        voucher_cents=cart.voucher_cents,
        actor=actor,
    )
    db.refresh(cart)
    cart.order_id = order.id
    # A waiting list's offer that was booked.
    db.execute(
        update(WaitingEntry)
        .where(WaitingEntry.hold_id == cart.id, WaitingEntry.state == WAIT_OFFERED)
        .values(state=WAIT_BOOKED, email=None)
        .execution_options(synchronize_session=False)
    )
    if cart.voucher_id is not None:
        audit.record(
            db,
            actor=actor or ("citizen" if citizen_subject else "anonymous"),
            action="leisure.voucher.redeem",
            resource_type="leisure_voucher",
            resource_id=cart.voucher_id,
            changes={"order": order.id, "amount_cents": cart.voucher_cents},
        )
    return order


def release(db: Session, cart: Hold, now: datetime | None = None) -> bool:
    """The buyer empties the cart: its places are free at once. False when it was booked,
    released or expired already."""
    now = now or utcnow()
    ended = db.execute(
        update(Hold)
        .where(Hold.id == cart.id, Hold.state == HOLD_ACTIVE)
        .values(state=HOLD_RELEASED)
        .execution_options(synchronize_session=False)
    )
    if getattr(ended, "rowcount", 0) != 1:
        return False
    db.execute(
        update(Slot)
        .where(Slot.id == cart.slot_id)
        .values(held=Slot.held - cart.places)
        .execution_options(synchronize_session=False)
    )
    db.refresh(cart)
    if cart.voucher_id is not None:
        vouchers.give_back(db, cart.voucher_id, cart.voucher_cents)
    waitlist.offer_freed(db, [cart.slot_id], now)
    audit.record(
        db,
        actor="anonymous",
        action="leisure.hold.release",
        resource_type="leisure_slot",
        resource_id=cart.slot_id,
        changes={"places": cart.places},
    )
    return True


def release_everywhere(platform: Platform, now: datetime | None = None) -> int:
    """The periodic job: expired carts of every municipality give their places back, freed
    places are offered to the waiting lists, the offers are e-mailed, and the zones'
    occupancy Datastreams are provisioned and brought up to date (`occupancy_streams.sync`)."""
    now = now or utcnow()
    with platform.sessions() as db:
        municipalities = list(db.scalars(select(Municipality)))
    released = 0
    for municipality in municipalities:
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            released += booking.release_expired(db, now)
            waiting = db.scalars(
                select(WaitingEntry.slot_id)
                .where(WaitingEntry.state.in_((WAIT_WAITING, WAIT_OFFERED)))
                .distinct()
            ).all()
            waitlist.offer_freed(db, list(waiting), now)
            waitlist.send_offers(db, municipality, platform.settings.effective_public_url)
            occupancy_streams.sync(db, municipality, now)
    return released


def _run(platform: Platform) -> None:
    release_everywhere(platform)


HOLDS = PeriodicJob("leisure.holds", 60, _run)
