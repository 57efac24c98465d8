"""Water-meter readings for the Stadtwerke: registry, plausibility, review, billing export."""

from __future__ import annotations

from smartcity.core.modules import Module
from smartcity.watermeter import demo
from smartcity.watermeter.permissions import WATERMETER_EXPORT, WATERMETER_MANAGE
from smartcity.watermeter.routes import router

module = Module(
    name="watermeter",
    requires=("citizen",),
    models=("smartcity.watermeter.models",),
    permissions=(WATERMETER_MANAGE, WATERMETER_EXPORT),
    routers=(router,),
    demo_seeders=(demo.seed,),
)
