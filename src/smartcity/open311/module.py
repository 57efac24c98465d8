"""The Mängelmelder: defect reports over Open311 GeoReport v2, worked as cases."""

from __future__ import annotations

from pathlib import Path

from smartcity.cases.permissions import CASES_READ
from smartcity.core.modules import MapLayer, Module, NavEntry
from smartcity.open311 import demo
from smartcity.open311.formats import Open311Error, handle
from smartcity.open311.map import report_features
from smartcity.open311.pages import portal_pages, staff_pages
from smartcity.open311.routes import router, staff

HERE = Path(__file__).parent

module = Module(
    name="open311",
    requires=("cases", "citizen"),
    models=("smartcity.open311.models",),
    routers=(router, staff),
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    exception_handlers={Open311Error: handle},
    navigation=(NavEntry("maengel", "Defect reports", CASES_READ, order=20),),
    portal_navigation=(NavEntry("maengel", "Report a defect", order=10),),
    map_layers=(MapLayer("maengel", "Defect reports", report_features),),
)
