"""The energy manager's pages in the back office: the buildings with their consumption per
year against the previous year and the reference values, the CSV import of meter readings
and the CSV export of the report; per building its meters, consumption per month (a chart
drawn on the server and the same numbers as a table), and what looks wrong."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from smartcity.cases.models import Case
from smartcity.cases.permissions import CASES_READ
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, NotFound
from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, form_text, staff_page
from smartcity.core.web.forms import OTHER, parse, submit
from smartcity.core.web.i18n import current_language, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.energy import alerts, charts, readings_import, services
from smartcity.energy.models import Building
from smartcity.energy.permissions import ENERGY_MANAGE
from smartcity.energy.schemas import BuildingIn, ExchangeIn, MeterIn, ReferenceIn
from smartcity.energy.vocabulary import (
    CARRIER_UNITS,
    CARRIERS,
    METER_KINDS,
    UNITS,
    USE_TYPES,
    _,
)

staff_pages = APIRouter(prefix="/{municipality}/verwaltung/energie", include_in_schema=False)
Manager = Annotated[WebState, Depends(staff_page(ENERGY_MANAGE))]
Year = Annotated[str, Query(max_length=8)]

HINTS = {
    "name": _("At most 200 characters."),
    "address": _("Street and number, at most 100 characters."),
    "postal_code": _("At most 10 characters."),
    "city": _("At most 60 characters."),
    "use_type": _("Please choose a use type."),
    "floor_area_m2": _("The net floor area in m², a number above 0, e.g. 2450."),
    "lat": _("A latitude between -90 and 90, e.g. 51.0504."),
    "lon": _("A longitude between -180 and 180, e.g. 13.7373."),
    "kind": _("Please choose what the meter measures."),
    "number": _("The number on the meter: letters, digits, . - / and spaces, at most 40."),
    "digits": _("A whole number from 3 to 12, or empty."),
    "kwh_per_m3": _("kWh per m³ from the gas bill (calorific value × z-number), 5 to 15."),
    "exchanged_at": _("A date and time, e.g. 01.03.2026 08:00."),
    "old_final": _("The old meter's last reading, a number of 0 or more."),
    "new_start": _("The new meter's first reading, a number of 0 or more."),
    "heat_kwh_m2": _("kWh per m² and year, a number of 0 or more."),
    "electricity_kwh_m2": _("kWh per m² and year, a number of 0 or more."),
    "source": _("Where the figures come from, 3 to 300 characters."),
    OTHER: _("Please check this entry."),
}
ANOMALY_WORDS = {
    "jump": _("sudden rise"),
    "night": _("high base load at night"),
    "lower": _("reading lower than the one before"),
}
MONTH_NAMES = (
    _("January"),
    _("February"),
    _("March"),
    _("April"),
    _("May"),
    _("June"),
    _("July"),
    _("August"),
    _("September"),
    _("October"),
    _("November"),
    _("December"),
)


def _number(text: str) -> str:
    """A coordinate or the gas factor with a decimal comma or point: within their ranges
    (±180, 5 to 15) "51.050" or "10.125" can only be decimals."""
    return text.strip().replace(",", ".")


def _amounts(
    values: dict[str, Any], names: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The values with the named fields read as meter readings are (`readings_import.number`:
    "1.234" could be 1234 or 1.234, so it is refused, not guessed; what cannot be read
    becomes None for the model to refuse), and the ambiguity message of each such field."""
    read = {**values, **{n: readings_import.number(values[n]) for n in names}}
    doubts = {
        n: readings_import.ambiguity(values[n])
        for n in names
        if readings_import.ambiguous(values[n])
    }
    return read, doubts


def _labels() -> dict[str, str]:
    texts = {
        "name": _("Name"),
        "address": _("Street and number"),
        "postal_code": _("Postcode"),
        "city": _("Town"),
        "use_type": _("Use type"),
        "reference_use_type": _("Use type"),
        "floor_area_m2": _("Net floor area (m²)"),
        "lat": _("Latitude"),
        "lon": _("Longitude"),
        "kind": _("Measures"),
        "number": _("Meter number"),
        "digits": _("Digits before the decimal point"),
        "kwh_per_m3": _("kWh per m³ (gas only)"),
        "meter_id": _("Meter"),
        "exchanged_at": _("Time of the exchange"),
        "old_final": _("Last reading of the old meter"),
        "new_start": _("First reading of the new meter"),
        "heat_kwh_m2": _("Heating energy (kWh per m² and year)"),
        "electricity_kwh_m2": _("Electricity (kWh per m² and year)"),
        "source": _("Source of the figures"),
        "file": _("CSV file with meter readings"),
        "form": _("Form"),
    }
    return {key: gettext_(text) for key, text in texts.items()}


def _year(text: str, newest: int | None, municipality: Municipality) -> int:
    """The year asked for, else the year of the newest reading, else this year."""
    if text.strip().isdecimal() and 2000 <= int(text) <= 2100:
        return int(text)
    if newest is not None:
        return newest
    return utcnow().astimezone(ZoneInfo(municipality.timezone)).year


def _words() -> dict[str, Any]:
    return {
        "use_words": USE_TYPES,
        "kind_words": METER_KINDS,
        "carrier_words": CARRIERS,
        "carrier_units": CARRIER_UNITS,
        "units": UNITS,
        "anomaly_words": ANOMALY_WORDS,
        "month_names": MONTH_NAMES,
        "percent": _percent,
    }


def _percent(value: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:+.1f} %"
    return text.replace(".", ",") if current_language.get() == "de" else text


# ---- overview -----------------------------------------------------------------------


def _overview(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    *,
    year_text: str = "",
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    imported: str = "",
    status_code: int = 200,
) -> Response:
    buildings = services.all_buildings(db)
    year = _year(
        year_text, services.newest_year(db, buildings, municipality.timezone), municipality
    )
    found = services.reports(db, municipality.timezone, buildings, year=year)
    refs = services.references(db)
    rows = [
        (report, [report.year(c, year, refs.get(report.building.use_type)) for c in CARRIERS])
        for report in found
    ]
    return render(
        request,
        "energy/overview.html",
        state,
        status_code=status_code,
        rows=rows,
        year=year,
        references=refs,
        anomalies=sum(len(r.anomalies()) for r in found),
        form=form,
        values=values or {},
        errors=errors or {},
        problems=problems or [],
        imported=imported,
        labels=_labels(),
        use_options=[(k, gettext_(v)) for k, v in USE_TYPES.items()],
        max_megabytes=readings_import.MAX_BYTES // 2**20,
        saved=request.query_params.get("gespeichert") is not None,
        **_words(),
        **layout.staff(
            request, municipality, state.principal, "energie", gettext_("Energy of buildings")
        ),
    )


@staff_pages.get("")
def overview(
    request: Request,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    jahr: Year = "",
) -> Response:
    return _overview(request, state, db, municipality, year_text=jahr)


def _saved(municipality: Municipality, where: str = "") -> str:
    """Where a form goes after saving: the page, with the note that it was saved."""
    return f"/{municipality.slug}/verwaltung/energie{where}?gespeichert"


@staff_pages.post("/gebaeude")
def add_building(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    names = ("name", "address", "postal_code", "city", "use_type")
    values: dict[str, Any] = {n: form_text(form, n, 210) for n in names}
    for name in ("floor_area_m2", "lat", "lon"):
        values[name] = form_text(form, name, 30)
    data, doubts = _amounts(values, ("floor_area_m2",))
    data.update(lat=_number(values["lat"]), lon=_number(values["lon"]))
    wanted, errors = parse(BuildingIn, data, HINTS)
    errors.update(doubts)

    def again(errors: dict[str, str], status: int) -> Response:
        return _overview(
            request,
            state,
            db,
            municipality,
            form="building",
            values=values,
            errors=errors,
            status_code=status,
        )

    if wanted is None:
        return again(errors, 422)

    def change() -> str:
        made = services.create_building(db, wanted, actor=state.principal.actor)
        return _saved(municipality, f"/gebaeude/{made.id}")

    return submit(change, again, answered={Conflict: "name"})


@staff_pages.post("/vergleichswerte")
def set_reference(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    values: dict[str, Any] = {
        "reference_use_type": form_text(form, "reference_use_type", 40),
        "heat_kwh_m2": form_text(form, "heat_kwh_m2", 20),
        "electricity_kwh_m2": form_text(form, "electricity_kwh_m2", 20),
        "source": form_text(form, "source", 310),
    }
    data, doubts = _amounts(values, ("heat_kwh_m2", "electricity_kwh_m2"))
    data["use_type"] = data.pop("reference_use_type")
    wanted, errors = parse(ReferenceIn, data, HINTS, {"use_type": "reference_use_type"})
    errors.update(doubts)

    def again(errors: dict[str, str], status: int) -> Response:
        return _overview(
            request,
            state,
            db,
            municipality,
            form="reference",
            values=values,
            errors=errors,
            status_code=status,
        )

    if wanted is None:
        return again(errors, 422)

    def change() -> str:
        services.set_reference(db, wanted, actor=state.principal.actor)
        return _saved(municipality)

    return submit(change, again)


def _upload(form: FormData) -> bytes:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return b""
    return upload.file.read(readings_import.MAX_BYTES + 1)


@staff_pages.post("/zaehlerstaende")
def import_readings(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    data = _upload(form)
    if not data:
        return _overview(
            request,
            state,
            db,
            municipality,
            form="import",
            errors={"file": gettext_("Please choose a CSV file.")},
            status_code=422,
        )
    try:
        done = readings_import.import_readings(
            db,
            request.app.state.platform,
            municipality.id,
            data,
            municipality.timezone,
            actor=state.principal.actor,
        )
    except readings_import.ImportRefused as refused:
        return _overview(
            request,
            state,
            db,
            municipality,
            form="import",
            errors={"file": gettext_("The file was not imported; nothing was stored.")},
            problems=refused.problems,
            status_code=422,
        )
    message = gettext_(
        "%(readings)s readings of %(meters)s meters imported (%(exchanges)s meter exchanges)."
    ) % {"readings": done.readings, "meters": done.meters, "exchanges": done.exchanges}
    return _overview(request, state, db, municipality, imported=message)


@staff_pages.get("/bericht.csv")
def export_report(
    state: Manager, db: TenantDbDep, municipality: MunicipalityDep, jahr: Year = ""
) -> Response:
    """Consumption per building, carrier and month of a year, with the previous year's."""
    buildings = services.all_buildings(db)
    year = _year(jahr, services.newest_year(db, buildings, municipality.timezone), municipality)
    found = services.reports(db, municipality.timezone, buildings, year=year)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "gebaeude",
            "nutzung",
            "nettogrundflaeche_m2",
            "traeger",
            "einheit",
            "monat",
            "verbrauch",
            "verbrauch_vorjahr",
            "vollstaendig",
        ]
    )
    for report in found:
        for carrier in report.carriers():
            months, covered = report.carrier_months(carrier)
            for month in range(1, 13):
                key = (year, month)
                writer.writerow(
                    [
                        report.building.name,
                        report.building.use_type,
                        f"{report.building.floor_area_m2:.1f}",
                        carrier,
                        CARRIER_UNITS[carrier],
                        f"{year}-{month:02d}",
                        f"{months[key]:.1f}" if key in months else "",
                        f"{months[(year - 1, month)]:.1f}" if (year - 1, month) in months else "",
                        "ja" if key in covered else "nein",
                    ]
                )
    return Response(
        out.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="energiebericht-{year}.csv"'},
    )


# ---- one building -------------------------------------------------------------------


def _building_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    building_id: int,
    *,
    year_text: str = "",
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        building = services.get_building(db, building_id)
    except NotFound as exc:
        raise NotFound(gettext_("There is no such building.")) from exc
    newest = services.newest_year(db, [building], municipality.timezone)
    year = _year(year_text, newest, municipality)
    report = services.reports(db, municipality.timezone, [building], year=year)[0]
    reference = services.references(db).get(building.use_type)
    tables = []
    for carrier in report.carriers():
        months, covered = report.carrier_months(carrier)
        lines = [
            (
                month,
                months.get((year, month)) if (year, month) in covered else None,
                months.get((year - 1, month)) if (year - 1, month) in covered else None,
            )
            for month in range(1, 13)
        ]
        tables.append(
            (
                carrier,
                report.year(carrier, year, reference),
                lines,
                charts.months_chart([(m, now, before) for m, now, before in lines]),
            )
        )
    return render(
        request,
        "energy/building.html",
        state,
        status_code=status_code,
        building=building,
        report=report,
        year=year,
        tables=tables,
        reference=reference,
        anomalies=report.anomalies(),
        alert_cases=_alert_cases(db, building),
        sees_cases=state.principal.can(CASES_READ),
        newest=services.newest_reading(report),
        form=form,
        values=values or {},
        errors=errors or {},
        labels=_labels(),
        kind_options=[(k, gettext_(v)) for k, v in METER_KINDS.items()],
        meter_options=[
            (str(m.id), f"{m.number} ({gettext_(METER_KINDS[m.kind])})") for m in building.meters
        ],
        saved=request.query_params.get("gespeichert") is not None,
        zone=municipality.timezone,
        **_words(),
        **layout.staff(request, municipality, state.principal, "energie", building.name),
    )


def _alert_cases(db: Session, building: Building) -> list[dict[str, Any]]:
    """The cases filed for the building's anomalies, newest first: tracking code, when, what
    (meter and kind) and whether the case is closed."""
    numbers = {m.id: m.number for m in building.meters}
    found: dict[int, dict[str, Any]] = {}
    for alert in alerts.case_alerts(db, building.id):
        if alert.case_id is None:
            continue
        entry = found.get(alert.case_id)
        if entry is None:
            case = db.get(Case, alert.case_id)
            entry = found[alert.case_id] = {
                "case_id": alert.case_id,
                "code": alert.tracking_code or "–",
                "created_at": alert.created_at,
                "what": [],
                "closed": case is None or case.closed_at is not None,
            }
        entry["what"].append((numbers.get(alert.meter_id, "–"), alert.kind))
    return list(found.values())


@staff_pages.get("/gebaeude/{building_id}")
def building_page(
    request: Request,
    building_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    jahr: Year = "",
) -> Response:
    return _building_page(request, state, db, municipality, building_id, year_text=jahr)


@staff_pages.post("/gebaeude/{building_id}/zaehler")
def add_meter(
    request: Request,
    building_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    values: dict[str, Any] = {
        "kind": form_text(form, "kind", 20),
        "number": form_text(form, "number", 50),
        "digits": form_text(form, "digits", 5) or None,
        "kwh_per_m3": _number(form_text(form, "kwh_per_m3", 20)) or None,
    }
    wanted, errors = parse(MeterIn, values, HINTS)

    def again(errors: dict[str, str], status: int) -> Response:
        return _building_page(
            request,
            state,
            db,
            municipality,
            building_id,
            form="meter",
            values=values,
            errors=errors,
            status_code=status,
        )

    if wanted is None:
        return again(errors, 422)

    def change() -> str:
        try:
            building = services.get_building(db, building_id)
        except NotFound as exc:
            raise NotFound(gettext_("There is no such building.")) from exc
        services.add_meter(db, building, wanted, actor=state.principal.actor)
        return _saved(municipality, f"/gebaeude/{building_id}")

    return submit(change, again, answered={Conflict: "number"})


@staff_pages.post("/gebaeude/{building_id}/zaehlerwechsel")
def exchange_meter(
    request: Request,
    building_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    values: dict[str, Any] = {
        "meter_id": form_text(form, "meter_id", 12),
        "exchanged_at": form_text(form, "exchanged_at", 30),
        "old_final": form_text(form, "old_final", 30),
        "new_start": form_text(form, "new_start", 30),
    }
    at = readings_import.moment(values["exchanged_at"], ZoneInfo(municipality.timezone))
    read, doubts = _amounts(values, ("old_final", "new_start"))
    wanted, errors = parse(
        ExchangeIn,
        {"exchanged_at": at, "old_final": read["old_final"], "new_start": read["new_start"]},
        HINTS,
    )
    errors.update(doubts)
    if at is None:
        errors["exchanged_at"] = gettext_(HINTS["exchanged_at"])
    try:
        building = services.get_building(db, building_id)
    except NotFound as exc:
        raise NotFound(gettext_("There is no such building.")) from exc
    meter = next((m for m in building.meters if str(m.id) == values["meter_id"]), None)
    if meter is None:
        errors["meter_id"] = gettext_("Please choose a meter of this building.")

    def again(errors: dict[str, str], status: int) -> Response:
        return _building_page(
            request,
            state,
            db,
            municipality,
            building_id,
            form="exchange",
            values=values,
            errors=errors,
            status_code=status,
        )

    if wanted is None or meter is None or errors:
        return again(errors, 422)
    chosen, exchange = meter, wanted

    def change() -> str:
        services.record_exchange(db, chosen, exchange, actor=state.principal.actor)
        return _saved(municipality, f"/gebaeude/{building_id}")

    return submit(change, again, answered={Conflict: "exchanged_at"})
