"""Water-meter readings for the Stadtwerke: registry, plausibility, review, billing export."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import Module, NavEntry
from smartcity.watermeter import demo
from smartcity.watermeter.pages import portal_pages, staff_pages
from smartcity.watermeter.permissions import WATERMETER_EXPORT, WATERMETER_MANAGE
from smartcity.watermeter.routes import router

HERE = Path(__file__).parent

module = Module(
    name="watermeter",
    requires=("citizen",),
    models=("smartcity.watermeter.models",),
    permissions=(WATERMETER_MANAGE, WATERMETER_EXPORT),
    routers=(router,),
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    navigation=(NavEntry("wasserzaehler", "Water meter review", WATERMETER_MANAGE, order=30),),
)
