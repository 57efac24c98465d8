"""Citizen portal, city services: defect reports with a map (a pin or an address) and the
public map of reports, car parks with free spaces, the benches' air quality, and the
water-meter reading of the Stadtwerke."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from smartcity.benches import services as benches
from smartcity.cases.models import Case
from smartcity.citizen.models import Submission
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, ServiceError
from smartcity.core.http.deps import MunicipalityDep, PlatformDep, PortalDep, TenantDbDep
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.mail.services import deliver_pending
from smartcity.core.web.deps import FormDep, PageDep, form_text
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.open311 import categories, reports
from smartcity.parking import occupancy
from smartcity.watermeter import services as watermeter
from smartcity.web import layout, maplayers

router = APIRouter(prefix="/{municipality}", include_in_schema=False)
MAX_DESCRIPTION = 4000


# ---- defect reports ----------------------------------------------------------------------


@router.get("/maengel")
def reports_map(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    features = maplayers.report_features(db)
    return render(
        request,
        "portal/reports.html",
        state,
        reports=[f["properties"] for f in features],
        **layout.portal(municipality, "maengel", gettext_("Reported defects")),
    )


@router.get("/maengel/karte.geojson")
def reports_layer(state: PageDep, db: TenantDbDep) -> Response:
    return maplayers.geojson_response(maplayers.report_features(db))


@router.get("/maengel/melden")
def report_form(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    kategorie: Annotated[str, Query(max_length=63)] = "",
) -> Response:
    return _report_page(request, state, db, municipality, kategorie, {}, {})


def _report_page(
    request: Request,
    state: WebState,
    db: Any,
    municipality: Any,
    code: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    offered = categories.all_categories(db)
    chosen = next((c for c in offered if c.service_code == code), None)
    attributes = [
        {**a, "options": [(v["key"], v["name"]) for v in a["values"]]}
        for a in sorted(chosen.attributes if chosen else [], key=lambda a: int(a["order"]))
        if a["variable"]
    ]
    labels = {
        "description": gettext_("What is wrong?"),
        "address": gettext_("Where? Address or description of the place"),
        "lat": gettext_("Latitude"),
        "photo": gettext_("Photo"),
        "email": gettext_("E-mail address"),
        **{f"attribute-{a['code']}": a["description"] for a in attributes},
    }
    return render(
        request,
        "portal/report_form.html",
        state,
        status_code=status_code,
        categories=offered,
        chosen=chosen,
        attributes=attributes,
        values=values,
        errors=errors,
        labels=labels,
        **layout.portal(municipality, "maengel", gettext_("Report a defect")),
    )


def _coordinate(text: str) -> float | None:
    try:
        return float(text.replace(",", ".")) if text else None
    except ValueError:
        return None


@router.post("/maengel/melden", dependencies=[Depends(anonymous_submission)])
def file_report(
    request: Request,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
    background: BackgroundTasks,
) -> Response:
    code = form_text(form, "kategorie", 63)
    values: dict[str, Any] = {
        name: form_text(form, name, MAX_DESCRIPTION)
        for name in ("description", "address", "lat", "lon", "email")
    }
    errors: dict[str, str] = {}
    category = next((c for c in categories.all_categories(db) if c.service_code == code), None)
    if category is None:
        return RedirectResponse(f"/{municipality.slug}/maengel/melden", status_code=303)
    lat, lon = _coordinate(values["lat"]), _coordinate(values["lon"])
    if (values["lat"] or values["lon"]) and (
        lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        errors["lat"] = gettext_("Please set the place on the map or enter valid coordinates.")
    if lat is None and lon is None and not values["address"]:
        errors["address"] = gettext_(
            "Please tell us where: set a pin on the map or describe the place."
        )
    if len(values["address"]) > 300:
        errors["address"] = gettext_("Please describe the place in at most 300 characters.")
    if not values["description"]:
        errors["description"] = gettext_("Please describe what is wrong.")
    answers: dict[str, list[str]] = {}
    for attribute in category.attributes:
        if not attribute["variable"]:
            continue
        given = [v for v in form.getlist(f"attribute-{attribute['code']}") if isinstance(v, str)]
        given = [v.strip() for v in given if v.strip()]
        if given:
            answers[attribute["code"]] = given
            values[f"attribute-{attribute['code']}"] = given
        elif attribute["required"]:
            errors[f"attribute-{attribute['code']}"] = gettext_("Please answer “%(question)s”.") % {
                "question": attribute["description"]
            }
    photo = form.get("photo")
    picture = None
    if isinstance(photo, UploadFile) and photo.filename:
        picture = (photo.filename, photo.file.read(portal.limits.max_bytes + 1))
    if errors:
        return _report_page(request, state, db, municipality, code, values, errors, 422)
    try:
        filed = reports.file_report(
            db,
            portal,
            municipality,
            reports.NewReport(
                service_code=code,
                lat=lat,
                long=lon,
                address_string=values["address"],
                description=values["description"],
                email=values["email"] or None,
                attributes=answers,
                photo=picture,
            ),
        )
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        field = "photo" if exc.status in (413, 415) or "photo" in exc.detail.lower() else ""
        if "mail" in exc.detail.lower():
            field = "email"
        errors[field or "description"] = _german(exc)
        return _report_page(request, state, db, municipality, code, values, errors, 422)
    if values["email"]:
        background.add_task(deliver_pending, platform)
    case = db.get(Case, filed.request.case_id) if filed.request.case_id else None
    submission = db.get(Submission, case.submission_id) if case else None
    return render(
        request,
        "portal/report_filed.html",
        state,
        status_code=201,
        filed=filed,
        tracking_code=submission.tracking_code if submission else "",
        **layout.portal(municipality, "maengel", gettext_("Thank you for your report")),
    )


def _german(error: ServiceError) -> str:
    if error.status == 413:
        return gettext_("The photo is too large.")
    if error.status == 415:
        return gettext_("Please send the photo as JPEG or PNG.")
    if isinstance(error, InvalidInput) and "mail" in error.detail.lower():
        return gettext_("Please enter a valid e-mail address or leave the field empty.")
    return error.detail


# ---- parking ---------------------------------------------------------------------------


@router.get("/parken")
def parking(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    found = occupancy.of_car_parks(db, occupancy.all_car_parks(db))
    return render(
        request,
        "portal/parking.html",
        state,
        car_parks=found,
        zone=municipality.timezone,
        **layout.portal(municipality, "parken", gettext_("Parking")),
    )


@router.get("/parken/karte.geojson")
def parking_layer(state: PageDep, db: TenantDbDep) -> Response:
    return maplayers.geojson_response(maplayers.car_park_features(db))


# ---- benches ---------------------------------------------------------------------------


@router.get("/umwelt")
def environment(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    statuses = benches.statuses(db, benches.all_benches(db))
    return render(
        request,
        "portal/environment.html",
        state,
        benches=statuses,
        zone=municipality.timezone,
        **layout.portal(municipality, "umwelt", gettext_("Air and climate")),
    )


@router.get("/umwelt/karte.geojson")
def benches_layer(state: PageDep, db: TenantDbDep) -> Response:
    return maplayers.geojson_response(maplayers.bench_features(db, state.language))


# ---- water meter -------------------------------------------------------------------------

WATER_LABELS = {
    "meter_number": _("Meter number"),
    "reading": _("Meter reading in m³"),
    "read_on": _("Date of reading"),
    "email": _("E-mail address for the receipt"),
    "photo": _("Photo of the meter"),
}


def _water_page(
    request: Request,
    state: WebState,
    municipality: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "portal/water_meter.html",
        state,
        status_code=status_code,
        values=values,
        errors=errors,
        labels={k: gettext_(v) for k, v in WATER_LABELS.items()},
        **layout.portal(municipality, "", gettext_("Submit a water meter reading")),
    )


@router.get("/wasserzaehler")
def water_meter_form(request: Request, state: PageDep, municipality: MunicipalityDep) -> Response:
    today = utcnow().astimezone(ZoneInfo(municipality.timezone)).date().isoformat()
    return _water_page(request, state, municipality, {"read_on": today}, {})


@router.post("/wasserzaehler", dependencies=[Depends(anonymous_submission)])
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
    errors: dict[str, str] = {}
    for name, message in (
        ("meter_number", gettext_("Please enter the meter number.")),
        ("reading", gettext_("Please enter the meter reading.")),
        ("read_on", gettext_("Please enter the date of the reading.")),
    ):
        if not values[name]:
            errors[name] = message
    if errors:
        return _water_page(request, state, municipality, values, errors, 422)
    photo = form.get("photo")
    picture = None
    if isinstance(photo, UploadFile) and photo.filename:
        picture = (photo.filename, photo.file.read(portal.limits.max_bytes + 1))
    today = utcnow().astimezone(ZoneInfo(municipality.timezone)).date()
    try:
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
        )
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        if exc.errors:
            found = exc.errors
        elif exc.status in (413, 415):
            found = {"photo": _german(exc)}
        else:  # an unknown meter number
            found = {"meter_number": exc.detail}
        return _water_page(request, state, municipality, values, found, 422)
    if entry.contact_email:
        background.add_task(deliver_pending, platform)
    return RedirectResponse(
        f"/{municipality.slug}/wasserzaehler/{entry.tracking_code}", status_code=303
    )


@router.get("/wasserzaehler/{code}")
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
        "portal/water_receipt.html",
        state,
        receipt=receipt,
        pdf=pdf,
        **layout.portal(municipality, "", gettext_("Your meter reading")),
    )
