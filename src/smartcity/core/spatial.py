"""Spatial predicates and measures for both databases.

PostgreSQL uses PostGIS. SQLite has no spatial types, so the same operations are registered on
every SQLite connection as SQL functions implemented with shapely (GEOS, the library PostGIS
uses as well), working on the GeoJSON we store. Distances and lengths are planar, in the units
of the coordinates (degrees for WGS 84), as PostGIS computes them on `geometry`.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

PREDICATES = {
    "equals": shapely.equals,
    "disjoint": shapely.disjoint,
    "touches": shapely.touches,
    "within": shapely.within,
    "overlaps": shapely.overlaps,
    "crosses": shapely.crosses,
    "intersects": shapely.intersects,
    "contains": shapely.contains,
}


class GeometryError(ValueError):
    """A value is not a geometry we can read."""


@lru_cache(maxsize=4096)
def from_wkt(text: str) -> BaseGeometry:
    try:
        return shapely.from_wkt(text.split(";", 1)[1] if text.upper().startswith("SRID=") else text)
    except shapely.errors.GEOSException as exc:
        raise GeometryError(f"not a WKT geometry: {text[:80]!r}") from exc


@lru_cache(maxsize=65536)
def from_geojson(text: str) -> BaseGeometry:
    value: Any = json.loads(text)
    if isinstance(value, str):  # a JSON column can hand us doubly encoded text
        value = json.loads(value)
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    return shape(value)


def readable_geojson(value: Any) -> bool:
    """Whether GEOS can read this GeoJSON geometry or Feature (what PostGIS would need too)."""
    try:
        from_geojson(json.dumps(value))
    except Exception:  # GEOS and shapely raise many kinds; any of them means "no"
        return False
    return True


def _geometry(kind: str, value: str | None) -> BaseGeometry | None:
    if value is None:
        return None
    try:
        return from_wkt(value) if kind == "wkt" else from_geojson(value)
    except (GeometryError, ValueError, TypeError, AttributeError, KeyError):
        return None


def sqlite_relation(
    name: str, kind_a: str, a: str | None, kind_b: str, b: str | None
) -> int | None:
    first, second = _geometry(kind_a, a), _geometry(kind_b, b)
    if first is None or second is None:
        return None
    return int(bool(PREDICATES[name](first, second)))


def sqlite_relate_pattern(
    kind_a: str, a: str | None, kind_b: str, b: str | None, pattern: str
) -> int | None:
    first, second = _geometry(kind_a, a), _geometry(kind_b, b)
    if first is None or second is None:
        return None
    return int(bool(shapely.relate_pattern(first, second, pattern)))


def sqlite_distance(kind_a: str, a: str | None, kind_b: str, b: str | None) -> float | None:
    first, second = _geometry(kind_a, a), _geometry(kind_b, b)
    if first is None or second is None:
        return None
    return float(shapely.distance(first, second))


def sqlite_length(kind: str, value: str | None) -> float | None:
    geometry = _geometry(kind, value)
    return None if geometry is None else float(shapely.length(geometry))


def register_sqlite_functions(connection: Any) -> None:
    connection.create_function("sc_relation", 5, sqlite_relation, deterministic=True)
    connection.create_function("sc_relate", 5, sqlite_relate_pattern, deterministic=True)
    connection.create_function("sc_distance", 4, sqlite_distance, deterministic=True)
    connection.create_function("sc_length", 2, sqlite_length, deterministic=True)


EARTH_RADIUS_M = 6_371_000.0


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two WGS 84 points on a sphere (haversine): for "within 50 m"
    and "nearest first" in a city the error against the ellipsoid (< 0.5 %) does not matter."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """South, north, west and east edge of a box that holds every point within `radius_m`:
    a cheap, indexable first filter before `great_circle_m` decides."""
    lat_delta = math.degrees(radius_m / EARTH_RADIUS_M)
    lon_delta = lat_delta / max(math.cos(math.radians(lat)), 0.01)
    return lat - lat_delta, lat + lat_delta, lon - lon_delta, lon + lon_delta
