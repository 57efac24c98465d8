"""Water-meter pages: the portal's reading form of the Stadtwerke with its receipt, and the
back office's review queue of flagged readings."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, ServiceError
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, PortalDep, TenantDbDep
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.mail.services import deliver_pending
from smartcity.core.web import layout
from smartcity.core.web.dates import field_value
from smartcity.core.web.deps import (
    FormDep,
    PageDep,
    form_photo,
    form_text,
    photo_message,
    staff_page,
)
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.watermeter import services as watermeter
from smartcity.watermeter.permissions import WATERMETER_MANAGE

portal_pages = APIRouter(prefix="/{municipality}", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)
Reviewer = Annotated[WebState, Depends(staff_page(WATERMETER_MANAGE))]

# ---- the reading form ----------------------------------------------------------------------

WATER_LABELS = {
    "meter_number": _("Meter number"),
    "reading": _("Meter reading in m³"),
    "read_on": _("Date of reading"),
    "email": _("E-mail address for the receipt"),
    "photo": _("Photo of the meter"),
}


# Why a reading looks wrong, as the citizen reads it: without the meter's earlier readings,
# which are not theirs to see if they mistyped the meter number.
IMPLAUSIBLE = {
    "zero": _("The reading is the same as at the last reading: no water would have been used."),
    "rate": _("The reading gives a consumption far higher or lower than usual for this meter."),
    "per_person": _("The reading gives more than 300 litres per person and day."),
    "lower": _("The reading is lower than at the last reading."),
}


def _water_page(
    request: Request,
    state: WebState,
    municipality: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    implausible: list[str] | None = None,
) -> Response:
    return render(
        request,
        "watermeter/water_meter.html",
        state,
        status_code=status_code,
        values=values,
        errors=errors,
        implausible=[
            gettext_(IMPLAUSIBLE[code]) for code in implausible or [] if code in IMPLAUSIBLE
        ],
        labels={k: gettext_(v) for k, v in WATER_LABELS.items()},
        **layout.portal(request, municipality, "", gettext_("Submit a water meter reading")),
    )


@portal_pages.get("/wasserzaehler")
def water_meter_form(request: Request, state: PageDep, municipality: MunicipalityDep) -> Response:
    today = utcnow().astimezone(ZoneInfo(municipality.timezone)).date().isoformat()
    return _water_page(request, state, municipality, {"read_on": today}, {})


@portal_pages.post("/wasserzaehler", dependencies=[Depends(anonymous_submission)])
def water_meter_submit(
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    background: BackgroundTasks,
) -> Response:
    values = {
        name: form_text(form, name, 320) for name in ("meter_number", "reading", "read_on", "email")
    }
    # A date field is filled again with ISO, the only value its date picker takes.
    values["read_on"] = field_value(values["read_on"])
    missing = {
        name: message
        for name, message in (
            ("meter_number", gettext_("Please enter the meter number.")),
            ("reading", gettext_("Please enter the meter reading.")),
            ("read_on", gettext_("Please enter the date of the reading.")),
        )
        if not values[name]
    }
    picture, photo_error = form_photo(form, "photo", portal.limits, watermeter.IMAGE_TYPES)
    # The confirmation holds for the reading the citizen was shown, not for a corrected one.
    confirmed = form_text(form, "confirmed") == "yes" and (
        form_text(form, "confirmed_reading", 20),
        form_text(form, "confirmed_meter", 40),
    ) == (values["reading"][:20], values["meter_number"][:40])
    today = utcnow().astimezone(ZoneInfo(municipality.timezone)).date()
    try:  # checks every field and stores nothing unless all are right
        with db.begin_nested():  # nor when storing the photo fails (a scanner's finding)
            entry, _meter = watermeter.submit_reading(
                db,
                portal,
                municipality,
                meter_number=values["meter_number"][:40],
                reading_text=values["reading"][:20],
                read_on_text=values["read_on"][:10],
                email=values["email"],
                photo=picture,
                today=today,
                confirmed=confirmed,
            )
    except watermeter.ImplausibleReading as exc:
        return _water_page(
            request,
            state,
            municipality,
            values,
            {},
            200,
            implausible=[flag.code for flag in exc.flags],
        )
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        if exc.errors:
            found = dict(exc.errors)
        elif exc.status in (413, 415):
            found = {"photo": photo_message(exc)}
        else:  # an unknown meter number
            found = {"meter_number": exc.detail}
        found.update(missing)
        if photo_error:
            found["photo"] = photo_error
        order = ("meter_number", "reading", "read_on", "photo", "email")
        found = dict(sorted(found.items(), key=lambda i: order.index(i[0]) if i[0] in order else 9))
        return _water_page(request, state, municipality, values, found, 422)
    if entry.contact_email:
        background.add_task(deliver_pending, platform)
    return RedirectResponse(
        f"/{municipality.slug}/wasserzaehler/{entry.tracking_code}", status_code=303
    )


@portal_pages.get("/wasserzaehler/{code}")
def water_meter_receipt(
    code: Annotated[str, Path(min_length=8, max_length=30)],
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
) -> Response:
    entry, meter = watermeter.reading_by_code(db, code)
    receipt = watermeter.receipt_of(portal, municipality, entry, meter)
    pdf = f"/{municipality.slug}/api/v1/watermeter/readings/{entry.tracking_code}/receipt.pdf"
    return render(
        request,
        "watermeter/water_receipt.html",
        state,
        receipt=receipt,
        pdf=pdf,
        **layout.portal(request, municipality, "", gettext_("Your meter reading")),
    )


# ---- the review queue ------------------------------------------------------------------------


@staff_pages.get("/wasserzaehler")
def water_review(
    request: Request,
    state: Reviewer,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    return _review_page(request, state, db, municipality, {})


def _review_page(
    request: Request,
    state: WebState,
    db: Any,
    municipality: Any,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "watermeter/water_review.html",
        state,
        status_code=status_code,
        readings=watermeter.readings(db, "flagged", 200, 0),
        errors=errors,
        **layout.staff(
            request, municipality, state.principal, "wasserzaehler", gettext_("Water meter review")
        ),
    )


@staff_pages.post("/wasserzaehler/{reading_id}")
def water_decide(
    reading_id: IdPath,
    request: Request,
    state: Reviewer,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    decision = form_text(form, "decision")
    note = form_text(form, f"note-{reading_id}", 1000) or None
    consumption_text = form_text(form, f"consumption-{reading_id}", 20).replace(",", ".")
    try:
        if decision not in ("confirm", "reject"):
            raise InvalidInput(gettext_("Please confirm or reject the reading."))
        try:
            consumption = float(consumption_text) if consumption_text else None
        except ValueError:
            raise InvalidInput(gettext_("Please give the consumption in m³ as a number.")) from None
        watermeter.review(db, reading_id, decision, note, consumption, state.principal.actor)
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        return _review_page(request, state, db, municipality, {str(reading_id): exc.detail}, 422)
    return RedirectResponse(f"/{municipality.slug}/verwaltung/wasserzaehler", status_code=303)
