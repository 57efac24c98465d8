"""Where a "near me" page of the portal measures from (free chargers, WiFi hotspots): a point
the browser sent (`lat`, `lon`: the phone's position, or a link from another place), a place
the visitor typed (`ort`, looked up by the module), or else the town centre. A form without
JavaScript; what is wrong with a field is said beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import gettext_


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Origin:
    place: Place
    # Other places the typed name matched (offered as links), nearest-name first.
    others: list[Place] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def typed_number(text: str) -> float | None:
    """A decimal number as people type it (a coordinate, a power; a decimal comma allowed);
    None for anything else, infinity and NaN included."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def origin(
    municipality: Municipality,
    ort: str,
    lat: str,
    lon: str,
    *,
    places_named: Callable[[str], list[Place]],
    unknown: str,
) -> Origin:
    """The point to measure from. `places_named` finds places whose name holds the text;
    `unknown` is the module's message (translated, with `%(text)s`) for a name it does not
    know."""
    centre = Place(gettext_("the town centre"), municipality.center_lat, municipality.center_lon)
    errors: dict[str, str] = {}
    text = ort.strip()
    if lat.strip() or lon.strip():
        y, x = typed_number(lat.strip()), typed_number(lon.strip())
        if y is None or not -90 <= y <= 90:
            errors["lat"] = gettext_("A latitude between -90 and 90, e.g. 51.0504.")
        if x is None or not -180 <= x <= 180:
            errors["lon"] = gettext_("A longitude between -180 and 180, e.g. 13.7373.")
        if y is not None and x is not None and not errors:
            return Origin(Place(gettext_("your position"), y, x))
        return Origin(centre, errors=errors)
    if not text:
        return Origin(centre)
    if len(text) < 2:
        return Origin(centre, errors={"ort": gettext_("Please enter at least two letters.")})
    places = places_named(text)
    if not places:
        return Origin(centre, errors={"ort": unknown % {"text": text}})
    return Origin(places[0], others=places[1:6])
