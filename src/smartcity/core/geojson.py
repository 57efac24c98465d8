"""GeoJSON (RFC 7946) as the maps read it: point features and collections of them, built on
the server by the modules' map layers (`Module.map_layers`)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, Response

Feature = dict[str, Any]


def point(lat: float, lon: float, properties: dict[str, Any]) -> Feature:
    """A point feature; coordinates are longitude first and rounded to about 10 cm."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }


def collection(features: list[Feature]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def geojson_response(features: list[Feature]) -> Response:
    """A FeatureCollection that no cache keeps (the features change with every reading)."""
    return JSONResponse(
        collection(features),
        media_type="application/geo+json",
        headers={"Cache-Control": "no-store"},
    )
