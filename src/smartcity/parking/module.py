"""Parking: car parks and sensed spaces, ParkenDD and DATEX II, forecasts."""

from __future__ import annotations

from smartcity.core.modules import Module
from smartcity.parking import demo
from smartcity.parking.permissions import PARKING_MANAGE
from smartcity.parking.routes import parkendd_router, router

module = Module(
    name="parking",
    models=("smartcity.parking.models",),
    permissions=(PARKING_MANAGE,),
    routers=(router, parkendd_router),
    demo_seeders=(demo.seed,),
)
