"""The back office's page for where a process happens and who may vote in it: the area as a
GeoJSON polygon (pasted or uploaded, no JavaScript needed), budgets per district, the
municipalities of the region that take part, and the eligibility rules; on the portal the
area as GeoJSON for the process page's map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from smartcity.core.errors import InvalidInput
from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, row_id
from smartcity.core.web.forms import submit
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.participation import areas, districts, eligibility, region, services, voting
from smartcity.participation.models import District, Process
from smartcity.participation.pages import (
    RULE_LABELS,
    TIE_LABELS,
    Manager,
    form_labels,
    parse_euros,
    parse_percent,
)

area_staff_pages = APIRouter(
    prefix="/{municipality}/verwaltung/beteiligung", include_in_schema=False
)
area_portal_pages = APIRouter(prefix="/{municipality}/beteiligung", include_in_schema=False)

RESIDENCE_LABELS = {
    "": _("Anybody (no rule on residence)"),
    "municipality": _("Residents of the municipality (of a participating one, region-wide)"),
    "district": _("Residents of one of the districts of the process (by postal code)"),
}
DISTRICT_RULE_LABELS = {
    "residence": _("Citizen login: the district of the voter's address"),
    "choice": _("The voter chooses the district"),
}
LABELS = {
    "area": _("Area (GeoJSON)"),
    "name": _("Name of the district"),
    "postal_codes": _("Postal codes of the district"),
    "participants": _("Participating municipalities"),
    "min_age": _("Minimum age"),
    "residence": _("Residence"),
    "district_rule": _("District of a voter"),
    "district": _("District"),
    "district_area": _("Area of the district (GeoJSON)"),
}
# The services' messages, listed so that the catalogue has them (shown with `gettext_`).
SERVICE_MESSAGES = (
    _("The area must be a GeoJSON object."),
    _("The FeatureCollection has no features."),
    _("The area must be a Polygon or MultiPolygon (or features of them)."),
    _("Each ring of the polygon needs at least four positions."),
    _("Each position must be a pair of numbers: longitude, latitude."),
    _(
        "A position lies outside WGS84 (longitude -180 to 180, latitude -90 to 90); "
        "GeoJSON takes longitude first."
    ),
    _("A ring of the polygon is not closed: its last position must be its first."),
    _("The polygon has no coordinates."),
    _("The area is larger than 1 MB. Please simplify it."),
    _("The area is not valid JSON."),
    _("The area has more than 20,000 points. Please simplify it."),
    _("The polygon's edges cross or touch each other, or a hole lies outside it."),
    _("The polygon has no area."),
    _("This place lies outside the area of this process."),
    _("Postal codes have five digits."),
    _("Please name the district."),
    _("Please use at most 100 characters for the name."),
    _("Please enter the district's budget."),
    _("Please set up the participatory budget of the process first."),
    _("This process has a district of this name already."),
    _("There is no such district in this process."),
    _("Only other municipalities of the same region can take part."),
    _("Please give an age between 0 and 120."),
    _("Please choose where voters must live."),
    _("Residence in a district needs the districts of the process first."),
    _("Please choose how a voter's district is decided."),
    _(
        "Your citizen login does not tell us your date of birth, which this vote needs "
        "because of its minimum age. Please sign in with your online ID (eID)."
    ),
    _("You are not old enough to take part in this vote."),
    _(
        "Your citizen login does not tell us where you live, which this vote needs. "
        "Please sign in with your online ID (eID)."
    ),
    _("This vote is open only to residents of its municipalities."),
    _("This vote is open only to residents of its districts."),
    _(
        "Your address is in none of the districts of this vote, so we cannot tell "
        "which district's budget you vote in."
    ),
    _("You vote in the budget of the district you live in."),
    _("Please choose the district whose budget you vote in."),
)


def _all_labels() -> dict[str, str]:
    return {**form_labels(), **{name: gettext_(label) for name, label in LABELS.items()}}


def _base(municipality: Municipality, process: Process) -> str:
    return f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}"


def _geojson_field(form: FormData, text_name: str, file_name: str) -> str:
    """The GeoJSON a form sent: an uploaded file when one was chosen, else the pasted text."""
    upload = form.get(file_name)
    if isinstance(upload, UploadFile) and upload.filename:
        raw = upload.file.read(areas.MAX_BYTES + 1)
        if len(raw) > areas.MAX_BYTES:
            message = "The area is larger than 1 MB. Please simplify it."
            raise InvalidInput(message, errors={"area": message})
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            message = "The area is not valid JSON."
            raise InvalidInput(message, errors={"area": message}) from None
    value = form.get(text_name)
    return value if isinstance(value, str) else ""


def _district_values(district: District | None) -> dict[str, str]:
    if district is None:
        return {
            "name": "",
            "budget": "",
            "rule": "approval",
            "max_choices": "3",
            "tie_break": "lower_cost",
            "min_share_percent": "0",
            "partial_funding": "no",
            "postal_codes": "",
            "district_area": "",
        }
    return {
        "name": district.name,
        "budget": f"{district.budget_cents / 100:.2f}",
        "rule": district.rule,
        "max_choices": str(district.max_choices),
        "tie_break": district.tie_break,
        "min_share_percent": str(district.min_share_percent),
        "partial_funding": "yes" if district.partial_funding else "no",
        "postal_codes": " ".join(district.postal_codes),
        "district_area": areas.text(district.area_geojson),
    }


def _page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    process: Process,
    errors: dict[str, str],
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    form_of: str = "",
    edit: District | None = None,
) -> Response:
    """The page; after a refused form `values` keep what was typed into the form `form_of`
    ("area", "rules" or "district"). One district form at a time: `edit`'s, else a new one."""
    values = values or {}
    found = districts.districts(db, process)
    projects = voting.ballot_projects(db, process)
    return render(
        request,
        "participation/staff_area.html",
        state,
        status_code=status_code,
        process=process,
        base=_base(municipality, process),
        public=f"/{municipality.slug}/beteiligung/{process.slug}",
        frozen=services.voting_started(db, process),
        area=values.get("area", areas.text(process.area_geojson))
        if form_of == "area"
        else areas.text(process.area_geojson),
        districts=found,
        edit=edit,
        district_values=values if form_of == "district" else _district_values(edit),
        candidates=region.candidates(db, municipality),
        participants={m.slug for m in region.participants(db, process)},
        rules_values=values
        if form_of == "rules"
        else {
            "min_age": "" if process.min_age is None else str(process.min_age),
            "residence": process.residence,
            "district_rule": process.district_rule,
        },
        residences=[(k, gettext_(v)) for k, v in RESIDENCE_LABELS.items()],
        district_rules=[(k, gettext_(v)) for k, v in DISTRICT_RULE_LABELS.items()],
        rules=[(k, gettext_(v)) for k, v in RULE_LABELS.items()],
        ties=[(k, gettext_(v)) for k, v in TIE_LABELS.items()],
        partial_options=[
            ("no", gettext_("No: only projects that fit the remaining budget are funded")),
            ("yes", gettext_("Yes: the first project that no longer fits gets the rest")),
        ],
        projects=[
            (
                p,
                p.district_id
                or (
                    d.id
                    if p.lat is not None
                    and p.lon is not None
                    and (d := districts.district_at(found, p.lat, p.lon)) is not None
                    else None
                ),
            )
            for p in projects
        ],
        form_of=form_of,
        errors=errors,
        labels=_all_labels(),
        **layout.staff(
            request, municipality, state.principal, "beteiligung", gettext_("Area and districts")
        ),
    )


@area_staff_pages.get("/{slug}/gebiet")
def area_page(
    request: Request,
    slug: str,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    bezirk: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """`bezirk`: the district whose form the page shows (else the form for a new one)."""
    process = services.process_by_slug(db, slug)
    district_id = row_id(bezirk) if bezirk else None
    edit = districts.district_of(db, process, district_id) if district_id is not None else None
    return _page(request, state, db, municipality, process, {}, edit=edit)


@area_staff_pages.post("/{slug}/gebiet")
def save_area(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    typed = {"area": form.get("area") if isinstance(form.get("area"), str) else ""}

    def change() -> str:
        text = _geojson_field(form, "area", "area_file")
        districts.set_area(db, process, text, actor=state.principal.actor)
        return f"{_base(municipality, process)}/gebiet#gebiet"

    def again(errors: dict[str, str], status: int) -> Response:
        return _page(request, state, db, municipality, process, errors, status, typed, "area")

    return submit(change, again)


@area_staff_pages.post("/{slug}/region")
def save_region(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    chosen = [v[:63] for v in form.getlist("participant") if isinstance(v, str)]

    def change() -> str:
        region.share(db, process, municipality, chosen, actor=state.principal.actor)
        return f"{_base(municipality, process)}/gebiet#region"

    def again(errors: dict[str, str], status: int) -> Response:
        return _page(request, state, db, municipality, process, errors, status)

    return submit(change, again, answered={services.RulesFrozen: "participants"})


@area_staff_pages.post("/{slug}/teilnahme")
def save_eligibility(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    values = {name: form_text(form, name, 20) for name in ("min_age", "residence", "district_rule")}

    def change() -> str:
        age = values["min_age"]
        if age and not (age.isascii() and age.isdecimal() and len(age) <= 3):
            message = "Please give an age between 0 and 120."
            raise InvalidInput(message, errors={"min_age": message})
        eligibility.set_rules(
            db,
            process,
            min_age=int(age) if age else None,
            residence=values["residence"],
            district_rule=values["district_rule"],
            actor=state.principal.actor,
        )
        return f"{_base(municipality, process)}/gebiet#teilnahme"

    def again(errors: dict[str, str], status: int) -> Response:
        return _page(request, state, db, municipality, process, errors, status, values, "rules")

    return submit(change, again, answered={services.RulesFrozen: "min_age"})


def _district_input(form: FormData, values: dict[str, str]) -> districts.DistrictInput:
    try:
        budget = parse_euros(values["budget"])
    except InvalidInput:
        raise InvalidInput("form", errors={"budget": "Please enter an amount."}) from None
    return districts.DistrictInput(
        name=values["name"],
        budget_cents=budget,
        rule=values["rule"],
        max_choices=row_id(values["max_choices"]) or 0,
        tie_break=values["tie_break"],
        min_share_percent=parse_percent(values["min_share_percent"]),
        partial_funding=values["partial_funding"] == "yes",
        postal_codes=values["postal_codes"].replace(",", " ").split(),
        area=_geojson_field(form, "district_area", "district_area_file"),
    )


DISTRICT_FIELDS = (
    "name",
    "budget",
    "rule",
    "max_choices",
    "tie_break",
    "min_share_percent",
    "partial_funding",
)


def _district_form(form: FormData) -> dict[str, str]:
    values = {name: form_text(form, name, 100) for name in DISTRICT_FIELDS}
    values["postal_codes"] = form_text(form, "postal_codes", 2000)
    area = form.get("district_area")
    values["district_area"] = area if isinstance(area, str) else ""
    return values


def _district_errors(errors: dict[str, str]) -> dict[str, str]:
    """The district form's own name for the area field (the process's area has "area")."""
    return {("district_area" if k == "area" else k): v for k, v in errors.items()}


@area_staff_pages.post("/{slug}/bezirke")
def add_district(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    return _save_district(request, slug, None, state, form, db, municipality)


@area_staff_pages.post("/{slug}/bezirke/{district_id}")
def change_district(
    request: Request,
    slug: str,
    district_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    return _save_district(request, slug, district_id, state, form, db, municipality)


def _save_district(
    request: Request,
    slug: str,
    district_id: int | None,
    state: WebState,
    form: FormData,
    db: Session,
    municipality: Municipality,
) -> Response:
    """Adds a district (`district_id` None) or changes or removes one of the process's."""
    process = services.process_by_slug(db, slug)
    district = districts.district_of(db, process, district_id) if district_id is not None else None
    values = _district_form(form)
    remove = district is not None and form_text(form, "action", 20) == "remove"

    def change() -> str:
        if district is not None and remove:
            districts.remove_district(db, process, district, actor=state.principal.actor)
        else:
            districts.save_district(
                db,
                process,
                _district_input(form, values),
                actor=state.principal.actor,
                district=district,
            )
        return f"{_base(municipality, process)}/gebiet#bezirke"

    def again(errors: dict[str, str], status: int) -> Response:
        return _page(
            request,
            state,
            db,
            municipality,
            process,
            _district_errors(errors),
            status,
            values,
            "district",
            district,
        )

    return submit(change, again, answered={services.RulesFrozen: "name"})


@area_staff_pages.post("/{slug}/projektbezirke")
def save_project_districts(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    process = services.process_by_slug(db, slug)

    def change() -> str:
        for proposal in voting.ballot_projects(db, process):
            value = form_text(form, f"district-{proposal.id}", 20)
            districts.set_project_district(
                db,
                process,
                proposal,
                row_id(value) if value else None,
                actor=state.principal.actor,
            )
        return f"{_base(municipality, process)}/gebiet#projekte"

    def again(errors: dict[str, str], status: int) -> Response:
        return _page(request, state, db, municipality, process, errors, status)

    return submit(change, again, answered={services.RulesFrozen: "district"})


@area_portal_pages.get("/{slug}/gebiet.geojson")
def area_geojson(slug: str, state: PageDep, db: TenantDbDep) -> Response:
    """The process's area and its districts' areas, for the map (the page says the same in
    text: the names of the area and of the districts)."""
    process = services.process_by_slug(db, slug)
    features: list[dict[str, Any]] = []
    if process.area_geojson is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": process.area_geojson,
                "properties": {"kind": "area", "title": process.area or process.title},
            }
        )
    for district in districts.districts(db, process):
        if district.area_geojson is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": district.area_geojson,
                    "properties": {"kind": "district", "id": district.id, "title": district.name},
                }
            )
    # Outlines change rarely: a short cache spares a phone the download on each visit.
    return JSONResponse(
        {"type": "FeatureCollection", "features": features},
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=300"},
    )
