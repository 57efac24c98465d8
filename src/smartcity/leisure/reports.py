"""Reports of the back office: the daily cash report of a facility and the booking
statistics, each as rows for a page and as a CSV file that German Excel opens as it is
(`;` between cells, decimal comma, UTF-8 with a byte order mark).

The cash report is built from what the payment records hold (`leisure_order`): an order of
the cash-desk provider is taken on the day of its `paid_at`; a cancelled order of that
provider whose payment was refunded is paid back on the day of its `cancelled_at` (a refund
is only ever made by the cancellation, `payments.transition`), for `refunded_cents`. An order
is split over its tickets by their prices; a voucher's discount is shared out in proportion,
so the lines add up to the order's amount to the cent. Each ticket is counted at the VAT rate
it was sold at (`leisure_ticket.vat_basis_points`), and each amount under the staff account
that took it (`paid_by`) or paid it back (`refunded_by`; none when the buyer cancelled online).

The statistics carry no personal data: no e-mail address, no name, no order or ticket code;
tickets are counted per slot, product, state and price."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInput
from smartcity.core.identity import users
from smartcity.leisure import payments, search
from smartcity.leisure.models import ORDER_CANCELLED, Facility, Order, Product, Slot, Ticket, Zone

CASH_DESK = "cash_desk"
# An amount or a number as `euro_cell` writes it; never taken for a formula.
AMOUNT = re.compile(r"^-?[0-9]+(,[0-9]+)?$")
# The longest period one statistics file covers.
MAX_STATISTICS_DAYS = 366


def local_day(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The day's first moment and the next day's, in the municipality's time zone."""
    zone = ZoneInfo(timezone)
    return (
        datetime.combine(day, time(0), zone),
        datetime.combine(day + timedelta(days=1), time(0), zone),
    )


def shares(total: int, prices: Sequence[int]) -> list[int]:
    """`total` cents split in proportion to `prices`, to the cent: the remainders go to the
    largest fractions first (ties: the earlier one). Without prices nothing is split."""
    whole = sum(prices)
    if whole <= 0:
        return [0 for _ in prices]
    exact = [total * price for price in prices]
    split = [part // whole for part in exact]
    left = total - sum(split)
    order = sorted(range(len(prices)), key=lambda i: (-(exact[i] % whole), i))
    for i in order[:left]:
        split[i] += 1
    return split


def vat_in(gross_cents: int, basis_points: int) -> int:
    """The VAT contained in a gross amount, rounded half away from zero."""
    divisor = 10_000 + basis_points
    amount = (abs(gross_cents) * basis_points * 2 + divisor) // (2 * divisor)
    return amount if gross_cents >= 0 else -amount


# The account of money no staff account handled: a refund of a booking the buyer cancelled
# online, or a payment recorded before the accounts were.
NO_ACCOUNT = ""


@dataclass
class CashLine:
    """One product at one VAT rate under one staff account: what was taken and paid back at
    the cash desk."""

    product: str
    vat_basis_points: int
    account: str = NO_ACCOUNT
    sold: int = 0
    taken_cents: int = 0
    refunded: int = 0
    refunded_cents: int = 0

    @property
    def balance_cents(self) -> int:
        return self.taken_cents - self.refunded_cents


@dataclass(frozen=True)
class VatLine:
    vat_basis_points: int
    gross_cents: int

    @property
    def vat_cents(self) -> int:
        return vat_in(self.gross_cents, self.vat_basis_points)

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.vat_cents


@dataclass
class AccountTotal:
    """What one staff account (a cash desk) took and paid back on the day."""

    account: str
    orders_paid: int = 0
    taken_cents: int = 0
    orders_refunded: int = 0
    refunded_cents: int = 0

    @property
    def balance_cents(self) -> int:
        return self.taken_cents - self.refunded_cents


@dataclass(frozen=True)
class CashReport:
    facility: Facility
    day: date
    lines: list[CashLine]
    vat: list[VatLine]
    orders_paid: int
    orders_refunded: int
    accounts: list[AccountTotal]

    @property
    def taken_cents(self) -> int:
        return sum(line.taken_cents for line in self.lines)

    @property
    def refunded_cents(self) -> int:
        return sum(line.refunded_cents for line in self.lines)

    @property
    def balance_cents(self) -> int:
        return self.taken_cents - self.refunded_cents


def _split(
    db: Session, orders: Sequence[Order], amount: dict[int, int]
) -> list[tuple[Order, Product, int, int]]:
    """Each ticket of the orders as (order, product, the VAT rate it was sold at, its part of
    the order's `amount`)."""
    if not orders:
        return []
    by_id = {order.id: order for order in orders}
    by_order: dict[int, list[tuple[Ticket, Product]]] = {order.id: [] for order in orders}
    for ticket, product in db.execute(
        select(Ticket, Product)
        .join(Product, Product.id == Ticket.product_id)
        .where(Ticket.order_id.in_(list(by_order)))
        .order_by(Ticket.id)
    ):
        by_order[ticket.order_id].append((ticket, product))
    parts: list[tuple[Order, Product, int, int]] = []
    for order_id, rows in by_order.items():
        split = shares(amount[order_id], [ticket.price_cents for ticket, _ in rows])
        parts += [
            (by_id[order_id], product, sold_at(ticket, product), part)
            for (ticket, product), part in zip(rows, split, strict=True)
        ]
    return parts


def sold_at(ticket: Ticket, product: Product) -> int:
    """The VAT rate a ticket was sold at; its product's rate for a ticket that has none."""
    return (
        ticket.vat_basis_points if ticket.vat_basis_points is not None else product.vat_basis_points
    )


def account_names(db: Session, actors: set[str]) -> dict[str, str]:
    """How a report names the accounts (audit names such as "user:12"): the staff member's
    name and login; an API key or anything else by its audit name."""
    return {actor: actor for actor in actors} | {
        actor: name
        for actor, name in users.actor_names(db, actors, with_login=True).items()
        if actor in actors
    }


def cash_report(db: Session, facility: Facility, day: date, timezone: str) -> CashReport:
    """What the facility's cash desk took and paid back on `day` (local time), per staff
    account, product and VAT rate (the rate each ticket was sold at)."""
    starts, ends = local_day(day, timezone)
    paid = list(
        db.scalars(
            select(Order).where(
                Order.facility_id == facility.id,
                Order.payment_provider == CASH_DESK,
                Order.paid_at >= starts,
                Order.paid_at < ends,
            )
        )
    )
    refunded = list(
        db.scalars(
            select(Order).where(
                Order.facility_id == facility.id,
                Order.payment_provider == CASH_DESK,
                Order.state == ORDER_CANCELLED,
                Order.payment_state == payments.REFUNDED,
                Order.cancelled_at >= starts,
                Order.cancelled_at < ends,
            )
        )
    )
    names = account_names(
        db,
        {o.paid_by for o in paid if o.paid_by} | {o.refunded_by for o in refunded if o.refunded_by},
    )

    def name(actor: str | None) -> str:
        return names[actor] if actor else NO_ACCOUNT

    lines: dict[tuple[str, str, int, int], CashLine] = {}
    accounts: dict[str, AccountTotal] = {}

    def line(account: str, product: Product, rate: int) -> CashLine:
        key = (account, product.name, rate, product.id)
        return lines.setdefault(key, CashLine(product.name, rate, account))

    def total(account: str) -> AccountTotal:
        return accounts.setdefault(account, AccountTotal(account))

    for order, product, rate, cents in _split(db, paid, {o.id: o.total_cents for o in paid}):
        found = line(name(order.paid_by), product, rate)
        found.sold += 1
        found.taken_cents += cents
    for order in paid:
        desk = total(name(order.paid_by))
        desk.orders_paid += 1
        desk.taken_cents += order.total_cents
    for order, product, rate, cents in _split(
        db, refunded, {o.id: o.refunded_cents for o in refunded}
    ):
        found = line(name(order.refunded_by), product, rate)
        found.refunded += 1
        found.refunded_cents += cents
    for order in refunded:
        desk = total(name(order.refunded_by))
        desk.orders_refunded += 1
        desk.refunded_cents += order.refunded_cents
    shown = [lines[key] for key in sorted(lines)]
    rates: dict[int, int] = {}
    for item in shown:
        rates[item.vat_basis_points] = rates.get(item.vat_basis_points, 0) + item.balance_cents
    return CashReport(
        facility=facility,
        day=day,
        lines=shown,
        vat=[VatLine(rate, gross) for rate, gross in sorted(rates.items())],
        orders_paid=len(paid),
        orders_refunded=len(refunded),
        accounts=[accounts[key] for key in sorted(accounts)],
    )


@dataclass(frozen=True)
class StatisticsRow:
    """Tickets of one slot (or one multi-use ticket's period), product, state and price."""

    starts_at: datetime
    ends_at: datetime
    zone: str
    product: str
    kind: str
    status: str
    price_cents: int
    tickets: int
    places: int

    @property
    def sum_cents(self) -> int:
        return self.price_cents * self.tickets


def statistics_period(first: date | None, last: date | None) -> tuple[date, date]:
    """The period asked for; InvalidInput (by field) when a day is missing, the period runs
    backwards or is longer than MAX_STATISTICS_DAYS."""
    errors: dict[str, str] = {}
    if first is None:
        errors["von"] = "Bitte den ersten Tag als TT.MM.JJJJ angeben."
    if last is None:
        errors["bis"] = "Bitte den letzten Tag als TT.MM.JJJJ angeben."
    if first is not None and last is not None:
        if last < first:
            errors["bis"] = "Der letzte Tag liegt vor dem ersten."
        elif (last - first).days + 1 > MAX_STATISTICS_DAYS:
            errors["bis"] = f"Höchstens {MAX_STATISTICS_DAYS} Tage in einer Datei."
    if errors or first is None or last is None:
        raise InvalidInput("Bitte den Zeitraum prüfen.", errors=errors)
    return first, last


def statistics(
    db: Session, facility: Facility, first: date, last: date, timezone: str
) -> list[StatisticsRow]:
    """The facility's tickets of slots starting from `first` to `last` (local days), and of
    multi-use tickets whose first day lies in it, counted per slot, product, state and
    price; no buyer's data."""
    starts = local_day(first, timezone)[0]
    ends = local_day(last, timezone)[1]
    rows = db.execute(
        select(Ticket, Product, Order, Slot, Zone)
        .join(Product, Product.id == Ticket.product_id)
        .join(Order, Order.id == Ticket.order_id)
        .join(Zone, Zone.id == Ticket.zone_id)
        .outerjoin(Slot, Slot.id == Ticket.slot_id)
        .where(
            Order.facility_id == facility.id,
            or_(
                (Slot.starts_at >= starts) & (Slot.starts_at < ends),
                Ticket.slot_id.is_(None)
                & (Ticket.valid_from >= starts)
                & (Ticket.valid_from < ends),
            ),
        )
    ).all()
    counted: dict[tuple[datetime, datetime, str, str, str, str, int, int], list[int]] = {}
    for ticket, product, order, slot, zone in rows:
        begin = slot.starts_at if slot is not None else ticket.valid_from
        end = slot.ends_at if slot is not None else ticket.valid_until
        if begin is None or end is None:
            continue
        key = (
            begin,
            end,
            zone.name,
            product.name,
            product.kind,
            search.status(order),
            ticket.price_cents,
            product.id,
        )
        tally = counted.setdefault(key, [0, 0])
        tally[0] += 1
        tally[1] += ticket.places
    result = []
    for key, (count, places) in sorted(counted.items()):
        begin, end, zone_name, product_name, kind, state, price, _product = key
        result.append(
            StatisticsRow(begin, end, zone_name, product_name, kind, state, price, count, places)
        )
    return result


def euro_cell(cents: int) -> str:
    """An amount as German spreadsheets read it: "1234,50", "-5,00"."""
    whole, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole},{rest:02d}"


def percent_cell(basis_points: int) -> str:
    whole, rest = divmod(basis_points, 100)
    return f"{whole},{rest:02d}"


def german_csv(header: Sequence[str], rows: Sequence[Sequence[str | int]]) -> bytes:
    """A CSV file for German Excel: `;`, CRLF, UTF-8 with a byte order mark. A text cell
    starting with = + - @ gets a leading ' so that no spreadsheet reads it as a formula
    (amounts are written by us and stay numbers)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(_safe(cell) for cell in row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(cell: str | int) -> str | int:
    if (
        isinstance(cell, str)
        and cell[:1] in ("=", "+", "-", "@", "\t", "\r")
        and not AMOUNT.match(cell)
    ):
        return "'" + cell
    return cell
