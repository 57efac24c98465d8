"""The payment seam: a provider decides an order's first payment state, and every later
change goes through `transition`, which is idempotent (a callback delivered twice changes
nothing the second time) and refuses the changes the state machine does not have.

Two providers need no contract and are built in: `free` (nothing to pay) and `cash_desk`
(pay at the facility's cash desk before entry; the gate sees "unpaid" until then). An online
payment service provider (ePayBL, pmPayment, a card PSP) is another `PaymentProvider` whose
`start` answers `PENDING` with the address to send the buyer to, and whose callback route
calls `transition(order, PAID | FAILED, …)` after checking the provider's signature —
docs/leisure.md describes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from smartcity.core.errors import Conflict
from smartcity.core.web.i18n import gettext_
from smartcity.leisure.models import Order

PENDING = "pending"
PAID = "paid"
FAILED = "failed"
REFUNDED = "refunded"
# An unpaid order that was cancelled: nothing was paid, nothing is refunded.
VOID = "void"

TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({PAID, FAILED, VOID}),
    PAID: frozenset({REFUNDED}),
    FAILED: frozenset(),
    REFUNDED: frozenset(),
    VOID: frozenset(),
}


@dataclass(frozen=True)
class Started:
    state: str
    # Where the buyer goes to pay (an online provider's page); None: nothing to do online.
    redirect_url: str | None = None


class PaymentProvider(Protocol):
    name: str

    def start(self, order: Order) -> Started:
        """The payment of a new order (its `total_cents` is set)."""
        ...


class Free:
    name = "free"

    def start(self, order: Order) -> Started:
        return Started(PAID)


class CashDesk:
    """Pay at the facility's cash desk: the order stays pending until staff take the money."""

    name = "cash_desk"

    def start(self, order: Order) -> Started:
        return Started(PENDING)


PROVIDERS: dict[str, PaymentProvider] = {"free": Free(), "cash_desk": CashDesk()}


def provider_for(total_cents: int) -> PaymentProvider:
    """The provider of a new order: free when there is nothing to pay, else the cash desk
    (the only provider that needs no contract)."""
    return PROVIDERS["free" if total_cents == 0 else "cash_desk"]


def transition(order: Order, state: str, now: datetime) -> bool:
    """Move the order's payment to `state`; False when it is there already (a repeated
    callback), Conflict when the state machine has no such step."""
    if order.payment_state == state:
        return False
    if state not in TRANSITIONS.get(order.payment_state, frozenset()):
        raise Conflict(
            gettext_("The payment is “%(now)s” and cannot become “%(next)s”.")
            % {"now": order.payment_state, "next": state},
        )
    order.payment_state = state
    if state == PAID:
        order.paid_at = now
    if state == REFUNDED:
        order.refunded_cents = order.total_cents
    return True
