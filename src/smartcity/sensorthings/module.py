"""The urban data platform: OGC SensorThings API 1.1 over HTTP and MQTT."""

from __future__ import annotations

from smartcity.core.modules import (
    MapLayer,
    Module,
    NotPersonal,
)
from smartcity.sensorthings.errors import StaError
from smartcity.sensorthings.extension_routes import router as extension_router
from smartcity.sensorthings.ingest.http_fast_path import ObservationFastPath
from smartcity.sensorthings.map import sensor_features
from smartcity.sensorthings.open_data import DATASETS
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
    datasets=DATASETS,
    map_layers=(
        MapLayer(
            "sensoren",
            "Sensors",
            sensor_features,
            permission=STA_READ_RESTRICTED,
            of_things=True,
        ),
    ),
    not_personal=(
        *(
            NotPersonal(
                table,
                ("name", "description", "properties"),
                "Describes the city's devices, places and quantities, never a person.",
            )
            for table in (
                "sta_thing",
                "sta_location",
                "sta_sensor",
                "sta_observed_property",
                "sta_datastream",
                "sta_multi_datastream",
                "sta_feature_of_interest",
                "sta_actuator",
                "sta_tasking_capability",
            )
        ),
        NotPersonal(
            "sta_observation", ("parameters",), "Measurement parameters of a device reading."
        ),
        NotPersonal("sta_observation", ("result_string",), "A device's reading as text."),
        NotPersonal("sta_task", ("tasking_parameters",), "A command to a device."),
        NotPersonal(
            "sta_tasking_capability", ("tasking_parameters",), "What a device can be told."
        ),
        NotPersonal(
            "sta_multi_datastream",
            ("multi_observation_data_types",),
            "The kinds of a device's results.",
        ),
    ),
)
