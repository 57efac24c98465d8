"""OCPI 2.2.1 as this platform speaks it (sender side of Locations and Tariffs): the response
envelope, the status codes, errors in OCPI's shape, the partner's token, DateTime, and the
Location, EVSE, Connector and Tariff objects built from the module's rows.

Spec: OCPI 2.2.1, transport_and_format (envelope, pagination, headers), credentials
(`Authorization: Token <base64 of the token>`), mod_locations and mod_tariffs."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from smartcity.charging.models import ChargingLocation, Connector, Tariff
from smartcity.charging.services import EvseState, LocationState
from smartcity.core.db import utcnow

VERSION = "2.2.1"
SUCCESS = 1000
CLIENT_ERROR = 2000
INVALID_PARAMETERS = 2001
UNKNOWN_LOCATION = 2003
# Largest page a partner gets; a larger `limit` is cut to this (X-Limit says so).
MAX_LIMIT = 100
# Headers OCPI 2.2.1 asks a server to send back as they came (routing through hubs).
ECHOED = ("X-Request-ID", "X-Correlation-ID")


class OcpiError(Exception):
    """An error a partner gets in OCPI's envelope: an HTTP status and an OCPI status code."""

    def __init__(self, http_status: int, status_code: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status_code = status_code
        self.message = message


def timestamp(moment: datetime) -> str:
    """OCPI DateTime: RFC 3339 in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(name: str, text: str | None) -> datetime | None:
    """A DateTime parameter; OCPI allows leaving out the zone designator (then it is UTC)."""
    if text is None or text == "":
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise OcpiError(
            400, INVALID_PARAMETERS, f"{name} must be a date and time like 2026-12-01T00:00:00Z."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def envelope(
    request: Request,
    data: Any,
    *,
    status_code: int = SUCCESS,
    message: str = "Success",
    http_status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "status_code": status_code,
        "status_message": message,
        "timestamp": timestamp(utcnow()),
    }
    if data is not None:
        body = {"data": data, **body}
    sent = dict(headers or {})
    for name in ECHOED:
        value = request.headers.get(name)
        if value:
            sent[name] = value[:100]
    return JSONResponse(body, status_code=http_status, headers=sent)


def error_response(request: Request, error: Exception) -> Response:
    assert isinstance(error, OcpiError)
    headers = {"WWW-Authenticate": "Token"} if error.http_status == 401 else None
    return envelope(
        request,
        None,
        status_code=error.status_code,
        message=error.message,
        http_status=error.http_status,
        headers=headers,
    )


def token_from(authorization: str) -> str:
    """The token of `Authorization: Token <base64 token>`. A token that is not valid base64
    is taken as sent (OCPI 2.1.1 sent it plain; some partners still do)."""
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "token" or not credentials.strip():
        raise OcpiError(401, CLIENT_ERROR, "Send the partner token as 'Authorization: Token …'.")
    credentials = credentials.strip()
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return credentials
    return decoded if decoded.isprintable() and decoded else credentials


# ---- objects ----------------------------------------------------------------------------


def _coordinate(value: float) -> str:
    return f"{value:.6f}"


def _business(name: str, website: str) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name[:100]}
    if website:
        found["website"] = website
    return found


def connector_object(connector: Connector, tariff: Tariff | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": connector.connector_id,
        "standard": connector.standard,
        "format": connector.format,
        "power_type": connector.power_type,
        "max_voltage": connector.max_voltage,
        "max_amperage": connector.max_amperage,
    }
    if connector.max_electric_power is not None:
        found["max_electric_power"] = connector.max_electric_power
    if tariff is not None:
        found["tariff_ids"] = [tariff.ocpi_id]
    found["last_updated"] = timestamp(connector.updated_at)
    return found


def evse_object(state: EvseState, location: ChargingLocation) -> dict[str, Any]:
    evse = state.evse
    found: dict[str, Any] = {"uid": evse.uid}
    if evse.evse_id and evse.removed_at is None:
        found["evse_id"] = evse.evse_id
    found["status"] = state.status
    if evse.capabilities:
        found["capabilities"] = list(evse.capabilities)
    found["connectors"] = [connector_object(c, evse.tariff) for c in evse.connectors]
    if evse.physical_reference:
        found["physical_reference"] = evse.physical_reference
    found["coordinates"] = {
        "latitude": _coordinate(location.lat),
        "longitude": _coordinate(location.lon),
    }
    if evse.parking_restrictions:
        found["parking_restrictions"] = list(evse.parking_restrictions)
    found["last_updated"] = timestamp(state.last_updated)
    return found


def energy_mix(location: ChargingLocation) -> dict[str, Any]:
    found: dict[str, Any] = {"is_green_energy": location.green_energy}
    if location.supplier_name:
        found["supplier_name"] = location.supplier_name
    if location.energy_product_name:
        found["energy_product_name"] = location.energy_product_name
    return found


def location_object(state: LocationState) -> dict[str, Any]:
    location = state.location
    operator = location.operator
    found: dict[str, Any] = {
        "country_code": operator.country_code,
        "party_id": operator.party_id,
        "id": location.ocpi_id,
        "publish": True,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "postal_code": location.postal_code,
        "country": location.country,
        "coordinates": {
            "latitude": _coordinate(location.lat),
            "longitude": _coordinate(location.lon),
        },
    }
    if location.parking_type:
        found["parking_type"] = location.parking_type
    found["evses"] = [evse_object(e, location) for e in state.evses]
    found["operator"] = _business(operator.name, operator.website)
    if location.facilities:
        found["facilities"] = list(location.facilities)
    found["time_zone"] = location.time_zone
    found["opening_times"] = {"twentyfourseven": True}
    found["energy_mix"] = energy_mix(location)
    found["last_updated"] = timestamp(state.last_updated or location.updated_at)
    return found


def _number(value: Decimal) -> float:
    return float(value.normalize())


def tariff_object(tariff: Tariff) -> dict[str, Any]:
    """An ad-hoc tariff: a price per kWh, optionally per hour and per session, with VAT."""
    vat = _number(tariff.vat_percent)
    components: list[dict[str, Any]] = [
        {"type": "ENERGY", "price": _number(tariff.energy_price), "vat": vat, "step_size": 1}
    ]
    if tariff.time_price is not None:
        components.append(
            {"type": "TIME", "price": _number(tariff.time_price), "vat": vat, "step_size": 60}
        )
    if tariff.flat_price is not None:
        components.append(
            {"type": "FLAT", "price": _number(tariff.flat_price), "vat": vat, "step_size": 1}
        )
    found: dict[str, Any] = {
        "country_code": tariff.operator.country_code,
        "party_id": tariff.operator.party_id,
        "id": tariff.ocpi_id,
        "currency": tariff.currency,
        "type": "AD_HOC_PAYMENT",
        "tariff_alt_text": [
            {"language": "de", "text": "Ad-hoc-Laden ohne Vertrag, bezahlt am Ladepunkt."},
            {"language": "en", "text": "Ad hoc charging without a contract, paid at the charger."},
        ],
        "elements": [{"price_components": components}],
    }
    found["last_updated"] = timestamp(tariff.updated_at)
    return found
