"""The charging pages: on the portal "free charger near me" (a place or coordinates, the
nearest locations with their chargers' status in words; no script needed); in the back office
the locations with their EVSEs, operators, ad-hoc tariffs and the roaming partners' tokens."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from smartcity.charging import services, vocabulary
from smartcity.charging.models import Tariff
from smartcity.charging.permissions import CHARGING_MANAGE
from smartcity.charging.schemas import EvseIn, LocationIn, OperatorIn, PartnerIn, TariffIn
from smartcity.charging.words import (
    CAPABILITY_WORDS,
    CONNECTOR_WORDS,
    FORMAT_WORDS,
    PARKING_WORDS,
    POWER_WORDS,
    STATUS_WORDS,
    _,
)
from smartcity.core.errors import Conflict, InvalidInput, NotFound
from smartcity.core.http.deps import IdPath, MunicipalityDep, TenantDbDep
from smartcity.core.tenancy.models import Municipality
from smartcity.core.web import layout, near
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_page
from smartcity.core.web.forms import OTHER, parse
from smartcity.core.web.i18n import current_language, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.transit import departures

portal_pages = APIRouter(prefix="/{municipality}/laden", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung/laden", include_in_schema=False)
Manager = Annotated[WebState, Depends(staff_page(CHARGING_MANAGE))]
Short = Annotated[str, Query(max_length=100)]

# What is wrong with a field, in words (English message ids).
HINTS = {
    "ocpi_id": _("Letters, digits and . _ - : * only, at most 36 characters."),
    "uid": _("Letters, digits and . _ - : * only, at most 36 characters."),
    "evse_id": _("An EVSE ID like DE*SWD*E0001 (country, operator, E and a number), or empty."),
    "country_code": _("Two capital letters, e.g. DE."),
    "party_id": _("Three capital letters or digits, e.g. SWD."),
    "website": _("An address that starts with https://, or empty."),
    "lat": _("A latitude between -90 and 90, e.g. 51.0504."),
    "lon": _("A longitude between -180 and 180, e.g. 13.7373."),
    "energy_price": _("A price in euros without VAT, e.g. 0.4622."),
    "time_price": _("A price in euros without VAT, e.g. 1.20, or empty."),
    "flat_price": _("A price in euros without VAT, e.g. 1.00, or empty."),
    "vat_percent": _("A percentage between 0 and 100, e.g. 19."),
    "max_voltage": _("A whole number of volts, e.g. 230."),
    "max_amperage": _("A whole number of amperes, e.g. 32."),
    "max_electric_power": _("A whole number of kilowatts, e.g. 22, or empty."),
    "postal_code": _("At most 10 characters."),
    "address": _("Street and number, at most 45 characters."),
    "city": _("At most 45 characters."),
    OTHER: _("Please check this entry."),
}
PAYMENT = ("CONTACTLESS_CARD_SUPPORT", "CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE", "RFID_READER")


def price(tariff: Tariff) -> str:
    """The ad-hoc price per kWh with VAT, written as the page's language writes numbers."""
    gross = services.price_incl_vat(tariff, tariff.energy_price)
    text = f"{gross:.2f}"
    return text.replace(".", ",") if current_language.get() == "de" else text


def number(value: float, digits: int = 1) -> str:
    """A number as the page's language writes it (at most `digits` decimals)."""
    text = f"{round(value, digits):g}"
    return text.replace(".", ",") if current_language.get() == "de" else text


def _words() -> dict[str, Any]:
    return {
        "price": price,
        "number": number,
        "status_words": STATUS_WORDS,
        "connector_words": CONNECTOR_WORDS,
        "format_words": FORMAT_WORDS,
        "parking_words": PARKING_WORDS,
    }


def _optional(form: FormData, name: str) -> str | None:
    return form_text(form, name, 50) or None


# ---- portal ------------------------------------------------------------------------------


@portal_pages.get("")
def near_me(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    ort: Short = "",
    lat: Short = "",
    lon: Short = "",
    alle: Short = "",
) -> Response:
    """The nearest charging locations to a place, a point or the town centre."""
    page = near.search(
        municipality,
        ort,
        lat,
        lon,
        alle,
        places_named=lambda text: _places(db, text),
        unknown=gettext_("We know no place called “%(text)s”. Try a street, a square or a stop."),
    )
    found = services.nearest(db, page.origin.lat, page.origin.lon, only_free=not page.show_all)
    return render(
        request,
        "charging/near.html",
        state,
        status_code=page.status_code,
        found=found,
        **page.context(),
        **_words(),
        **layout.portal(request, municipality, "laden", gettext_("Free charger near me")),
    )


def _places(db: Session, text: str) -> list[near.Place]:
    """Charging locations, then public transport stops, whose name contains the text."""
    found = services.places_named(db, text)
    found += [
        near.Place(stop.name, stop.lat, stop.lon)
        for stop in departures.search(db, text, limit=8)
        if stop.lat is not None and stop.lon is not None
    ]
    return found


# ---- back office -------------------------------------------------------------------------


def _overview(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    *,
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    operators = services.all_operators(db)
    return render(
        request,
        "charging/staff.html",
        state,
        status_code=status_code,
        states=services.states(db),
        operators=operators,
        tariffs=services.all_tariffs(db),
        partners=services.all_partners(db),
        form=form,
        values=values or {},
        errors=errors or {},
        labels=_labels(),
        operator_options=[(str(o.id), o.name) for o in operators],
        parking_options=[(p, gettext_(PARKING_WORDS[p])) for p in vocabulary.PARKING_TYPES],
        saved=request.query_params.get("gespeichert") is not None,
        zone=municipality.timezone,
        **_words(),
        **layout.staff(
            request, municipality, state.principal, "laden", gettext_("Charging points")
        ),
    )


def _labels() -> dict[str, str]:
    texts = {
        "operator_id": _("Operator"),
        "ocpi_id": _("Identifier (OCPI id)"),
        "name": _("Name"),
        "address": _("Street and number"),
        "postal_code": _("Postcode"),
        "city": _("Town"),
        "lat": _("Latitude"),
        "lon": _("Longitude"),
        "parking_type": _("Kind of parking"),
        "green_energy": _("electricity fully from renewable sources"),
        "supplier_name": _("Electricity supplier"),
        "energy_product_name": _("Electricity product"),
        "country_code": _("Country code"),
        "party_id": _("Party id"),
        "website": _("Website"),
        "energy_price": _("Price per kWh without VAT (EUR)"),
        "time_price": _("Price per hour without VAT (EUR)"),
        "flat_price": _("Price per charge without VAT (EUR)"),
        "vat_percent": _("VAT (%)"),
        "uid": _("Identifier (OCPI uid)"),
        "evse_id": _("EVSE ID"),
        "physical_reference": _("Number on the charger"),
        "tariff_id": _("Ad-hoc tariff"),
        "standard": _("Connector"),
        "format": _("Socket or cable"),
        "power_type": _("Current"),
        "max_voltage": _("Voltage (V)"),
        "max_amperage": _("Current (A)"),
        "max_electric_power": _("Maximum power (kW)"),
        "operator_name": _("Name of the operator"),
        "tariff_operator": _("Operator"),
        "tariff_ocpi_id": _("Identifier of the tariff"),
        "partner_name": _("Name of the partner"),
        "capabilities": _("Payment"),
        "form": _("Form"),
    }
    return {key: gettext_(text) for key, text in texts.items()}


@staff_pages.get("")
def overview(
    request: Request, state: Manager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _overview(request, state, db, municipality)


def _done(municipality: Municipality, where: str = "") -> Response:
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/laden{where}?gespeichert", status_code=303
    )


def _conflict(field: str) -> dict[str, str]:
    return {field: gettext_("This identifier is already in use.")}


@staff_pages.post("/betreiber")
def add_operator(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    values = {
        n: form_text(form, n, 255) for n in ("operator_name", "country_code", "party_id", "website")
    }
    data = {**values, "name": values["operator_name"]}
    del data["operator_name"]
    wanted, errors = parse(OperatorIn, data, HINTS, {"name": "operator_name"})
    if wanted is not None:
        try:
            services.create_operator(db, wanted, actor=state.principal.actor)
        except Conflict:
            errors = _conflict("party_id")
    if errors:
        return _overview(
            request,
            state,
            db,
            municipality,
            form="operator",
            values=values,
            errors=errors,
            status_code=422,
        )
    return _done(municipality)


@staff_pages.post("/tarife")
def add_tariff(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    values: dict[str, Any] = {
        "tariff_operator": form_text(form, "tariff_operator", 12),
        "tariff_ocpi_id": form_text(form, "tariff_ocpi_id", 50),
        "energy_price": form_text(form, "energy_price", 20).replace(",", "."),
        "time_price": (_optional(form, "time_price") or "").replace(",", ".") or None,
        "flat_price": (_optional(form, "flat_price") or "").replace(",", ".") or None,
        "vat_percent": form_text(form, "vat_percent", 10).replace(",", ".") or "19",
    }
    data = {k: v for k, v in values.items() if not k.startswith("tariff_")}
    data.update(operator_id=values["tariff_operator"], ocpi_id=values["tariff_ocpi_id"])
    wanted, errors = parse(
        TariffIn, data, HINTS, {"operator_id": "tariff_operator", "ocpi_id": "tariff_ocpi_id"}
    )
    if wanted is not None:
        try:
            services.create_tariff(db, wanted, actor=state.principal.actor)
        except Conflict:
            errors = _conflict("tariff_ocpi_id")
        except InvalidInput:
            errors = {"tariff_operator": gettext_("Please choose an operator.")}
    if errors:
        return _overview(
            request,
            state,
            db,
            municipality,
            form="tariff",
            values=values,
            errors=errors,
            status_code=422,
        )
    return _done(municipality)


@staff_pages.post("/standorte")
def add_location(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    names = (
        "operator_id",
        "ocpi_id",
        "name",
        "address",
        "postal_code",
        "city",
        "supplier_name",
        "energy_product_name",
    )
    values: dict[str, Any] = {n: form_text(form, n, 255) for n in names}
    values["lat"] = form_text(form, "lat", 30).replace(",", ".")
    values["lon"] = form_text(form, "lon", 30).replace(",", ".")
    values["parking_type"] = _optional(form, "parking_type")
    values["green_energy"] = form_text(form, "green_energy", 5) == "1"
    values["time_zone"] = municipality.timezone
    wanted, errors = parse(LocationIn, values, HINTS)
    if wanted is not None:
        try:
            made = services.create_location(db, wanted, actor=state.principal.actor)
        except Conflict:
            errors = _conflict("ocpi_id")
        except InvalidInput:
            errors = {"operator_id": gettext_("Please choose an operator.")}
    if errors:
        return _overview(
            request,
            state,
            db,
            municipality,
            form="location",
            values=values,
            errors=errors,
            status_code=422,
        )
    return _done(municipality, f"/standorte/{made.id}")


@staff_pages.post("/partner")
def add_partner(
    request: Request, state: Manager, form: FormDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    values = {"partner_name": form_text(form, "partner_name", 200)}
    wanted, errors = parse(
        PartnerIn, {"name": values["partner_name"]}, HINTS, {"name": "partner_name"}
    )
    if wanted is None:
        return _overview(
            request,
            state,
            db,
            municipality,
            form="partner",
            values=values,
            errors=errors,
            status_code=422,
        )
    partner, token = services.create_partner(db, wanted.name, actor=state.principal.actor)
    public_url = request.app.state.platform.settings.effective_public_url
    return render(
        request,
        "charging/token.html",
        state,
        partner=partner,
        token=token,
        versions_url=f"{public_url}/{municipality.slug}/ocpi/versions",
        **layout.staff(
            request, municipality, state.principal, "laden", gettext_("Token of a partner")
        ),
    )


@staff_pages.post("/partner/{partner_id}/widerrufen")
def revoke_partner(
    state: Manager,
    form: FormDep,
    partner_id: IdPath,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    try:
        services.revoke_partner(db, partner_id, actor=state.principal.actor)
    except NotFound as exc:
        raise NotFound(gettext_("There is no such partner.")) from exc
    return _done(municipality)


def _location_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    location_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        location = services.get_location(db, location_id)
    except NotFound as exc:
        raise NotFound(gettext_("There is no such charging location.")) from exc
    current = services.states(db, [location.id])[0]
    tariffs = services.all_tariffs(db)
    return render(
        request,
        "charging/location.html",
        state,
        status_code=status_code,
        current=current,
        location=location,
        tariffs=tariffs,
        values=values
        or {"format": "SOCKET", "power_type": "AC_3_PHASE", "standard": "IEC_62196_T2"},
        errors=errors or {},
        labels=_labels(),
        tariff_options=[(str(t.id), t.ocpi_id) for t in tariffs],
        connector_options=[
            (c, f"{gettext_(CONNECTOR_WORDS[c])} ({c})" if c in CONNECTOR_WORDS else c)
            for c in vocabulary.CONNECTOR_TYPES
        ],
        format_options=[(f, gettext_(FORMAT_WORDS[f])) for f in vocabulary.CONNECTOR_FORMATS],
        power_options=[(p, gettext_(POWER_WORDS[p])) for p in vocabulary.POWER_TYPES],
        payment=PAYMENT,
        capability_words=CAPABILITY_WORDS,
        saved=request.query_params.get("gespeichert") is not None,
        zone=municipality.timezone,
        **_words(),
        **layout.staff(request, municipality, state.principal, "laden", location.name),
    )


@staff_pages.get("/standorte/{location_id}")
def location_page(
    request: Request,
    location_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    return _location_page(request, state, db, municipality, location_id)


@staff_pages.post("/standorte/{location_id}/ladepunkte")
def add_evse(
    request: Request,
    location_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    names = (
        "uid",
        "evse_id",
        "physical_reference",
        "standard",
        "format",
        "power_type",
        "max_voltage",
        "max_amperage",
        "max_electric_power",
        "tariff_id",
    )
    values: dict[str, Any] = {n: form_text(form, n, 60) for n in names}
    capabilities = [c for c in form.getlist("capabilities") if isinstance(c, str)]
    power_kw = (
        near.typed_number(values["max_electric_power"]) if values["max_electric_power"] else None
    )
    if power_kw is not None and not 0 < power_kw <= 1000:
        power_kw = None  # 1e308 kW would overflow; ConnectorIn allows up to 1,000 kW.
    data = {
        "uid": values["uid"],
        "evse_id": values["evse_id"],
        "physical_reference": values["physical_reference"],
        "tariff_id": values["tariff_id"] or None,
        "capabilities": capabilities,
        "connectors": [
            {
                "standard": values["standard"],
                "format": values["format"],
                "power_type": values["power_type"],
                "max_voltage": values["max_voltage"],
                "max_amperage": values["max_amperage"],
                "max_electric_power": round(power_kw * 1000) if power_kw else None,
            }
        ],
    }
    wanted, errors = parse(EvseIn, data, HINTS)
    if values["max_electric_power"] and power_kw is None:
        errors["max_electric_power"] = gettext_(HINTS["max_electric_power"])
    if wanted is not None and not errors:
        try:
            location = services.get_location(db, location_id)
            services.add_evse(db, location, wanted, actor=state.principal.actor)
        except Conflict:
            errors = _conflict("uid")
        except InvalidInput:
            errors = {"tariff_id": gettext_("Please choose a tariff of this municipality.")}
    if errors:
        values["capabilities"] = capabilities
        return _location_page(
            request,
            state,
            db,
            municipality,
            location_id,
            values=values,
            errors=errors,
            status_code=422,
        )
    return _done(municipality, f"/standorte/{location_id}")


@staff_pages.post("/ladepunkte/{evse_id}/ausser-betrieb")
def remove_evse(
    state: Manager,
    form: FormDep,
    evse_id: IdPath,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    try:
        evse = services.get_evse(db, evse_id)
    except NotFound as exc:
        raise NotFound(gettext_("There is no such charging point.")) from exc
    # Taken out of service already (a second click): nothing to do.
    with contextlib.suppress(Conflict):
        services.remove_evse(db, evse, actor=state.principal.actor)
    return _done(municipality, f"/standorte/{evse.location_id}")
