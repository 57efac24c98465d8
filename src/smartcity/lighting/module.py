"""Street lighting: programs, control by Tasks, fault detection with repair cases, energy."""

from __future__ import annotations

from smartcity.core.modules import Module
from smartcity.lighting import demo
from smartcity.lighting.jobs import CONTROL, FAULTS
from smartcity.lighting.permissions import LIGHTING_OPERATE
from smartcity.lighting.routes import router

module = Module(
    name="lighting",
    requires=("cases", "citizen"),
    models=("smartcity.lighting.models",),
    permissions=(LIGHTING_OPERATE,),
    routers=(router,),
    demo_seeders=(demo.seed,),
    jobs=(CONTROL, FAULTS),
)
