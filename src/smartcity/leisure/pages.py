"""The leisure pages. Portal: the facilities with their live occupancy, a day's slots with
their free places, booking, the order with its tickets (QR, PDF) and cancellation. Back
office: setting up facilities (zones, products, slot rules, exceptions, slots) and the entry
check at the gate. Every page works without JavaScript."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from smartcity.citizen.deps import CitizenDep
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, TenantDbDep
from smartcity.core.http.middleware import content_security_policy, permissions_policy
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import i18n, layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, row_id, staff_page
from smartcity.core.web.forms import GENERAL, submit
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.leisure import (
    booking,
    courses,
    facilities,
    holds,
    passes,
    payments,
    scans,
    tickets,
    vouchers,
    waitlist,
)
from smartcity.leisure.models import (
    COURSE,
    FACILITY_KINDS,
    HOLD_ACTIVE,
    HOLD_BOOKED,
    ORDER_CANCELLED,
    VOUCHER_DISCOUNT,
    VOUCHER_GIFT_CARD,
    VOUCHER_PRODUCT,
    WAIT_WAITING,
    Facility,
    Hold,
    Slot,
    Voucher,
    Zone,
)
from smartcity.leisure.occupancy import occupancy
from smartcity.leisure.permissions import LEISURE_MANAGE, TICKETS_CASH, TICKETS_SCAN

portal_pages = APIRouter(prefix="/{municipality}/freizeit", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)
Manager = Annotated[WebState, Depends(staff_page(LEISURE_MANAGE))]
Gate = Annotated[WebState, Depends(staff_page(TICKETS_SCAN))]
Cashier = Annotated[WebState, Depends(staff_page(TICKETS_CASH))]

KIND_LABELS = {
    "pool": _("Pool"),
    "sauna": _("Sauna"),
    "museum": _("Museum"),
    "other": _("Other facility"),
}
PRODUCT_LABELS = {
    "adult": _("Adult"),
    "reduced": _("Reduced"),
    "child": _("Child"),
    "family": _("Family"),
    "group": _("Group"),
    "punch_card": _("Punch card (several entries)"),
    "period": _("Period ticket (month, season)"),
    "course": _("Course"),
}
PAYMENT_LABELS = {
    payments.PENDING: _("to be paid at the cash desk"),
    payments.PAID: _("paid"),
    payments.FAILED: _("payment failed"),
    payments.REFUNDED: _("refunded"),
    payments.VOID: _("cancelled, nothing was paid"),
}
# A staff action sent from a booking's page (`office_pages`) leads back to it.
BACK_TO_ORDER = "buchung"
SCAN_CLASSES = {scans.OK: "success", scans.PROOF: "warning", scans.EXITED: "info"}
# The platform's policies, plus WebAssembly and the camera for the scanner page's QR reader.
SCANNER_POLICY = content_security_policy({"script-src": ["'wasm-unsafe-eval'"]})
SCANNER_PERMISSIONS = permissions_policy("camera")


def today(municipality: Municipality) -> date:
    return datetime.now(ZoneInfo(municipality.timezone)).date()


def _day(text: str | None, municipality: Municipality) -> date:
    """A day asked for in the address; today when it is none or not within five years."""
    current = today(municipality)
    try:
        asked = date.fromisoformat(text) if text else current
    except ValueError:
        return current
    return asked if abs((asked - current).days) <= 5 * 366 else current


def _int(text: str) -> int | None:
    value = text.strip().lstrip("+")
    return int(value) if value.isdecimal() and len(value) <= 9 else None


def _cents(text: str) -> int | None:
    """ "4,50" or "4.50" or "4" euros as cents; None when it is not an amount."""
    value = text.strip().replace("€", "").strip().replace(",", ".")
    whole, _sep, part = value.partition(".")
    if (
        not whole.isdecimal()
        or len(whole) > 6
        or (part and (not part.isdecimal() or len(part) > 2))
    ):
        return None
    return int(whole) * 100 + int(part.ljust(2, "0") or 0)


def _percent(text: str) -> int | None:
    value = text.strip().replace("%", "").strip().replace(",", ".")
    whole, _sep, part = value.partition(".")
    if (
        not whole.isdecimal()
        or len(whole) > 3
        or (part and (not part.isdecimal() or len(part) > 2))
    ):
        return None
    return int(whole) * 100 + int(part.ljust(2, "0") or 0)


def _slot_of(db: Session, facility: Facility, slot_id: int) -> Slot:
    """A slot of this facility (404 for another facility's)."""
    found = facilities.slot(db, slot_id)
    if found.facility_id != facility.id:
        raise NotFound(gettext_("This slot does not exist."))
    return found


def _zone(db: Session, facility: Facility, zone_id: int) -> Zone:
    return next(z for z in facilities.zones(db, facility.id) if z.id == zone_id)


# ---- portal ------------------------------------------------------------------------------


@portal_pages.get("")
def facility_list(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    found = facilities.facilities(db)
    return render(
        request,
        "leisure/facilities.html",
        state,
        facilities=found,
        occupancy={f.id: occupancy(db, f) for f in found},
        kinds=KIND_LABELS,
        **layout.portal(request, municipality, "freizeit", gettext_("Pools and museums")),
    )


@portal_pages.get("/bestellung/{code}")
def order_page(
    request: Request,
    code: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    storniert: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    order = booking.order_by_code(db, code)
    return _order(request, state, db, municipality, order.code, cancelled=bool(storniert))


def _order(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    code: str,
    *,
    cancelled: bool = False,
    error: str = "",
    status_code: int = 200,
) -> Response:
    order = booking.order_by_code(db, code)
    slot = facilities.slot(db, order.slot_id) if order.slot_id is not None else None
    facility = facilities.facility(db, order.facility_id)
    found = booking.tickets_of(db, order)
    zone = _zone(db, facility, found[0][0].zone_id)
    deadline = booking.cancel_deadline(db, order, facility, slot)
    return render(
        request,
        "leisure/order.html",
        state,
        status_code=status_code,
        order=order,
        slot=slot,
        facility=facility,
        zone=zone,
        tickets=found,
        validity=tickets.when(municipality, slot, found[0][0]),
        course_dates=(
            courses.dates_in_words(db, found[0][0], municipality.timezone)
            if found[0][1].kind == COURSE
            else []
        ),
        ages=lambda p: facilities.age_band(p.age_min, p.age_max),
        shown_code=tickets.shown_code,
        euros=tickets.euros,
        deadline=deadline,
        can_cancel=order.state != ORDER_CANCELLED and deadline > utcnow(),
        cancelled=cancelled,
        error=error,
        payment=PAYMENT_LABELS,
        zone_name=municipality.timezone,
        **layout.portal(request, municipality, "freizeit", gettext_("Your booking")),
    )


@portal_pages.get("/bestellung/{code}/tickets.pdf")
def order_pdf(
    code: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    format: Annotated[str, Query(pattern="^(a4|a6)$")] = "a4",
) -> Response:
    order = booking.order_by_code(db, code)
    if order.state == ORDER_CANCELLED:
        raise Conflict(gettext_("This booking was cancelled; its tickets are no longer valid."))
    slot = facilities.slot(db, order.slot_id) if order.slot_id is not None else None
    facility = facilities.facility(db, order.facility_id)
    found = booking.tickets_of(db, order)
    zone = _zone(db, facility, found[0][0].zone_id)
    body = tickets.pdf(municipality, facility, zone, slot, found, format)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="tickets-{facility.slug}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@portal_pages.get("/bestellung/{code}/termin.ics")
def order_calendar(
    request: Request, code: str, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    order = booking.order_by_code(db, code)
    if order.slot_id is None:
        raise NotFound(gettext_("A multi-use ticket has no single date for a calendar."))
    slot = facilities.slot(db, order.slot_id)
    facility = facilities.facility(db, order.facility_id)
    zone = _zone(db, facility, slot.zone_id)
    page_url = str(request.url_for("order_page", municipality=municipality.slug, code=code))
    return Response(
        tickets.ical(order, facility, zone, slot, page_url),
        media_type="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{facility.slug}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


@portal_pages.get("/bestellung/{code}/qr/{ticket_code}.svg")
def ticket_qr(code: str, ticket_code: str, state: PageDep, db: TenantDbDep) -> Response:
    order = booking.order_by_code(db, code)
    found = next((t for t, _p in booking.tickets_of(db, order) if t.code == ticket_code), None)
    if found is None:
        raise NotFound(gettext_("This ticket does not exist."))
    return Response(
        tickets.qr_svg(found.token),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@portal_pages.post("/bestellung/{code}/stornieren")
def cancel_order(
    request: Request,
    code: str,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    order = booking.order_by_code(db, code)

    def change() -> str:
        booking.cancel(db, order, actor="citizen")
        return f"/{municipality.slug}/freizeit/bestellung/{order.code}?storniert=1"

    def again(errors: dict[str, str], status: int) -> Response:
        return _order(
            request, state, db, municipality, code, error=errors[GENERAL], status_code=status
        )

    return submit(change, again, answered={Conflict: GENERAL})


@portal_pages.get("/{slug}")
def facility_page(
    request: Request,
    slug: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    tag: Annotated[str | None, Query(max_length=10)] = None,
    geleert: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    facility = facilities.facility_by_slug(db, slug)
    # Expired carts give their places back before the free places are shown.
    booking.release_expired(db)
    day = _day(tag, municipality)
    zones = {z.id: z for z in facilities.zones(db, facility.id)}
    return render(
        request,
        "leisure/facility.html",
        state,
        facility=facility,
        day=day,
        previous_day=day - timedelta(days=1) if day > today(municipality) else None,
        next_day=day + timedelta(days=1),
        slots=facilities.slots_on(db, facility, day, municipality.timezone),
        zones=zones,
        occupancy=occupancy(db, facility),
        products=facilities.slot_products(db, facility.id),
        passes=facilities.pass_products(db, facility.id),
        courses=courses.of_facility(db, facility.id),
        emptied=bool(geleert),
        free=booking.free_places,
        with_voucher=booking.voucher_places,
        now=utcnow(),
        euros=tickets.euros,
        kinds=KIND_LABELS,
        zone_name=municipality.timezone,
        **layout.portal(request, municipality, "freizeit", facility.name),
    )


def _booking_form(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    facility: Facility,
    slot_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    signed_in: bool = False,
) -> Response:
    slot = _slot_of(db, facility, slot_id)
    booking.release_expired(db, slot_id=slot.id)
    db.refresh(slot)
    products = facilities.slot_products(db, facility.id)
    labels = {f"anzahl-{p.id}": p.name for p in products} | {
        "tickets": gettext_("Tickets"),
        "voucher": gettext_("Voucher or gift card code"),
        "ages": gettext_("Age limit"),
    }
    return render(
        request,
        "leisure/book.html",
        state,
        status_code=status_code,
        facility=facility,
        slot=slot,
        zone=_zone(db, facility, slot.zone_id),
        products=products,
        free=booking.free_places(slot),
        with_voucher=booking.voucher_places(slot),
        values=values,
        errors=errors,
        labels=labels,
        euros=tickets.euros,
        signed_in=signed_in,
        ages=lambda p: facilities.age_band(p.age_min, p.age_max),
        hold_minutes=facility.hold_minutes,
        zone_name=municipality.timezone,
        **layout.portal(request, municipality, "freizeit", gettext_("Book tickets")),
    )


@portal_pages.get("/{slug}/buchen/{slot_id}")
def book_form(
    request: Request,
    slug: str,
    slot_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenDep,
) -> Response:
    facility = facilities.facility_by_slug(db, slug)
    return _booking_form(
        request, state, db, municipality, facility, slot_id, {}, {}, signed_in=bool(citizen)
    )


@portal_pages.post("/{slug}/buchen/{slot_id}")
def book(
    request: Request,
    slug: str,
    slot_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenDep,
) -> Response:
    """The chosen tickets go into a cart that holds their places; the cart page asks for the
    e-mail address and books."""
    facility = facilities.facility_by_slug(db, slug)
    products = facilities.slot_products(db, facility.id)
    values = {f"anzahl-{p.id}": form_text(form, f"anzahl-{p.id}", 3) for p in products}
    values["voucher"] = form_text(form, "voucher", 40)
    values["ages"] = form_text(form, "ages", 3)
    # Not a number: -1, which the cart refuses with the other mistakes of the form.
    quantities = {p.id: _int(values[f"anzahl-{p.id}"] or "0") or 0 for p in products}
    quantities |= {p.id: -1 for p in products if _int(values[f"anzahl-{p.id}"] or "0") is None}

    def change() -> str:
        cart = holds.hold(
            db,
            holds.HoldInput(
                slot_id=slot_id,
                quantities=quantities,
                voucher_code=values["voucher"],
                ages_confirmed=values["ages"] == "yes",
            ),
            timezone=municipality.timezone,
        )
        return f"/{municipality.slug}/freizeit/warenkorb/{cart.code}"

    def again(errors: dict[str, str], status: int) -> Response:
        return _booking_form(
            request,
            state,
            db,
            municipality,
            facility,
            slot_id,
            values,
            errors,
            status,
            bool(citizen),
        )

    # Sold out (409) or another refusal of the slot: shown beside the tickets.
    return submit(change, again, answered={Conflict: "tickets"})


def _cart(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    code: str,
    *,
    signed_in: bool,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    cart = holds.hold_by_code(db, code)
    if cart.state == HOLD_ACTIVE and cart.expires_at <= utcnow():
        booking.release_expired(db, slot_id=cart.slot_id)
        db.refresh(cart)
    slot = facilities.slot(db, cart.slot_id)
    facility = facilities.facility(db, cart.facility_id)
    items = holds.items_of(db, cart)
    now = utcnow()
    return render(
        request,
        "leisure/cart.html",
        state,
        status_code=status_code,
        cart=cart,
        slot=slot,
        facility=facility,
        zone=_zone(db, facility, slot.zone_id),
        items=items,
        total=holds.total_cents(items, cart),
        minutes_left=max(int((cart.expires_at - now).total_seconds() // 60), 0),
        values=values or {},
        errors=errors or {},
        labels={"email": gettext_("E-mail address")},
        euros=tickets.euros,
        signed_in=signed_in,
        zone_name=municipality.timezone,
        **layout.portal(request, municipality, "freizeit", gettext_("Your cart")),
    )


@portal_pages.get("/warenkorb/{code}")
def cart_page(
    request: Request,
    code: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenDep,
) -> Response:
    cart = holds.hold_by_code(db, code)
    if cart.state == HOLD_BOOKED and cart.order_id is not None:
        order = booking.order_by_id(db, cart.order_id)
        return RedirectResponse(f"/{municipality.slug}/freizeit/bestellung/{order.code}", 303)
    return _cart(request, state, db, municipality, code, signed_in=bool(citizen))


@portal_pages.post("/warenkorb/{code}")
def cart_confirm(
    request: Request,
    code: str,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    citizen: CitizenDep,
) -> Response:
    cart = holds.hold_by_code(db, code)
    values = {"email": form_text(form, "email", 254)}

    def change() -> str:
        order = holds.confirm(
            db,
            municipality,
            cart,
            email=values["email"],
            citizen_subject=citizen,
            language=state.language,
            secret=platform.settings.require_secret_key(),
        )
        path = f"/{municipality.slug}/freizeit/bestellung/{order.code}"
        slot = facilities.slot(db, cart.slot_id)
        facility = facilities.facility(db, order.facility_id)
        booking.confirmation_mail(
            db,
            municipality,
            order,
            facility,
            i18n.moment(slot.starts_at, municipality.timezone, order.language),
            platform.settings.effective_public_url + path,
        )
        return path

    def again(errors: dict[str, str], status: int) -> Response:
        return _cart(
            request,
            state,
            db,
            municipality,
            code,
            signed_in=bool(citizen),
            values=values,
            errors=errors,
            status_code=status,
        )

    # An expired cart (409) is shown beside the tickets.
    return submit(change, again, answered={Conflict: "tickets"})


@portal_pages.post("/warenkorb/{code}/leeren")
def cart_release(
    code: str, state: PageDep, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    """The buyer gives the places back at once."""
    cart = holds.hold_by_code(db, code)
    holds.release(db, cart)
    facility = facilities.facility(db, cart.facility_id)
    return RedirectResponse(f"/{municipality.slug}/freizeit/{facility.slug}?geleert=1", 303)


def _pass_form(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    facility: Facility,
    product_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    signed_in: bool,
    status_code: int = 200,
) -> Response:
    product = passes.pass_product(db, facility, product_id)
    return render(
        request,
        "leisure/pass.html",
        state,
        status_code=status_code,
        facility=facility,
        product=product,
        days=product.valid_days or passes.PUNCH_CARD_DAYS,
        values=values or {"first_day": today(municipality).isoformat()},
        errors=errors,
        labels={
            "first_day": gettext_("First day of validity"),
            "email": gettext_("E-mail address"),
        },
        euros=tickets.euros,
        signed_in=signed_in,
        **layout.portal(request, municipality, "freizeit", product.name),
    )


@portal_pages.get("/{slug}/karten/{product_id}")
def pass_form(
    request: Request,
    slug: str,
    product_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenDep,
) -> Response:
    facility = facilities.facility_by_slug(db, slug)
    return _pass_form(
        request, state, db, municipality, facility, product_id, {}, {}, signed_in=bool(citizen)
    )


@portal_pages.post("/{slug}/karten/{product_id}")
def buy_pass(
    request: Request,
    slug: str,
    product_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    citizen: CitizenDep,
) -> Response:
    facility = facilities.facility_by_slug(db, slug)
    values = {"first_day": form_text(form, "first_day", 10), "email": form_text(form, "email", 254)}
    first_day = _date(values["first_day"])

    def change() -> str:
        if values["first_day"] and first_day is None:
            raise InvalidInput(
                gettext_("Please check the details of the card."),
                errors={"first_day": gettext_("Please give a day such as 2027-01-15.")},
            )
        order = passes.buy(
            db,
            municipality,
            facility,
            passes.PassInput(
                product_id=product_id,
                first_day=first_day,
                email=values["email"],
                citizen_subject=citizen,
                language=state.language,
            ),
            platform.settings.require_secret_key(),
        )
        path = f"/{municipality.slug}/freizeit/bestellung/{order.code}"
        found = booking.tickets_of(db, order)
        booking.confirmation_mail(
            db,
            municipality,
            order,
            facility,
            tickets.when(municipality, None, found[0][0]),
            platform.settings.effective_public_url + path,
        )
        return path

    def again(errors: dict[str, str], status: int) -> Response:
        return _pass_form(
            request,
            state,
            db,
            municipality,
            facility,
            product_id,
            values,
            errors,
            signed_in=bool(citizen),
            status_code=status,
        )

    return submit(change, again)


def _join_form(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    facility: Facility,
    slot_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    slot = _slot_of(db, facility, slot_id)
    return render(
        request,
        "leisure/waitlist_join.html",
        state,
        status_code=status_code,
        facility=facility,
        slot=slot,
        zone=_zone(db, facility, slot.zone_id),
        products=[(str(p.id), p.name) for p in facilities.slot_products(db, facility.id)],
        values=values,
        errors=errors,
        labels={
            "product": gettext_("Ticket"),
            "count": gettext_("Number of tickets"),
            "email": gettext_("E-mail address"),
        },
        offer_minutes=facility.offer_minutes,
        zone_name=municipality.timezone,
        **layout.portal(request, municipality, "freizeit", gettext_("Waiting list")),
    )


@portal_pages.get("/{slug}/warteliste/{slot_id}")
def join_form(
    request: Request,
    slug: str,
    slot_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    facility = facilities.facility_by_slug(db, slug)
    return _join_form(request, state, db, municipality, facility, slot_id, {"count": "1"}, {})


@portal_pages.post("/{slug}/warteliste/{slot_id}")
def join_waitlist(
    request: Request,
    slug: str,
    slot_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    facility = facilities.facility_by_slug(db, slug)
    values = {n: form_text(form, n, 254) for n in ("product", "count", "email")}

    def change() -> str:
        entry = waitlist.join(
            db,
            waitlist.JoinInput(
                slot_id=slot_id,
                product_id=row_id(values["product"]),
                count=_int(values["count"]),
                email=values["email"],
                language=state.language,
            ),
        )
        return f"/{municipality.slug}/freizeit/warteliste/{entry.code}"

    def again(errors: dict[str, str], status: int) -> Response:
        return _join_form(
            request, state, db, municipality, facility, slot_id, values, errors, status
        )

    # Free places or a slot that is over (409): said above the form.
    return submit(change, again, answered={Conflict: GENERAL})


@portal_pages.get("/warteliste/{code}")
def waitlist_entry(
    request: Request,
    code: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    entry = waitlist.entry_by_code(db, code)
    slot = facilities.slot(db, entry.slot_id)
    facility = facilities.facility(db, slot.facility_id)
    hold = db.get(Hold, entry.hold_id) if entry.hold_id else None
    return render(
        request,
        "leisure/waitlist_entry.html",
        state,
        entry=entry,
        slot=slot,
        facility=facility,
        position=waitlist.position(db, entry) if entry.state == WAIT_WAITING else None,
        cart=hold if hold is not None and hold.state == HOLD_ACTIVE else None,
        zone_name=municipality.timezone,
        **layout.portal(request, municipality, "freizeit", gettext_("Waiting list")),
    )


@portal_pages.post("/warteliste/{code}/austragen")
def waitlist_withdraw(
    code: str, state: PageDep, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    entry = waitlist.entry_by_code(db, code)
    waitlist.withdraw(db, entry)
    return RedirectResponse(f"/{municipality.slug}/freizeit/warteliste/{entry.code}", 303)


# ---- back office: facilities -------------------------------------------------------------


def _setup_list(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "leisure/staff_facilities.html",
        state,
        status_code=status_code,
        facilities=facilities.facilities(db),
        kinds=[(k, gettext_(v)) for k, v in KIND_LABELS.items()],
        values=values,
        errors=errors,
        labels={
            "slug": gettext_("Address"),
            "name": gettext_("Name"),
            "kind": gettext_("Kind of facility"),
            "cancel_hours": gettext_("Cancellation until (hours before the slot)"),
        },
        **layout.staff(
            request, municipality, state.principal, "freizeit", gettext_("Leisure facilities")
        ),
    )


@staff_pages.get("/freizeit")
def setup_list(
    request: Request, state: Manager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _setup_list(request, state, db, municipality, {"cancel_hours": "24"}, {})


@staff_pages.post("/freizeit")
def create_facility(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    names = ("slug", "name", "kind", "description", "address", "opening_hours")
    values = {n: form_text(form, n, 2000 if n == "description" else 300) for n in names}
    values["cancel_hours"] = form_text(form, "cancel_hours", 5)

    def change() -> str:
        facility = facilities.create_facility(
            db,
            facilities.FacilityInput(
                slug=values["slug"],
                name=values["name"],
                kind=values["kind"] if values["kind"] in FACILITY_KINDS else "",
                description=values["description"],
                address=values["address"],
                opening_hours=values["opening_hours"],
                cancel_hours=_int(values["cancel_hours"]),
            ),
            state.principal.actor,
        )
        return f"/{municipality.slug}/verwaltung/freizeit/{facility.id}"

    def again(errors: dict[str, str], status: int) -> Response:
        return _setup_list(request, state, db, municipality, values, errors, status)

    return submit(change, again)


SETUP_LABELS = {
    "zone_name": _("Name of the zone"),
    "zone_capacity": _("Capacity (persons)"),
    "product_name": _("Name of the ticket"),
    "product_kind": _("Kind of ticket"),
    "price": _("Price in euros"),
    "places": _("Persons per ticket"),
    "vat": _("VAT rate in percent"),
    "rule_zone": _("Zone"),
    "weekdays": _("Weekdays"),
    "first_start": _("First slot starts"),
    "last_start": _("Last slot starts"),
    "every_minutes": _("A slot starts every (minutes)"),
    "duration_minutes": _("Length of a slot (minutes)"),
    "rule_capacity": _("Places per slot"),
    "valid_from": _("Valid from"),
    "valid_until": _("Valid until"),
    "day": _("Day"),
    "exception_capacity": _("Reduced capacity"),
    "days": _("Number of days"),
    "capacity": _("Capacity"),
    "hold_minutes": _("Cart reservation (minutes)"),
    "offer_minutes": _("Offer to the waiting list held for (minutes)"),
    "cancel_hours": _("Cancellation until (hours before the slot)"),
    "retention_days": _("Keep the buyers' data for (days after the visit)"),
    "entries": _("Entries (punch card)"),
    "valid_days": _("Valid for (days)"),
    "product_zones": _("Zones of the card"),
    "min_places": _("Smallest group (persons)"),
    "max_places": _("Largest group (persons)"),
    "age_min": _("Youngest age (years)"),
    "age_max": _("Oldest age (years)"),
}
WEEKDAYS = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]


def setup_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    facility: Facility,
    day: date,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    zones = facilities.zones(db, facility.id)
    return render(
        request,
        "leisure/staff_facility.html",
        state,
        status_code=status_code,
        facility=facility,
        zones=zones,
        zone_names={z.id: z.name for z in zones},
        products=facilities.products(db, facility.id),
        rules=facilities.rules(db, facility.id),
        exceptions=facilities.exceptions(db, facility.id),
        slots=facilities.slots_on(db, facility, day, municipality.timezone),
        day=day,
        values=values
        or {
            "weekdays": "1234567",
            "vat": "7",
            "places": "1",
            "days": "14",
            "valid_from": today(municipality).isoformat(),
            "first_start": "07:00",
            "last_start": "19:00",
            "every_minutes": "120",
            "duration_minutes": "120",
        },
        errors=errors or {},
        labels={k: gettext_(v) for k, v in SETUP_LABELS.items()},
        weekdays=[(k, gettext_(v)) for k, v in WEEKDAYS],
        product_kinds=[(k, gettext_(v)) for k, v in PRODUCT_LABELS.items() if k != COURSE],
        ages=lambda p: facilities.age_band(p.age_min, p.age_max),
        product_zones=lambda p: ", ".join(
            z.name for z in zones if z.id in facilities.zone_ids_of(p.zone_ids)
        ),
        euros=tickets.euros,
        notice=notice,
        zone_name=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "freizeit", facility.name),
    )


@staff_pages.get("/freizeit/{facility_id}")
def setup(
    request: Request,
    facility_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    tag: Annotated[str | None, Query(max_length=10)] = None,
    erledigt: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    facility = facilities.facility(db, facility_id)
    notices = {"zeitfenster": gettext_("The slots were made."), "gespeichert": gettext_("Saved.")}
    return setup_page(
        request,
        state,
        db,
        municipality,
        facility,
        _day(tag, municipality),
        notice=notices.get(erledigt or "", ""),
    )


def _done_url(
    municipality: Municipality, facility: Facility, what: str = "gespeichert", day: str = ""
) -> str:
    suffix = f"&tag={day}" if day else ""
    return f"/{municipality.slug}/verwaltung/freizeit/{facility.id}?erledigt={what}{suffix}"


def _done(
    municipality: Municipality, facility: Facility, what: str = "gespeichert", day: str = ""
) -> Response:
    return RedirectResponse(_done_url(municipality, facility, what, day), status_code=303)


VOUCHER_KINDS = {
    VOUCHER_DISCOUNT: _("Discount in percent"),
    VOUCHER_PRODUCT: _("A free ticket"),
    VOUCHER_GIFT_CARD: _("Gift card with a balance"),
}
VOUCHER_LABELS = {
    "voucher_kind": _("Kind of voucher"),
    "percent_off": _("Discount in percent"),
    "voucher_product": _("Ticket given"),
    "balance": _("Balance of the gift card in euros"),
    "max_uses": _("Uses per code"),
    "count": _("Number of codes"),
    "voucher_valid_until": _("Valid until"),
}


def _vouchers(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    facility: Facility,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    names = {p.id: p.name for p in facilities.products(db, facility.id)}

    def describe(voucher: Voucher) -> str:
        if voucher.kind == VOUCHER_DISCOUNT:
            text = gettext_("%(n)s %% off") % {"n": voucher.percent_off}
        elif voucher.kind == VOUCHER_PRODUCT:
            text = gettext_("free: %(product)s") % {
                "product": names.get(voucher.product_id or 0, "?")
            }
        else:
            text = gettext_("gift card, %(left)s of %(total)s left") % {
                "left": tickets.euros(voucher.balance_cents, state.language),
                "total": tickets.euros(voucher.initial_cents, state.language),
            }
        if voucher.unlocks_reserved:
            text += ", " + gettext_("unlocks the voucher-only places")
        return text

    return render(
        request,
        "leisure/staff_vouchers.html",
        state,
        status_code=status_code,
        facility=facility,
        vouchers=vouchers.of_facility(db, facility.id),
        describe=describe,
        shown_code=tickets.shown_code,
        kinds=[(k, gettext_(v)) for k, v in VOUCHER_KINDS.items()],
        products=[(str(p.id), p.name) for p in facilities.slot_products(db, facility.id)],
        values=values or {},
        errors=errors or {},
        labels={k: gettext_(v) for k, v in VOUCHER_LABELS.items()},
        notice=notice,
        **layout.staff(request, municipality, state.principal, "freizeit", facility.name),
    )


@staff_pages.get("/freizeit/{facility_id}/gutscheine")
def voucher_list(
    request: Request,
    facility_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    erledigt: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    facility = facilities.facility(db, facility_id)
    notices = {"erzeugt": gettext_("The vouchers were made."), "gesperrt": gettext_("Blocked.")}
    return _vouchers(
        request, state, db, municipality, facility, notice=notices.get(erledigt or "", "")
    )


@staff_pages.post("/freizeit/{facility_id}/gutscheine")
def voucher_create(
    request: Request,
    facility_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    facility = facilities.facility(db, facility_id)
    names = (*VOUCHER_LABELS, "unlocks_reserved", "note")
    values = {n: form_text(form, n, 200) for n in names}
    valid_until = _date(values["voucher_valid_until"])

    def change() -> str:
        if values["voucher_valid_until"] and valid_until is None:
            raise InvalidInput(
                gettext_("Please check the voucher."),
                errors={"voucher_valid_until": gettext_("Please give a day such as 2027-01-15.")},
            )
        vouchers.create(
            db,
            facility,
            vouchers.VoucherInput(
                kind=values["voucher_kind"],
                percent_off=_int(values["percent_off"]),
                product_id=row_id(values["voucher_product"]),
                balance_cents=_cents(values["balance"]),
                unlocks_reserved=values["unlocks_reserved"] == "yes",
                max_uses=_int(values["max_uses"]),
                count=_int(values["count"]),
                valid_until=valid_until,
                note=values["note"],
            ),
            state.principal.actor,
            today(municipality),
        )
        return f"/{municipality.slug}/verwaltung/freizeit/{facility.id}/gutscheine?erledigt=erzeugt"

    def again(errors: dict[str, str], status: int) -> Response:
        return _vouchers(request, state, db, municipality, facility, values, errors, status)

    return submit(change, again)


@staff_pages.post("/freizeit/{facility_id}/gutscheine/{voucher_id}/sperren")
def voucher_block(
    facility_id: IdPath,
    voucher_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    facility = facilities.facility(db, facility_id)
    voucher = vouchers.by_id(db, voucher_id)
    if voucher.facility_id != facility.id:
        raise NotFound(gettext_("This page or entry does not exist."))
    vouchers.deactivate(db, voucher, state.principal.actor)
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/freizeit/{facility.id}/gutscheine?erledigt=gesperrt",
        status_code=303,
    )


@staff_pages.post("/freizeit/{facility_id}/{part}")
def setup_part(
    request: Request,
    facility_id: IdPath,
    part: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    facility = facilities.facility(db, facility_id)
    values = {k: form_text(form, k, 300) for k in form if k != "csrf_token"}
    values["weekdays"] = "".join(v for v in form.getlist("weekdays") if isinstance(v, str))[:7]
    chosen_zones = [v for v in form.getlist("product_zones") if isinstance(v, str)][:20]
    values["product_zones"] = ",".join(chosen_zones)

    def optional(name: str) -> int | None:
        # Empty: not given; not a number: -1, refused with the form's other mistakes.
        text = values.get(name, "")
        return (_int(text) if _int(text) is not None else -1) if text else None

    actor = state.principal.actor
    day = today(municipality)

    def change() -> str:
        if part == "bereiche":
            facilities.add_zone(
                db,
                facility,
                values.get("zone_name", ""),
                _int(values.get("zone_capacity", "")),
                actor,
            )
        elif part == "tickets":
            facilities.add_product(
                db,
                facility,
                facilities.ProductInput(
                    name=values.get("product_name", ""),
                    kind=values.get("product_kind", ""),
                    price_cents=_cents(values.get("price", "")),
                    places=_int(values.get("places", "")),
                    vat_basis_points=_percent(values.get("vat", "")),
                    proof_required=values.get("proof_required") == "yes",
                    # Not a number: -1, refused with the form's other mistakes.
                    entries=(_int(values["entries"]) or -1) if values.get("entries") else None,
                    valid_days=(
                        (_int(values["valid_days"]) or -1) if values.get("valid_days") else None
                    ),
                    one_per_day=values.get("one_per_day") == "yes",
                    min_places=optional("min_places"),
                    max_places=optional("max_places"),
                    age_min=optional("age_min"),
                    age_max=optional("age_max"),
                    zone_ids=tuple(row_id(z) or -1 for z in chosen_zones),
                ),
                actor,
            )
        elif part == "einstellungen":
            facilities.update_settings(
                db,
                facility,
                hold_minutes=_int(values.get("hold_minutes", "")),
                cancel_hours=_int(values.get("cancel_hours", "")),
                offer_minutes=(
                    (_int(values["offer_minutes"]) or -1) if values.get("offer_minutes") else None
                ),
                actor=actor,
            )
        elif part == "regeln":
            facilities.add_rule(
                db,
                facility,
                facilities.RuleInput(
                    zone_id=row_id(values.get("rule_zone", "")),
                    weekdays=values["weekdays"],
                    first_start=values.get("first_start", ""),
                    last_start=values.get("last_start", ""),
                    every_minutes=_int(values.get("every_minutes", "")),
                    duration_minutes=_int(values.get("duration_minutes", "")),
                    capacity=_int(values.get("rule_capacity", "")),
                    valid_from=_date(values.get("valid_from", "")),
                    valid_until=_date(values.get("valid_until", "")),
                ),
                actor,
            )
        elif part == "ausnahmen":
            facilities.add_exception(
                db,
                facility,
                _date(values.get("day", "")),
                closed=values.get("closed") == "yes",
                capacity=_int(values.get("exception_capacity", "")),
                note=values.get("note", ""),
                timezone=municipality.timezone,
                actor=actor,
            )
        elif part == "zeitfenster":
            start = _date(values.get("from", "")) or day
            facilities.generate_slots(
                db, facility, start, _int(values.get("days", "")) or 0, municipality.timezone
            )
            return _done_url(municipality, facility, "zeitfenster", start.isoformat())
        else:
            raise NotFound(gettext_("This page or entry does not exist."))
        return _done_url(municipality, facility)

    def again(errors: dict[str, str], status: int) -> Response:
        return setup_page(request, state, db, municipality, facility, day, values, errors, status)

    return submit(change, again)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@staff_pages.post("/freizeit/{facility_id}/zeitfenster/{slot_id}")
def edit_slot(
    request: Request,
    facility_id: IdPath,
    slot_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    facility = facilities.facility(db, facility_id)
    found = _slot_of(db, facility, slot_id)
    day = found.starts_at.astimezone(ZoneInfo(municipality.timezone)).date()
    try:
        facilities.update_slot(
            db,
            slot_id,
            capacity=_int(form_text(form, "capacity", 9)),
            reserved=_int(form_text(form, "reserved", 9) or "0"),
            closed=form_text(form, "closed") == "yes",
            note=form_text(form, "note", 200),
            actor=state.principal.actor,
        )
    except InvalidInput as exc:
        return setup_page(
            request,
            state,
            db,
            municipality,
            facility,
            day,
            None,
            {"capacity": exc.detail},
            422,
        )
    return _done(municipality, facility, "gespeichert", day.isoformat())


@staff_pages.get("/freizeit/{facility_id}/zeitfenster/{slot_id}")
def slot_list(
    request: Request,
    facility_id: IdPath,
    slot_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    storniert: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    """The check-in list of a slot: every ticket with its state, payment, entry and exit."""
    facility = facilities.facility(db, facility_id)
    found = _slot_of(db, facility, slot_id)
    rows = booking.check_in_list(db, found.id)
    return render(
        request,
        "leisure/staff_slot.html",
        state,
        facility=facility,
        slot=found,
        zone=_zone(db, facility, found.zone_id),
        rows=rows,
        day=found.starts_at.astimezone(ZoneInfo(municipality.timezone)).date().isoformat(),
        inside=sum(
            r.ticket.places
            for r in rows
            if r.ticket.checked_in_at is not None and r.ticket.checked_out_at is None
        ),
        shown_code=tickets.shown_code,
        euros=tickets.euros,
        payment=PAYMENT_LABELS,
        cancelled=bool(storniert),
        zone_name=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "freizeit", facility.name),
    )


@staff_pages.post("/freizeit/{facility_id}/bestellungen/{order_id}/stornieren")
def staff_cancel(
    facility_id: IdPath,
    order_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    """Staff cancel an order at any time before it is used (the facility closes, a complaint);
    the places are free again and the payment is refunded."""
    order = booking.order_by_id(db, order_id)
    if order.facility_id != facility_id:
        raise NotFound(gettext_("This page or entry does not exist."))
    booking.cancel(db, order, state.principal.actor, staff=True)
    # Back to the booking's page (from the booking search; a multi-use ticket has no slot),
    # else to the slot's check-in list.
    if form_text(form, "zurueck", 10) == BACK_TO_ORDER or order.slot_id is None:
        target = f"/{municipality.slug}/verwaltung/freizeit/buchungen/{order.id}?storniert=1"
    else:
        target = (
            f"/{municipality.slug}/verwaltung/freizeit/{facility_id}/zeitfenster/"
            f"{order.slot_id}?storniert=1"
        )
    return RedirectResponse(target, status_code=303)


# ---- back office: the entry check ---------------------------------------------------------


def _gate(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    result: scans.ScanResult | None = None,
    direction: str = scans.ENTRY,
    zone: str = "",
    notice: str = "",
    status_code: int = 200,
) -> Response:
    zones: list[tuple[str, str]] = []
    for facility in facilities.facilities(db):
        zones += [
            (str(z.id), f"{facility.name} – {z.name}") for z in facilities.zones(db, facility.id)
        ]
    page = render(
        request,
        "leisure/gate.html",
        state,
        status_code=status_code,
        result=result,
        alert=SCAN_CLASSES.get(result.result, "danger") if result else "",
        direction=direction,
        zone=zone,
        zones=zones,
        notice=notice,
        may_cash=state.principal.can(TICKETS_CASH),
        # A new nonce per form: a form sent twice (reload, double click) counts once.
        nonce=secrets.token_urlsafe(16),
        euros=tickets.euros,
        **layout.staff(request, municipality, state.principal, "einlass", gettext_("Entry check")),
    )
    # The camera QR reader (static/scanner.js): this page may use the camera and compile the
    # reader's WebAssembly, which it loads from us like everything else.
    page.headers["content-security-policy"] = SCANNER_POLICY
    page.headers["permissions-policy"] = SCANNER_PERMISSIONS
    return page


@staff_pages.get("/einlass")
def gate(
    request: Request,
    state: Gate,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    bezahlt: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    notice = gettext_("Payment recorded. Please scan the ticket again.") if bezahlt else ""
    return _gate(request, state, db, municipality, notice=notice)


@staff_pages.post("/einlass")
def gate_scan(
    request: Request, state: Gate, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    code = form_text(form, "code", 2000)
    direction = scans.EXIT if form_text(form, "direction") == scans.EXIT else scans.ENTRY
    zone = form_text(form, "zone", 12)
    if not code:
        result = scans.ScanResult(scans.UNKNOWN, gettext_("Please scan or type the ticket's code."))
        return _gate(request, state, db, municipality, result, direction, zone, status_code=422)
    result = scans.scan(
        db,
        municipality,
        code,
        direction=direction,
        zone_id=row_id(zone),
        nonce=form_text(form, "nonce", 64) or None,
        actor=state.principal.actor,
    )
    return _gate(request, state, db, municipality, result, direction, zone)


@staff_pages.post("/einlass/bezahlt")
def gate_paid(
    request: Request, state: Cashier, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    order = booking.order_by_code(db, form_text(form, "order", 43))
    booking.mark_paid(db, order, state.principal.actor)
    if form_text(form, "zurueck", 10) == BACK_TO_ORDER:
        return RedirectResponse(
            f"/{municipality.slug}/verwaltung/freizeit/buchungen/{order.id}?bezahlt=1",
            status_code=303,
        )
    return RedirectResponse(f"/{municipality.slug}/verwaltung/einlass?bezahlt=1", status_code=303)
