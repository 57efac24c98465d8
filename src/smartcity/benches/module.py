"""Smart benches: readings, air-quality indices, kiosk page, alerts."""

from __future__ import annotations

from smartcity.benches import demo
from smartcity.benches.alerts import AIR_QUALITY
from smartcity.benches.permissions import BENCHES_MANAGE
from smartcity.benches.routes import pages, router
from smartcity.core.modules import Module

module = Module(
    name="benches",
    models=("smartcity.benches.models",),
    permissions=(BENCHES_MANAGE,),
    routers=(router,),
    pages=(pages,),
    demo_seeders=(demo.seed,),
    jobs=(AIR_QUALITY,),
)
