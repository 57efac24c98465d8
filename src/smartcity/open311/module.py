"""The Mängelmelder: defect reports over Open311 GeoReport v2, worked as cases."""

from __future__ import annotations

from smartcity.core.modules import Module
from smartcity.open311 import demo
from smartcity.open311.formats import Open311Error, handle
from smartcity.open311.routes import router, staff

module = Module(
    name="open311",
    requires=("cases", "citizen"),
    models=("smartcity.open311.models",),
    routers=(router, staff),
    demo_seeders=(demo.seed,),
    exception_handlers={Open311Error: handle},
)
