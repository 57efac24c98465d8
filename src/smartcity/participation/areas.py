"""Areas of processes and districts as GeoJSON (RFC 7946) polygons: checked once on the way in
(staff paste or upload them), stored as a plain Polygon or MultiPolygon, and asked whether a
proposal's place lies inside.

Staff get a message that says what is wrong (a ring not closed, a point outside WGS84, edges
crossing, too many points) instead of a map that silently shows nothing."""

from __future__ import annotations

import json
from typing import Any

from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.ops import unary_union

from smartcity.core.errors import InvalidInput

# A district's outline from an official source has a few thousand points; 20,000 leave room
# and keep a process page's GeoJSON small enough for a phone.
MAX_POINTS = 20_000
MAX_BYTES = 1_000_000
POLYGONAL = ("Polygon", "MultiPolygon")


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, errors={"area": message})


def _geometries(document: Any) -> list[dict[str, Any]]:
    """The polygonal geometries of a Geometry, Feature or FeatureCollection."""
    if not isinstance(document, dict):
        raise _refuse("The area must be a GeoJSON object.")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or not features:
            raise _refuse("The FeatureCollection has no features.")
        return [g for feature in features for g in _geometries(feature)]
    if kind == "Feature":
        return _geometries(document.get("geometry"))
    if kind in POLYGONAL:
        return [document]
    raise _refuse("The area must be a Polygon or MultiPolygon (or features of them).")


def _check_ring(ring: Any) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise _refuse("Each ring of the polygon needs at least four positions.")
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)
        ):
            raise _refuse("Each position must be a pair of numbers: longitude, latitude.")
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _refuse(
                "A position lies outside WGS84 (longitude -180 to 180, latitude -90 to 90); "
                "GeoJSON takes longitude first."
            )
    if ring[0][:2] != ring[-1][:2]:
        raise _refuse("A ring of the polygon is not closed: its last position must be its first.")
    return len(ring)


def _polygons(geometry: dict[str, Any]) -> list[list[Any]]:
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise _refuse("The polygon has no coordinates.")
    polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise _refuse("The polygon has no coordinates.")
    return polygons


def parse(text: str) -> dict[str, Any] | None:
    """The area staff pasted or uploaded as a Polygon or MultiPolygon; None for empty text.
    Features and FeatureCollections of polygons are merged into one area."""
    if not text.strip():
        return None
    if len(text.encode()) > MAX_BYTES:
        raise _refuse("The area is larger than 1 MB. Please simplify it.")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise _refuse("The area is not valid JSON.") from None
    points = 0
    parts: list[Polygon] = []
    for geometry in _geometries(document):
        for rings in _polygons(geometry):
            for ring in rings:
                points += _check_ring(ring)
            if points > MAX_POINTS:
                raise _refuse("The area has more than 20,000 points. Please simplify it.")
            polygon = Polygon(
                [tuple(p[:2]) for p in rings[0]], [[tuple(p[:2]) for p in r] for r in rings[1:]]
            )
            if not polygon.is_valid:
                # One message the pages translate, whatever shapely finds wrong.
                raise _refuse(
                    "The polygon's edges cross or touch each other, or a hole lies outside it."
                )
            if polygon.area == 0:
                raise _refuse("The polygon has no area.")
            parts.append(polygon)
    merged = parts[0] if len(parts) == 1 else unary_union(parts)
    if not isinstance(merged, (Polygon, MultiPolygon)):
        raise _refuse("The area must be a Polygon or MultiPolygon (or features of them).")
    return _rounded(mapping(merged))


def _rounded(geometry: Any) -> dict[str, Any]:
    """Plain lists with coordinates to about 10 cm (as the map layers write them)."""

    def walk(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], (int, float)):
                return [round(float(v), 6) for v in value]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def contains(area: dict[str, Any] | None, lat: float, lon: float) -> bool:
    """Whether the place lies in the area (on its border counts); no area: anywhere."""
    if area is None:
        return True
    return bool(shape(area).covers(Point(lon, lat)))


def text(area: dict[str, Any] | None) -> str:
    """The area as the text field shows it again."""
    return json.dumps(area) if area is not None else ""
