"""Times, intervals and results as SensorThings writes them."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from smartcity.core.spatial import readable_geojson
from smartcity.sensorthings.errors import BadRequest


def parse_instant(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be an ISO 8601 time string, e.g. 2024-05-01T12:00:00Z.")
    try:
        parsed = datetime.fromisoformat(value)  # takes "Z" since Python 3.11
    except ValueError:
        raise BadRequest(f"'{name}' is not an ISO 8601 time: {value!r}.") from None
    if parsed.tzinfo is None:
        raise BadRequest(f"'{name}' needs a time zone (e.g. 'Z' for UTC): {value!r}.")
    # Most devices send UTC: no conversion for them (this runs for every reading).
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


def parse_interval(value: Any, name: str) -> tuple[datetime, datetime | None]:
    """An instant gives (t, None); 'start/end' gives both (start must not be after end)."""
    if isinstance(value, str) and "/" in value:
        start_text, _, end_text = value.partition("/")
        start, end = parse_instant(start_text, name), parse_instant(end_text, name)
        if end < start:
            raise BadRequest(f"'{name}': the interval ends before it starts.")
        return start, end
    return parse_instant(value, name), None


def format_instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    # isoformat rather than strftime: every notification formats its times, and strftime
    # took several times as long. Milliseconds only where there are fractions of a second.
    if value.tzinfo is not UTC:  # the database's values are UTC already
        value = value.astimezone(UTC)
    text = value.isoformat("T", "milliseconds" if value.microsecond else "seconds")
    return text[:-6] + "Z"  # "+00:00"


def format_interval(start: datetime | None, end: datetime | None) -> str | None:
    if start is None:
        return None
    if end is None or end == start:
        return format_instant(start)
    return f"{format_instant(start)}/{format_instant(end)}"


def refuse_lone_surrogates(raw: bytes, payload: Any) -> None:
    """A JSON body whose strings hold half of a UTF-16 surrogate pair (`"\\ud800"`): valid
    JSON, but no text a database can store. Only `\\u` escapes make one (raw bytes of a
    surrogate are not UTF-8), so bodies without them are not walked."""
    if b"\\ud" not in raw and b"\\uD" not in raw:
        return
    pending = [payload]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRequest(
                    "The body holds a lone UTF-16 surrogate (such as \\ud800) in a string; "
                    "send text as valid Unicode."
                ) from None


def typed_result(value: Any) -> dict[str, Any]:
    """The typed columns for a result, so numbers compare as numbers."""
    number = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer of more than 308 digits
            raise BadRequest("'result' is too large a number (more than 1e308).") from None
        if not math.isfinite(number):
            raise BadRequest("'result' must be a finite number (not NaN or Infinity).")
    if isinstance(value, str) and "\x00" in value:
        raise BadRequest("'result' must not contain the NUL character.")
    return {
        "result_json": value,
        "result_number": number,
        "result_string": value if isinstance(value, str) else None,
        "result_boolean": value if isinstance(value, bool) else None,
    }


GEOJSON_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
        "Feature",
        "FeatureCollection",
    }
)


def check_geojson(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict) or value.get("type") not in GEOJSON_TYPES:
        raise BadRequest(f"'{name}' must be a GeoJSON object (e.g. {{'type': 'Point', ...}}).")
    if value["type"] != "FeatureCollection" and not readable_geojson(value):
        raise BadRequest(f"'{name}' is not a geometry that can be read (check its coordinates).")
    if value["type"] == "Point":
        coordinates = value.get("coordinates")
        if (
            not isinstance(coordinates, list)
            or len(coordinates) < 2
            or not all(isinstance(c, int | float) for c in coordinates)
        ):
            raise BadRequest(f"'{name}': a Point needs numeric coordinates [lon, lat].")
    return value
