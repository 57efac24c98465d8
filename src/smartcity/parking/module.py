"""Parking: car parks and sensed spaces, ParkenDD and DATEX II, forecasts."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    LiveSource,
    MapLayer,
    Module,
    NavEntry,
    NotPersonal,
)
from smartcity.parking import demo
from smartcity.parking.map import car_park_features, occupancy_datastreams
from smartcity.parking.open_data import DATASETS
from smartcity.parking.pages import router as pages
from smartcity.parking.permissions import PARKING_MANAGE
from smartcity.parking.proposals import closed_car_parks
from smartcity.parking.routes import parkendd_router, router

HERE = Path(__file__).parent

module = Module(
    name="parking",
    models=("smartcity.parking.models",),
    permissions=(PARKING_MANAGE,),
    routers=(router, parkendd_router),
    pages=(pages,),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    portal_navigation=(NavEntry("parken", "Parking", order=20),),
    datasets=DATASETS,
    channel_proposals=(closed_car_parks,),
    map_layers=(MapLayer("parken", "Car parks", car_park_features),),
    live_sources=(LiveSource("parken", occupancy_datastreams),),
    not_personal=(
        NotPersonal("car_park", ("name", "address"), "A public car park and its address."),
    ),
)
