"""Street lighting: programs, control by Tasks, fault detection with repair cases, energy."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    LiveSource,
    MapLayer,
    Module,
    NotPersonal,
)
from smartcity.lighting import demo
from smartcity.lighting.jobs import CONTROL, FAULTS
from smartcity.lighting.map import lamp_datastreams, lamp_features, lamp_things
from smartcity.lighting.open_data import DATASETS
from smartcity.lighting.permissions import LIGHTING_OPERATE, LIGHTING_READ
from smartcity.lighting.proposals import outages
from smartcity.lighting.routes import router

HERE = Path(__file__).parent

module = Module(
    name="lighting",
    requires=("cases", "citizen"),
    models=("smartcity.lighting.models",),
    permissions=(LIGHTING_OPERATE, LIGHTING_READ),
    routers=(router,),
    demo_seeders=(demo.seed,),
    jobs=(CONTROL, FAULTS),
    datasets=DATASETS,
    channel_proposals=(outages,),
    map_layers=(
        MapLayer(
            "lampen",
            "Street lights",
            lamp_features,
            permission=LIGHTING_READ,
            things=lamp_things,
        ),
    ),
    live_sources=(LiveSource("lampen", lamp_datastreams),),
    # The texts of the lamps on the map (map.py).
    translations=HERE / "locale",
    not_personal=(
        NotPersonal("lighting_group", ("name",), "A street or park lit by one program."),
        NotPersonal("luminaire", ("name",), "A street light's number."),
    ),
)
