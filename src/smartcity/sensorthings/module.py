"""The urban data platform: OGC SensorThings API 1.1 over HTTP and MQTT."""

from __future__ import annotations

from smartcity.core.modules import MapLayer, Module
from smartcity.sensorthings.errors import StaError
from smartcity.sensorthings.extension_routes import router as extension_router
from smartcity.sensorthings.ingest.http_fast_path import ObservationFastPath
from smartcity.sensorthings.map import sensor_features
from smartcity.sensorthings.partitions import PARTITIONS
from smartcity.sensorthings.permissions import STA_READ_RESTRICTED, STA_WRITE
from smartcity.sensorthings.retention import RETENTION
from smartcity.sensorthings.routes import router, sta_error
from smartcity.sensorthings.runtime import attach as attach_ingest
from smartcity.sensorthings.runtime import broker_policy

module = Module(
    name="sensorthings",
    models=("smartcity.sensorthings.models",),
    permissions=(STA_WRITE, STA_READ_RESTRICTED),
    routers=(router, extension_router),
    exception_handlers={StaError: sta_error},
    runtime=attach_ingest,
    jobs=(PARTITIONS, RETENTION),
    broker_policy=broker_policy,
    middleware=(ObservationFastPath,),
    map_layers=(
        MapLayer(
            "sensoren",
            "Sensors",
            sensor_features,
            permission=STA_READ_RESTRICTED,
            of_things=True,
        ),
    ),
)
