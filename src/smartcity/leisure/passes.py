"""Multi-use tickets: punch cards (N entries) and period tickets (a month, a season), bought
for a facility rather than a slot. They are valid from the first day the buyer chose to the
end of their period; the gate counts their entries (scans.py) and may allow one a day."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_
from smartcity.leisure import booking, payments, tickets
from smartcity.leisure.facilities import zone_ids_of, zones
from smartcity.leisure.models import (
    ORDER_CONFIRMED,
    PASS_KINDS,
    TICKET_VALID,
    Facility,
    Order,
    Product,
    Ticket,
)

# A punch card without a period of its own is valid for three years (the statutory
# limitation period, § 195 BGB).
PUNCH_CARD_DAYS = 3 * 365
# The first day may be chosen up to this far ahead.
MAX_DAYS_AHEAD = 90


@dataclass(frozen=True)
class PassInput:
    product_id: int
    first_day: date | None
    email: str = ""
    citizen_subject: str | None = None
    language: str = "de"


def pass_product(db: Session, facility: Facility, product_id: int) -> Product:
    product = db.get(Product, product_id)
    if (
        product is None
        or product.facility_id != facility.id
        or product.kind not in PASS_KINDS
        or not product.active
    ):
        raise NotFound(gettext_("This card is not offered here."))
    return product


def period(product: Product, first_day: date, timezone: str) -> tuple[datetime, datetime]:
    """From the first day's local midnight to the midnight after the last day, in UTC."""
    zone = ZoneInfo(timezone)
    days = product.valid_days or PUNCH_CARD_DAYS
    starts = datetime.combine(first_day, time(0), zone)
    ends = datetime.combine(first_day + timedelta(days=days), time(0), zone)
    return starts.astimezone(UTC), ends.astimezone(UTC)


def buy(
    db: Session,
    municipality: Municipality,
    facility: Facility,
    data: PassInput,
    secret: str,
    now: datetime | None = None,
) -> Order:
    """An order of one multi-use ticket; InvalidInput (422) for a first day in the past or
    too far ahead, or a wrong e-mail address."""
    now = now or utcnow()
    product = pass_product(db, facility, data.product_id)
    today = now.astimezone(ZoneInfo(municipality.timezone)).date()
    first_day = data.first_day or today
    errors: dict[str, str] = {}
    if not today <= first_day <= today + timedelta(days=MAX_DAYS_AHEAD):
        errors["first_day"] = gettext_(
            "The first day lies between today and the next %(n)s days."
        ) % {"n": MAX_DAYS_AHEAD}
    email, wrong = booking.checked_email(data.email, data.citizen_subject)
    errors |= wrong
    if errors:
        raise InvalidInput(gettext_("Please check the card's details."), errors=errors)
    # The card's zones (a product made before zones could be chosen: the first zone).
    zone_ids = zone_ids_of(product.zone_ids)
    zone = next((z for z in zones(db, facility.id) if not zone_ids or z.id in zone_ids), None)
    if zone is None:
        raise NotFound(gettext_("This facility has no zone yet."))
    valid_from, valid_until = period(product, first_day, municipality.timezone)
    provider = payments.provider_for(product.price_cents)
    order = Order(
        code=secrets.token_urlsafe(32),
        facility_id=facility.id,
        slot_id=None,
        email=email,
        citizen_subject=data.citizen_subject,
        language=data.language if data.language in ("de", "en") else "de",
        state=ORDER_CONFIRMED,
        total_cents=product.price_cents,
        payment_provider=provider.name,
        payment_state=payments.PENDING,
        visit_ends_at=valid_until,
        created_at=now,
    )
    started = provider.start(order)
    if started.state != payments.PENDING:
        payments.transition(order, started.state, now)
    db.add(order)
    db.flush()
    ticket = Ticket(
        code=tickets.new_code(),
        order_id=order.id,
        slot_id=None,
        zone_id=zone.id,
        product_id=product.id,
        places=product.places,
        price_cents=product.price_cents,
        vat_basis_points=product.vat_basis_points,
        state=TICKET_VALID,
        valid_from=valid_from,
        valid_until=valid_until,
        entries_total=product.entries,
        entries_used=0,
        one_per_day=product.one_per_day,
        zone_ids=",".join(str(z) for z in zone_ids) if zone_ids else str(zone.id),
    )
    db.add(ticket)
    db.flush()
    ticket.token = tickets.sign(db, municipality, ticket, None, product, secret)
    audit.record(
        db,
        actor="citizen" if data.citizen_subject else "anonymous",
        action="leisure.order.create",
        resource_type="leisure_order",
        resource_id=order.id,
        changes={"product": product.id, "kind": product.kind, "total_cents": order.total_cents},
    )
    return order
