"""Back-office pages about bookings: the booking search and one booking (cash desk and
facility management), a facility's week calendar and its retention period, the daily cash
report and the statistics export (facility management).

Registered before `pages.staff_pages`, whose "/freizeit/{facility_id}" would otherwise take
"buchungen". The search is sent as a form (POST with the CSRF token): what was searched for
stays out of the address, and so out of every access log and the browser's history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.dates import field_value, parse_day
from smartcity.core.web.deps import FormDep, form_text, row_id
from smartcity.core.web.forms import field_errors, submit
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.leisure import facilities, reports, retention, search, tickets, week
from smartcity.leisure.models import Facility
from smartcity.leisure.pages import PRODUCT_LABELS, WEEKDAYS, Cashier, Manager, setup_page, today
from smartcity.leisure.permissions import LEISURE_MANAGE, TICKETS_CASH

office_pages = APIRouter(prefix="/{municipality}/verwaltung/freizeit", include_in_schema=False)

STATUS_LABELS = {
    search.PAID: _("Paid"),
    search.PENDING: _("Payment pending (cash desk)"),
    search.FAILED: _("Payment failed"),
    search.CANCELLED: _("Booking cancelled"),
    search.REFUNDED: _("Cancelled and refunded"),
}
SEARCH_LABELS = {
    "q": _("Booking number, ticket code or e-mail address"),
    "tag": _("Day of the slot"),
    "einrichtung": _("Facility"),
}
PERIOD_LABELS = {"einrichtung": _("Facility"), "von": _("First day"), "bis": _("Last day")}


def _choice(db: Session, text: str) -> tuple[list[Facility], Facility | None]:
    """The municipality's facilities and the one asked for (the first when none was); 404
    for one that does not exist here."""
    found = facilities.facilities(db)
    if not text:
        return found, found[0] if found else None
    wanted = row_id(text)
    if wanted is None:
        raise NotFound(gettext_("This page or entry does not exist."))
    return found, facilities.facility(db, wanted)


def _options(found: list[Facility]) -> list[tuple[str, str]]:
    return [(str(f.id), f.name) for f in found]


# ---- booking search ----------------------------------------------------------------------


def _search_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    found: search.Found | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "leisure/staff_search.html",
        state,
        status_code=status_code,
        values=values,
        errors=errors or {},
        labels={k: gettext_(v) for k, v in SEARCH_LABELS.items()},
        facility_options=[("", gettext_("All facilities")), *_options(facilities.facilities(db))],
        found=found,
        when={o.order.id: _when(municipality, o) for o in found.orders} if found else {},
        statuses=STATUS_LABELS,
        shown_code=tickets.shown_code,
        euros=tickets.euros,
        **layout.staff(
            request, municipality, state.principal, "freizeit/buchungen", gettext_("Booking search")
        ),
    )


def _when(municipality: Municipality, found: search.FoundOrder) -> str:
    return tickets.when(municipality, found.slot, found.tickets[0][0]) if found.tickets else ""


@office_pages.get("/buchungen")
def search_form(
    request: Request, state: Cashier, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _search_page(request, state, db, municipality, {})


@office_pages.post("/buchungen")
def search_orders(
    request: Request, state: Cashier, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    """Staff look for bookings; the result is this response (nothing is stored or logged)."""
    values = {
        "q": form_text(form, "q", 300),
        "tag": form_text(form, "tag", 12),
        "einrichtung": form_text(form, "einrichtung", 12),
    }
    errors: dict[str, str] = {}
    day = parse_day(values["tag"]) if values["tag"] else None
    if values["tag"] and day is None:
        errors["tag"] = gettext_("Please enter the date as DD.MM.YYYY.")
    facility_id = row_id(values["einrichtung"]) if values["einrichtung"] else None
    if values["einrichtung"] and facility_id is None:
        errors["einrichtung"] = gettext_("Please choose a facility from the list.")
    values["tag"] = field_value(values["tag"])
    if errors:
        return _search_page(request, state, db, municipality, values, errors, status_code=422)
    try:
        found = search.find_orders(
            db,
            search.OrderQuery(values["q"], day, facility_id),
            municipality.timezone,
        )
    except InvalidInput as exc:
        return _search_page(
            request, state, db, municipality, values, field_errors(exc, "q"), status_code=422
        )
    return _search_page(request, state, db, municipality, values, found=found)


@office_pages.get("/buchungen/{order_id}")
def order_detail(
    request: Request,
    order_id: IdPath,
    state: Cashier,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    bezahlt: Annotated[str | None, Query(max_length=1)] = None,
    storniert: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    """One booking with its tickets and what staff may do with it: record the payment (cash
    desk), cancel (facility management)."""
    found = search.order_detail(db, order_id)
    notice = ""
    if bezahlt:
        notice = gettext_("Payment recorded.")
    elif storniert:
        notice = gettext_("The booking was cancelled.")
    may_manage = state.principal.can(LEISURE_MANAGE)
    return render(
        request,
        "leisure/staff_order.html",
        state,
        found=found,
        when=_when(municipality, found),
        status=gettext_(STATUS_LABELS[found.status]),
        notice=notice,
        may_cash=state.principal.can(TICKETS_CASH),
        may_manage=may_manage,
        # The buyer's address is for facility management (complaints, closures), not the
        # cash desk.
        email=found.order.email if may_manage else None,
        shown_code=tickets.shown_code,
        euros=tickets.euros,
        zone_name=municipality.timezone,
        **layout.staff(
            request, municipality, state.principal, "freizeit/buchungen", gettext_("Booking")
        ),
    )


# ---- calendar ----------------------------------------------------------------------------


@office_pages.get("/{facility_id}/kalender")
def calendar(
    request: Request,
    facility_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    woche: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """A week of the facility's slots with sold, held and free places, each leading to its
    check-in list; `woche` is any day of the week (this week when none is given)."""
    facility = facilities.facility(db, facility_id)
    current = today(municipality)
    asked = parse_day(woche) if woche else current
    errors: dict[str, str] = {}
    if asked is None:
        errors["woche"] = gettext_("Please enter the date as DD.MM.YYYY.")
    elif not week.within_reach(asked, current):
        errors["woche"] = gettext_("Please choose a day within five years from today.")
    shown = week.week(
        db, facility, asked if asked is not None and not errors else current, municipality.timezone
    )
    return render(
        request,
        "leisure/staff_calendar.html",
        state,
        status_code=422 if errors else 200,
        facility=facility,
        week=shown,
        this_week=week.monday_of(current),
        value=field_value(woche) if errors else shown.monday.isoformat(),
        errors=errors,
        labels={"woche": gettext_("Show the week of")},
        weekdays=[gettext_(label) for _key, label in WEEKDAYS],
        zone_name=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "freizeit", gettext_("Calendar")),
    )


# ---- the facility's retention period -----------------------------------------------------


@office_pages.post("/{facility_id}/aufbewahrung")
def retention_period(
    request: Request,
    facility_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    """How many days after the visit the facility keeps its buyers' data."""
    facility = facilities.facility(db, facility_id)
    values = {"retention_days": form_text(form, "retention_days", 9)}

    def change() -> str:
        text = values["retention_days"].strip()
        days = int(text) if text.isdecimal() else None
        retention.set_period(db, facility, days, state.principal.actor)
        return f"/{municipality.slug}/verwaltung/freizeit/{facility.id}?erledigt=gespeichert"

    def again(errors: dict[str, str], status: int) -> Response:
        return setup_page(
            request, state, db, municipality, facility, today(municipality), values, errors, status
        )

    return submit(change, again)


# ---- daily cash report -------------------------------------------------------------------


def _cash_request(
    db: Session, municipality: Municipality, einrichtung: str, tag: str
) -> tuple[list[Facility], Facility | None, date | None, dict[str, str]]:
    found, facility = _choice(db, einrichtung)
    day = parse_day(tag) if tag else today(municipality)
    errors = {"tag": gettext_("Please enter the date as DD.MM.YYYY.")} if day is None else {}
    return found, facility, day, errors


def _amount(cents: int, language: str) -> str:
    """An amount that may be negative (a day with more paid back than taken)."""
    return ("−" if cents < 0 else "") + tickets.euros(abs(cents), language)


def _percent(basis_points: int, language: str) -> str:
    """A VAT rate as people write it: "7 %", "5,5 %" (German), "7%" (English)."""
    whole, rest = divmod(basis_points, 100)
    text = str(whole) if not rest else f"{whole}.{rest:02d}".rstrip("0")
    return f"{text}%" if language == "en" else f"{text.replace('.', ',')} %"


def _account_label(account: str) -> str:
    return account or gettext_("No cash desk account (cancelled online by the buyer)")


@office_pages.get("/kassenbericht")
def cash_report(
    request: Request,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    einrichtung: Annotated[str, Query(max_length=12)] = "",
    tag: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """What a facility's cash desk took and paid back on a day, per ticket and VAT rate."""
    found, facility, day, errors = _cash_request(db, municipality, einrichtung, tag)
    report = (
        reports.cash_report(db, facility, day, municipality.timezone)
        if facility is not None and day is not None
        else None
    )
    return render(
        request,
        "leisure/staff_cash.html",
        state,
        status_code=422 if errors else 200,
        facility_options=_options(found),
        facility=facility,
        day=day.isoformat() if day is not None else field_value(tag),
        report=report,
        errors=errors,
        labels={"tag": gettext_("Day"), "einrichtung": gettext_("Facility")},
        euros=tickets.euros,
        amount=_amount,
        percent=_percent,
        account_label=_account_label,
        **layout.staff(
            request,
            municipality,
            state.principal,
            "freizeit/kassenbericht",
            gettext_("Daily cash report"),
        ),
    )


@office_pages.get("/kassenbericht.csv")
def cash_report_csv(
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    einrichtung: Annotated[str, Query(max_length=12)] = "",
    tag: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    _found, facility, day, errors = _cash_request(db, municipality, einrichtung, tag)
    if errors or day is None:
        raise InvalidInput(gettext_("Please enter the date as DD.MM.YYYY."), errors=errors)
    if facility is None:
        raise NotFound(gettext_("There is no facility yet."))
    report = reports.cash_report(db, facility, day, municipality.timezone)
    shown_day = day.strftime("%d.%m.%Y")
    rows: list[list[str | int]] = [
        [
            shown_day,
            facility.name,
            _account_label(line.account),
            line.product,
            reports.percent_cell(line.vat_basis_points),
            line.sold,
            reports.euro_cell(line.taken_cents),
            line.refunded,
            reports.euro_cell(line.refunded_cents),
            reports.euro_cell(line.balance_cents),
            reports.euro_cell(reports.vat_in(line.balance_cents, line.vat_basis_points)),
        ]
        for line in report.lines
    ]
    rows.append(
        [
            shown_day,
            facility.name,
            "",
            gettext_("Total"),
            "",
            sum(line.sold for line in report.lines),
            reports.euro_cell(report.taken_cents),
            sum(line.refunded for line in report.lines),
            reports.euro_cell(report.refunded_cents),
            reports.euro_cell(report.balance_cents),
            reports.euro_cell(sum(v.vat_cents for v in report.vat)),
        ]
    )
    header = [
        gettext_("Day"),
        gettext_("Facility"),
        gettext_("Cash desk account"),
        gettext_("Ticket"),
        gettext_("VAT rate (%)"),
        gettext_("Sold"),
        gettext_("Taken (EUR)"),
        gettext_("Refunded"),
        gettext_("Refunds (EUR)"),
        gettext_("Balance (EUR)"),
        gettext_("Of which VAT (EUR)"),
    ]
    return _csv(reports.german_csv(header, rows), f"kassenbericht-{facility.slug}-{day}.csv")


def _spreadsheet_time(moment: datetime, timezone: str) -> str:
    """Local time as German spreadsheets read it: "03.12.2026 14:00"."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


def _csv(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


# ---- statistics export -------------------------------------------------------------------


def _statistics_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "leisure/staff_statistics.html",
        state,
        status_code=status_code,
        values=values,
        errors=errors or {},
        labels={k: gettext_(v) for k, v in PERIOD_LABELS.items()},
        facility_options=_options(facilities.facilities(db)),
        max_days=reports.MAX_STATISTICS_DAYS,
        **layout.staff(
            request,
            municipality,
            state.principal,
            "freizeit/statistik",
            gettext_("Booking statistics"),
        ),
    )


@office_pages.get("/statistik")
def statistics_form(
    request: Request, state: Manager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    current = today(municipality)
    values = {"von": current.replace(day=1).isoformat(), "bis": current.isoformat()}
    return _statistics_page(request, state, db, municipality, values)


@office_pages.get("/statistik.csv")
def statistics_csv(
    request: Request,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    einrichtung: Annotated[str, Query(max_length=12)] = "",
    von: Annotated[str, Query(max_length=12)] = "",
    bis: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """The facility's bookings of a period without personal data, as CSV; the form again
    (422) when the period is wrong."""
    values = {"einrichtung": einrichtung, "von": field_value(von), "bis": field_value(bis)}
    errors: dict[str, str] = {}
    facility_id = row_id(einrichtung)
    if facility_id is None:
        errors["einrichtung"] = gettext_("Please choose a facility from the list.")
    try:
        first, last = reports.statistics_period(parse_day(von), parse_day(bis))
    except InvalidInput as exc:
        errors |= field_errors(exc)
    if errors or facility_id is None:
        return _statistics_page(request, state, db, municipality, values, errors, 422)
    facility = facilities.facility(db, facility_id)
    rows: list[list[str | int]] = [
        [
            _spreadsheet_time(row.starts_at, municipality.timezone),
            _spreadsheet_time(row.ends_at, municipality.timezone),
            row.zone,
            row.product,
            gettext_(PRODUCT_LABELS.get(row.kind, row.kind)),
            gettext_(STATUS_LABELS[row.status]),
            row.tickets,
            row.places,
            reports.euro_cell(row.price_cents),
            reports.euro_cell(row.sum_cents),
        ]
        for row in reports.statistics(db, facility, first, last, municipality.timezone)
    ]
    header = [
        gettext_("Start"),
        gettext_("End"),
        gettext_("Zone"),
        gettext_("Ticket"),
        gettext_("Kind of ticket"),
        gettext_("Booking state"),
        gettext_("Tickets"),
        gettext_("Places booked"),
        gettext_("Price per ticket (EUR)"),
        gettext_("Sum (EUR)"),
    ]
    return _csv(reports.german_csv(header, rows), f"buchungen-{facility.slug}-{first}-{last}.csv")
