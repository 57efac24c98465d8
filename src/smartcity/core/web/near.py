"""Where a "near me" page of the portal measures from (free chargers, WiFi hotspots): a point
the browser sent (`lat`, `lon`: the phone's position, or a link from another place), a place
the visitor typed (`ort`, looked up by the module), or else the town centre. A form without
JavaScript; what is wrong with a field is said beside it.

`search` reads the page's query; its `context()` fills the shared template `near.html` (the
search form, the other places of that name, the distance of a result), so that a module's
page adds only its texts, its path and its results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smartcity.core.tenancy.models import Municipality
from smartcity.core.web.i18n import current_language, gettext_


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


@dataclass(frozen=True)
class Search:
    """What a "near me" page was asked (the fields as typed, stripped) and where it measures
    from: everything of the page but its results, the same for every module."""

    ort: str
    lat: str
    lon: str
    show_all: bool
    start: Origin

    @property
    def origin(self) -> Place:
        return self.start.place

    @property
    def status_code(self) -> int:
        # A field the page could not use is an unprocessable request, even though the page
        # still shows the results from the town centre.
        return 422 if self.start.errors else 200

    def context(self) -> dict[str, Any]:
        """The template's values for the form (near.html's macros) and the heading."""
        return {
            "errors": self.start.errors,
            "labels": {
                "ort": gettext_("Place"),
                "lat": gettext_("Latitude"),
                "lon": gettext_("Longitude"),
            },
            "ort": self.ort,
            "lat": self.lat,
            "lon": self.lon,
            "show_all": self.show_all,
            "origin": self.start.place,
            "others": self.start.others,
            "kilometres": kilometres,
        }


def search(
    municipality: Municipality,
    ort: str,
    lat: str,
    lon: str,
    alle: str,
    *,
    places_named: Callable[[str], list[Place]],
    unknown: str,
) -> Search:
    """The page's query (`alle=1`: also the places the module would leave out) and its
    origin; `places_named` and `unknown` as for `origin`."""
    start = origin(municipality, ort, lat, lon, places_named=places_named, unknown=unknown)
    return Search(ort.strip(), lat.strip(), lon.strip(), alle == "1", start)


def kilometres(metres: float) -> str:
    """A distance of a kilometre or more in km, with at most one decimal, as the page's
    language writes it ("1,5" in German)."""
    text = f"{round(metres / 1000, 1):g}"
    return text.replace(".", ",") if current_language.get() == "de" else text
