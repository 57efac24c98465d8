"""Address search ("Adresse suchen") against the city's own Photon-compatible geocoder.

Digital sovereignty: like the map tiles, the geocoder is configuration
(`SMARTCITY_GEOCODER_URL`); without it no form offers an address search and no request
leaves the platform. The server asks the geocoder, not the browser, so that the search works
without JavaScript and the citizen's browser talks to no other host.

What a citizen types may say where they live: it goes to the configured geocoder only and is
never logged. That is why the request is sent through the transport itself: httpx's client
logs every request's full address (the typed text in its query) at INFO.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

import httpx

from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import current_language, gettext_

TIMEOUT_SECONDS = 3.0
MAX_ANSWER_BYTES = 256 * 1024
MOST_MATCHES = 5
# Results lie within this distance of the town centre: a municipality stores its centre, not
# its boundary, and a German municipality reaches rarely farther.
RADIUS_KM = 20.0
MAX_QUERY = 200


class GeocoderError(Exception):
    """The geocoder could not answer; the message (in the page's language) says so."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Match:
    label: str
    lat: float
    lon: float


def bbox(municipality: Municipality) -> tuple[float, float, float, float]:
    """minLon, minLat, maxLon, maxLat of the square of RADIUS_KM around the town centre."""
    lat, lon = municipality.center_lat, municipality.center_lon
    dlat = RADIUS_KM / 111.32
    dlon = RADIUS_KM / (111.32 * max(math.cos(math.radians(lat)), 0.01))
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def search(
    url: str, text: str, municipality: Municipality, *, timeout: float = TIMEOUT_SECONDS
) -> list[Match]:
    """Up to MOST_MATCHES addresses matching `text` within the municipality's area, best
    first; [] when none. Raises GeocoderError when the geocoder fails in any way."""
    box = bbox(municipality)
    params = {
        "q": text[:MAX_QUERY],
        "lang": current_language.get(),
        "limit": str(MOST_MATCHES),
        "lat": f"{municipality.center_lat:.5f}",
        "lon": f"{municipality.center_lon:.5f}",
        "bbox": ",".join(f"{value:.5f}" for value in box),
    }
    request = httpx.Request(
        "GET",
        f"{url.rstrip('/')}/api",
        params=params,
        headers={"Accept": "application/json"},
        extensions={"timeout": httpx.Timeout(timeout).as_dict()},
    )
    # The timeout holds per read; the deadline bounds a geocoder that answers drop by drop.
    deadline = time.monotonic() + timeout
    try:
        with httpx.HTTPTransport(retries=0) as transport:
            response = transport.handle_request(request)
            try:
                if response.status_code != 200:
                    raise _unavailable()
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES or time.monotonic() > deadline:
                        raise _unavailable()
            finally:
                response.close()
    except httpx.HTTPError:
        raise _unavailable() from None
    try:
        answer = json.loads(bytes(body))
    except ValueError:
        raise _unavailable() from None
    return matches(answer, box)


def matches(answer: Any, box: tuple[float, float, float, float]) -> list[Match]:
    """The addresses of a Photon answer (a GeoJSON FeatureCollection) inside `box`, without
    repeats. A geocoder may ignore the bbox; its other results are dropped here."""
    if not isinstance(answer, dict) or not isinstance(answer.get("features"), list):
        raise _unavailable()
    found: list[Match] = []
    for feature in answer["features"]:
        point = _point(feature)
        if point is None:
            continue
        lon, lat = point
        if not (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]):
            continue
        properties = feature.get("properties")
        label = _label(properties if isinstance(properties, dict) else {})
        if label and all(match.label != label for match in found):
            found.append(Match(label, lat, lon))
        if len(found) == MOST_MATCHES:
            break
    return found


def _point(feature: Any) -> tuple[float, float] | None:
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        return None
    coordinates = feature["geometry"].get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    lon, lat = coordinates[0], coordinates[1]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)):
        return None
    return float(lon), float(lat)


def _label(properties: dict[str, Any]) -> str:
    """The line a citizen recognises, e.g. `Kulturpalast, Schloßstraße 2, 01067 Dresden`."""

    def text(name: str) -> str:
        value = properties.get(name)
        return value.strip()[:100] if isinstance(value, str) else ""

    street = " ".join(part for part in (text("street"), text("housenumber")) if part)
    place = " ".join(part for part in (text("postcode"), text("city")) if part)
    name = text("name")
    parts = [name] if name and name not in (text("street"), street) else []
    parts += [part for part in (street, place) if part]
    return ", ".join(parts)


def _unavailable() -> GeocoderError:
    return GeocoderError(
        gettext_(
            "The address search is not available at the moment. Please click on the map "
            "or enter the coordinates."
        )
    )
