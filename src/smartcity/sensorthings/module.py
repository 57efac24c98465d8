"""The urban data platform: OGC SensorThings API 1.1 over HTTP and MQTT."""

from __future__ import annotations

from smartcity.core.modules import Module
from smartcity.sensorthings.errors import StaError
from smartcity.sensorthings.extension_routes import router as extension_router
from smartcity.sensorthings.ingest.http_fast_path import ObservationFastPath
from smartcity.sensorthings.ingest.runtime import attach as attach_ingest
from smartcity.sensorthings.ingest.runtime import broker_policy
from smartcity.sensorthings.partitions import PARTITIONS
from smartcity.sensorthings.permissions import STA_READ_RESTRICTED, STA_WRITE
from smartcity.sensorthings.retention import RETENTION
from smartcity.sensorthings.routes import router, sta_error

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
)
