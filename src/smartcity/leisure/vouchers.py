"""Vouchers and gift cards. The facility manager makes codes (one or many at once) that give
a discount in percent, one ticket of a product, or a gift card's balance spent across
bookings; any of them may also unlock a slot's voucher-only places. Codes are 16 characters
of base32 (80 random bits): they cannot be guessed. A voucher is redeemed when it goes into
a cart, by conditional UPDATEs (`uses < max_uses`, `balance_cents >= amount`), so two carts
racing for the last use get one each at most; a cart that ends without an order, and a
cancelled order, give the use and the amount back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import InvalidInput
from smartcity.core.lookup import found_or_404
from smartcity.core.web.i18n import gettext_, gettext_noop
from smartcity.leisure import tickets
from smartcity.leisure.models import (
    VOUCHER_DISCOUNT,
    VOUCHER_GIFT_CARD,
    VOUCHER_KINDS,
    VOUCHER_PRODUCT,
    Facility,
    Product,
    Voucher,
)

MAX_CODES = 500
MAX_USES = 10_000
MAX_BALANCE_CENTS = 100_000


@dataclass(frozen=True)
class VoucherInput:
    kind: str
    percent_off: int | None = None
    product_id: int | None = None
    balance_cents: int | None = None
    unlocks_reserved: bool = False
    max_uses: int | None = 1
    count: int | None = 1
    valid_until: date | None = None
    note: str = ""


def create(
    db: Session, facility: Facility, data: VoucherInput, actor: str, today: date
) -> list[Voucher]:
    """Make `count` vouchers alike, each with its own code; InvalidInput (422) names every
    wrong field."""
    errors: dict[str, str] = {}
    if data.kind not in VOUCHER_KINDS:
        errors["voucher_kind"] = gettext_("Please choose the kind of voucher.")
    if data.kind == VOUCHER_DISCOUNT and not (
        data.percent_off is not None and 1 <= data.percent_off <= 100
    ):
        errors["percent_off"] = gettext_("The discount is a number from 1 to 100 percent.")
    product: Product | None = None
    if data.kind == VOUCHER_PRODUCT:
        product = db.get(Product, data.product_id) if data.product_id else None
        if product is None or product.facility_id != facility.id:
            errors["voucher_product"] = gettext_("Please choose the ticket the voucher gives.")
    if data.kind == VOUCHER_GIFT_CARD and not (
        data.balance_cents is not None and 100 <= data.balance_cents <= MAX_BALANCE_CENTS
    ):
        errors["balance"] = gettext_("The balance is an amount from 1 to 1,000 euros.")
    if data.max_uses is None or not 1 <= data.max_uses <= MAX_USES:
        errors["max_uses"] = gettext_("A voucher can be used 1 to %(n)s times.") % {"n": MAX_USES}
    if data.count is None or not 1 <= data.count <= MAX_CODES:
        errors["count"] = gettext_("Please make 1 to %(n)s codes at once.") % {"n": MAX_CODES}
    if data.valid_until is not None and data.valid_until < today:
        errors["voucher_valid_until"] = gettext_("The end of validity lies in the past.")
    if errors or data.max_uses is None or data.count is None:
        raise InvalidInput(gettext_("Please check the voucher's details."), errors=errors)
    balance = data.balance_cents or 0 if data.kind == VOUCHER_GIFT_CARD else 0
    made = [
        Voucher(
            code=tickets.new_code(),
            facility_id=facility.id,
            kind=data.kind,
            percent_off=data.percent_off if data.kind == VOUCHER_DISCOUNT else None,
            product_id=product.id if product is not None else None,
            balance_cents=balance,
            initial_cents=balance,
            unlocks_reserved=data.unlocks_reserved,
            max_uses=data.max_uses,
            valid_until=data.valid_until,
            note=data.note.strip()[:200],
        )
        for _ in range(data.count)
    ]
    db.add_all(made)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="leisure.voucher.create",
        resource_type="leisure_facility",
        resource_id=facility.id,
        changes={
            "kind": data.kind,
            "count": data.count,
            "max_uses": data.max_uses,
            "unlocks_reserved": data.unlocks_reserved,
            "balance_cents": balance,
            "percent_off": data.percent_off,
            "product": product.id if product else None,
        },
    )
    return made


def of_facility(db: Session, facility_id: int) -> list[Voucher]:
    return list(
        db.scalars(
            select(Voucher).where(Voucher.facility_id == facility_id).order_by(Voucher.id.desc())
        )
    )


def by_id(db: Session, voucher_id: int) -> Voucher:
    return found_or_404(db.get(Voucher, voucher_id), gettext_("This voucher does not exist."))


def deactivate(db: Session, voucher: Voucher, actor: str) -> None:
    voucher.active = False
    audit.record(
        db,
        actor=actor,
        action="leisure.voucher.deactivate",
        resource_type="leisure_voucher",
        resource_id=voucher.id,
        changes={"uses": voucher.uses, "balance_cents": voucher.balance_cents},
    )


WRONG = gettext_noop("There is no such voucher code, or it is not for this facility.")


def usable(db: Session, facility_id: int, text: str, today: date) -> Voucher:
    """The voucher a typed code stands for, if it can be redeemed here today (its uses are
    checked again when it is redeemed); InvalidInput with a sentence for the buyer."""
    code = tickets.typed_code(text)
    voucher = db.scalar(select(Voucher).where(Voucher.code == code)) if code else None
    if voucher is None or voucher.facility_id != facility_id:
        message = gettext_(WRONG)
        raise InvalidInput(message, errors={"voucher": message})
    if not voucher.active or (voucher.valid_until is not None and voucher.valid_until < today):
        message = gettext_("This voucher has expired.")
        raise InvalidInput(message, errors={"voucher": message})
    if voucher.uses >= voucher.max_uses:
        message = gettext_(_USED)
        raise InvalidInput(message, errors={"voucher": message})
    if voucher.kind == VOUCHER_GIFT_CARD and voucher.balance_cents <= 0:
        message = gettext_("There is no balance left on this gift card.")
        raise InvalidInput(message, errors={"voucher": message})
    return voucher


_USED = gettext_noop("This voucher has already been redeemed.")


def worth(voucher: Voucher, chosen: list[tuple[Product, int]]) -> int:
    """What the voucher takes off these tickets, in cents (a gift card: up to its balance);
    InvalidInput when a product voucher's ticket is not among them."""
    total = sum(product.price_cents * count for product, count in chosen)
    if voucher.kind == VOUCHER_DISCOUNT:
        return total * (voucher.percent_off or 0) // 100
    if voucher.kind == VOUCHER_PRODUCT:
        match = next((p for p, count in chosen if p.id == voucher.product_id and count), None)
        if match is None:
            message = gettext_("This voucher is for another ticket; please choose it.")
            raise InvalidInput(message, errors={"voucher": message})
        return match.price_cents
    return min(voucher.balance_cents, total)


def redeem(db: Session, voucher: Voucher, cents: int) -> None:
    """Count a use (and take a gift card's amount) by conditional UPDATEs; InvalidInput when
    another cart took the last use or the balance first."""
    taken = db.execute(
        update(Voucher)
        .where(
            Voucher.id == voucher.id,
            Voucher.active.is_(True),
            Voucher.uses < Voucher.max_uses,
            Voucher.balance_cents >= (cents if voucher.kind == VOUCHER_GIFT_CARD else 0),
        )
        .values(
            uses=Voucher.uses + 1,
            balance_cents=Voucher.balance_cents
            - (cents if voucher.kind == VOUCHER_GIFT_CARD else 0),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        message = gettext_(
            "The balance of this gift card has just changed; please try again."
            if voucher.kind == VOUCHER_GIFT_CARD and voucher.uses < voucher.max_uses
            else _USED
        )
        raise InvalidInput(message, errors={"voucher": message})


def give_back(db: Session, voucher_id: int, cents: int) -> None:
    """A cart ended without an order, or an order was cancelled: the use (and a gift card's
    amount) is there again."""
    voucher = db.get(Voucher, voucher_id)
    if voucher is None:
        return
    db.execute(
        update(Voucher)
        .where(Voucher.id == voucher_id, Voucher.uses > 0)
        .values(
            uses=Voucher.uses - 1,
            balance_cents=Voucher.balance_cents
            + (cents if voucher.kind == VOUCHER_GIFT_CARD else 0),
        )
        .execution_options(synchronize_session=False)
    )
