"""The course pages. Portal: a course with its dates and free places, booked as a whole
series or per date. Back office: the facility's courses with their dates, and a form to add
one. Both work without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from smartcity.citizen.deps import CitizenDep
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, row_id
from smartcity.core.web.forms import submit
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.leisure import booking, courses, facilities, tickets
from smartcity.leisure.models import Facility
from smartcity.leisure.pages import Manager, _cents, _int, _percent

course_portal_pages = APIRouter(prefix="/{municipality}/freizeit", include_in_schema=False)
course_office_pages = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)

# The value of the date choice for the whole series.
SERIES = "reihe"
BOOKING_LABELS = {
    "date": _("Dates"),
    "count": _("Participants"),
    "email": _("E-mail address"),
}
COURSE_LABELS = {
    "course_name": _("Name of the course"),
    "course_zone": _("Zone"),
    "course_capacity": _("Places per date"),
    "course_price": _("Price of the whole series in euros"),
    "date_price": _("Price of one date in euros"),
    "course_vat": _("VAT rate in percent"),
    "dates": _("Dates"),
    "course_duration": _("Length of a date (minutes)"),
}


def _course_page(
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
    product = courses.course(db, facility, product_id)
    dates = courses.dates_of(db, product.id)
    zone_id = facilities.zone_ids_of(product.zone_ids)[0]
    zone = next((z for z in facilities.zones(db, facility.id) if z.id == zone_id), None)
    now = utcnow()
    return render(
        request,
        "leisure/course.html",
        state,
        status_code=status_code,
        facility=facility,
        product=product,
        zone=zone,
        dates=dates,
        free=courses.free,
        series_free=courses.series_free(dates),
        series_open=bool(dates) and dates[0].starts_at > now,
        now=now,
        series=SERIES,
        values=values or {"date": SERIES, "count": "1"},
        errors=errors,
        labels={k: gettext_(v) for k, v in BOOKING_LABELS.items()},
        euros=tickets.euros,
        signed_in=signed_in,
        zone_name=municipality.timezone,
        **layout.portal(request, municipality, "freizeit", product.name),
    )


@course_portal_pages.get("/{slug}/kurse/{product_id}")
def course_page(
    request: Request,
    slug: str,
    product_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenDep,
) -> Response:
    facility = facilities.facility_by_slug(db, slug)
    return _course_page(
        request, state, db, municipality, facility, product_id, {}, {}, signed_in=bool(citizen)
    )


@course_portal_pages.post("/{slug}/kurse/{product_id}")
def book_course(
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
    values = {
        "date": form_text(form, "date", 12),
        "count": form_text(form, "count", 3),
        "email": form_text(form, "email", 254),
    }
    # Not a date of the course: -1, refused with the form's other mistakes.
    date_id = None if values["date"] in (SERIES, "") else (row_id(values["date"]) or -1)

    def change() -> str:
        order = courses.book(
            db,
            municipality,
            facility,
            courses.CourseBooking(
                product_id=product_id,
                date_id=date_id,
                count=_int(values["count"]),
                email=values["email"],
                citizen_subject=citizen,
                language=state.language,
            ),
            platform.settings.require_secret_key(),
        )
        path = f"/{municipality.slug}/freizeit/bestellung/{order.code}"
        found = booking.tickets_of(db, order)
        dates = courses.dates_in_words(db, found[0][0], municipality.timezone)
        when = (
            dates[0]
            if len(dates) == 1
            else gettext_("%(first)s, %(total)s dates in all")
            % {"first": dates[0], "total": len(dates)}
        )
        booking.confirmation_mail(
            db, municipality, order, facility, when, platform.settings.effective_public_url + path
        )
        return path

    def again(errors: dict[str, str], status: int) -> Response:
        return _course_page(
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

    # A full date (409): shown beside the choice of dates.
    return submit(change, again, answered={Conflict: "date"})


def _office(
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
    zones = facilities.zones(db, facility.id)
    found = courses.of_facility(db, facility.id, active_only=False)
    dates = courses.dates_of_courses(db, [course.id for course in found])
    return render(
        request,
        "leisure/staff_courses.html",
        state,
        status_code=status_code,
        facility=facility,
        courses=[(course, dates[course.id]) for course in found],
        zones=[(str(z.id), z.name) for z in zones],
        values=values or {"course_vat": "7", "course_duration": "45"},
        errors=errors or {},
        labels={k: gettext_(v) for k, v in COURSE_LABELS.items()},
        euros=tickets.euros,
        notice=notice,
        zone_name=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "freizeit", facility.name),
    )


@course_office_pages.get("/freizeit/{facility_id}/kurse")
def course_list(
    request: Request,
    facility_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    erledigt: str | None = None,
) -> Response:
    facility = facilities.facility(db, facility_id)
    notice = gettext_("The course was added.") if erledigt == "1" else ""
    return _office(request, state, db, municipality, facility, notice=notice)


@course_office_pages.post("/freizeit/{facility_id}/kurse")
def course_create(
    request: Request,
    facility_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    facility = facilities.facility(db, facility_id)
    values = {n: form_text(form, n, 3000 if n == "dates" else 200) for n in COURSE_LABELS}
    # Left empty: only the whole series; not an amount: -1, refused with the other mistakes.
    date_price = _cents(values["date_price"]) if values["date_price"] else None
    if values["date_price"] and date_price is None:
        date_price = -1

    def change() -> str:
        courses.create(
            db,
            facility,
            courses.CourseInput(
                name=values["course_name"],
                zone_id=row_id(values["course_zone"]),
                capacity=_int(values["course_capacity"]),
                price_cents=_cents(values["course_price"]),
                date_price_cents=date_price,
                vat_basis_points=_percent(values["course_vat"]),
                dates=values["dates"],
                duration_minutes=_int(values["course_duration"]),
            ),
            timezone=municipality.timezone,
            actor=state.principal.actor,
        )
        return f"/{municipality.slug}/verwaltung/freizeit/{facility.id}/kurse?erledigt=1"

    def again(errors: dict[str, str], status: int) -> Response:
        return _office(request, state, db, municipality, facility, values, errors, status)

    return submit(change, again)
