"""Mängelmelder pages: in the portal, a defect report with a map (a pin or an address) and
the public map of reports; in the back office, the list of reports and the part of a case page
that shows the report of its case and releases its photo."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.cases import services as cases
from smartcity.cases.interfaces import application
from smartcity.cases.models import Case
from smartcity.cases.pages import CaseSection, SectionAction, add_case_section
from smartcity.cases.permissions import CASES_READ
from smartcity.citizen import applications
from smartcity.citizen.applicant_view import StatusSection, add_status_section
from smartcity.citizen.models import Submission
from smartcity.core.errors import InvalidInput, NotFound, ServiceError
from smartcity.core.geojson import geojson_response, point
from smartcity.core.http.deps import MunicipalityDep, PlatformDep, PortalDep, TenantDbDep
from smartcity.core.http.rate_limit import anonymous_submission
from smartcity.core.mail.services import deliver_pending
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import (
    FormDep,
    PageDep,
    form_photo,
    form_text,
    photo_message,
    staff_page,
)
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.open311 import categories
from smartcity.open311 import services as reports
from smartcity.open311.map import report_features
from smartcity.open311.models import ServiceRequest

portal_pages = APIRouter(prefix="/{municipality}", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)
Reader = Annotated[WebState, Depends(staff_page(CASES_READ))]
MAX_DESCRIPTION = 4000


# ---- filing a report -------------------------------------------------------------------------


@portal_pages.get("/maengel")
def reports_map(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    features = report_features(db)
    return render(
        request,
        "open311/reports.html",
        state,
        reports=[f["properties"] for f in features],
        **layout.portal(request, municipality, "maengel", gettext_("Reported defects")),
    )


@portal_pages.get("/maengel/karte.geojson")
def reports_layer(state: PageDep, db: TenantDbDep) -> Response:
    return geojson_response(report_features(db))


@portal_pages.get("/maengel/melden")
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
        "open311/report_form.html",
        state,
        status_code=status_code,
        categories=offered,
        chosen=chosen,
        attributes=attributes,
        values=values,
        errors=errors,
        labels=labels,
        **layout.portal(request, municipality, "maengel", gettext_("Report a defect")),
    )


def _coordinate(text: str) -> float | None:
    try:
        return float(text.replace(",", ".")) if text else None
    except ValueError:
        return None


@portal_pages.post("/maengel/melden", dependencies=[Depends(anonymous_submission)])
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
    # checked with the other fields: a refused photo refuses the whole report
    picture, photo_error = form_photo(form, "photo", portal.limits, reports.PHOTO_TYPES)
    if photo_error:
        errors["photo"] = photo_error
    if errors:  # the summary names them in the form's order
        order = ["description", *(f"attribute-{a['code']}" for a in category.attributes)]
        order += ["address", "lat", "photo", "email"]
        errors = dict(
            sorted(errors.items(), key=lambda i: order.index(i[0]) if i[0] in order else 99)
        )
        return _report_page(request, state, db, municipality, code, values, errors, 422)
    try:
        with db.begin_nested():  # nothing of a report refused on the way stays stored
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
        "open311/report_filed.html",
        state,
        status_code=201,
        filed=filed,
        tracking_code=submission.tracking_code if submission else "",
        **layout.portal(request, municipality, "maengel", gettext_("Thank you for your report")),
    )


def _german(error: ServiceError) -> str:
    if error.status in (413, 415):
        return photo_message(error)
    if isinstance(error, InvalidInput) and "mail" in error.detail.lower():
        return gettext_("Please enter a valid e-mail address or leave the field empty.")
    return error.detail


# ---- the back office's list ---------------------------------------------------------------


@staff_pages.get("/maengel")
def defect_triage(
    request: Request,
    state: Reader,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    status: Annotated[str, Query(pattern=r"^(open|closed)$")] = "open",
) -> Response:
    """Reports whose cases this clerk may see, with where and what; the work happens in
    the case."""
    found = cases.inbox(
        db, state.principal, cases.InboxFilter(service="maengelmelder", limit=500)
    ).cases
    by_case = {
        r.case_id: r
        for r in db.scalars(
            select(ServiceRequest).where(ServiceRequest.case_id.in_([c.id for c in found]))
        )
    }
    closed = set(
        db.scalars(select(Case.id).where(Case.closed_at.is_not(None), Case.id.in_(by_case)))
    )
    rows = [
        (summary, by_case[summary.id])
        for summary in found
        if summary.id in by_case and (summary.id in closed) == (status == "closed")
    ]
    return render(
        request,
        "open311/defects.html",
        state,
        rows=rows,
        status=status,
        zone=municipality.timezone,
        **layout.staff(
            request, municipality, state.principal, "maengel", gettext_("Defect reports")
        ),
    )


# ---- the report in its case and on the reporter's status page ------------------------------


def _report_of(db: Session, case: Case) -> ServiceRequest | None:
    return db.scalar(select(ServiceRequest).where(ServiceRequest.case_id == case.id))


def _answers(db: Session, case: Case, report: ServiceRequest) -> list[tuple[str, str]]:
    """The answers to the category's own questions, as question and the chosen names (the
    report keeps the values' keys)."""
    given = application(db, case).data.get("attributes") or {}
    shown = []
    for attribute in sorted(report.category.attributes, key=lambda a: int(a["order"])):
        chosen = given.get(attribute["code"])
        if not attribute["variable"] or not chosen:
            continue
        names = {v["key"]: v["name"] for v in attribute["values"]}
        values = chosen if isinstance(chosen, list) else [chosen]
        shown.append(
            (attribute["description"], ", ".join(names.get(str(v), str(v)) for v in values))
        )
    return shown


def _report_values(db: Session, case: Case) -> dict[str, Any] | None:
    report = _report_of(db, case)
    if report is None:
        return None
    submission = db.get(Submission, case.submission_id)
    municipality = db.get(Municipality, case.municipality_id)
    code = submission.tracking_code if submission is not None else ""
    place = ""
    if report.lat is not None and municipality is not None and code:
        place = f"/{municipality.slug}/maengel/meldung/{code}.geojson"
    return {
        "report": report,
        "category": report.category,
        "answers": _answers(db, case, report),
        "center": (report.lat, report.lon),
        "place": place,
    }


def _status_values(db: Session, submission: Submission) -> dict[str, Any] | None:
    case = db.scalar(select(Case).where(Case.submission_id == submission.id))
    return None if case is None else _report_values(db, case)


@portal_pages.get("/maengel/meldung/{code}.geojson")
def report_place(
    code: Annotated[str, Path(max_length=40)], state: PageDep, db: TenantDbDep
) -> Response:
    """The place of one report, for the small map on its status page and in its case (the
    public map shows the same places)."""
    submission = applications.submission_by_code(db, code)
    case = db.scalar(select(Case).where(Case.submission_id == submission.id))
    report = _report_of(db, case) if case is not None else None
    if report is None or report.lat is None or report.lon is None:
        raise NotFound(gettext_("This report has no place on the map."))
    feature = point(
        report.lat,
        report.lon,
        {
            "kind": "report",
            "id": report.id,
            "title": report.category.name,
            "state": "open",
            "text": report.address or "",
        },
    )
    return geojson_response([feature])


def _show_photo(public: bool) -> SectionAction:
    def act(db: Session, case: Case, actor: str) -> None:
        report = _report_of(db, case)
        if report is None:
            raise InvalidInput(gettext_("This case has no defect report."))
        reports.show_photo(db, report, public, actor)

    return act


add_case_section(
    CaseSection(
        template="open311/case_report.html",
        values=_report_values,
        actions={"photo-show": _show_photo(True), "photo-hide": _show_photo(False)},
        replaces_answers=True,
    )
)
add_status_section(StatusSection(template="open311/status_report.html", values=_status_values))
