"""Demo data: Dresden's real car parks."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from smartcity.demo_hooks import DemoContext
from smartcity.parking.services import import_geojson_file


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    with context.tenant_session(dresden) as db:
        path = Path(str(resources.files("smartcity.parking").joinpath("demo_data/Dresden.geojson")))
        result = import_geojson_file(db, path, city="Dresden", actor="demo")
    context.say(f"Dresden: {result.created} car parks imported from Dresden.geojson")
