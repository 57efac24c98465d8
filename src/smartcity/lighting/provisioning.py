"""A new luminaire's Thing: five Datastreams and the TaskingCapability for its dim level."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.models import Datastream, TaskingCapability
from smartcity.sensorthings.provisioning import StreamSpec, create_thing
from smartcity.sensorthings.writing import Writer

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
NO_UNIT = {"name": "", "symbol": "", "definition": ""}
STREAMS = {
    "power": (
        "Leistung",
        "urn:smartcity:lighting:power",
        "OM_Measurement",
        {"name": "Watt", "symbol": "W", "definition": "ucum:W"},
    ),
    "energy": (
        "Energie (Zählerstand)",
        "urn:smartcity:lighting:energy",
        "OM_Measurement",
        {"name": "Kilowattstunde", "symbol": "kWh", "definition": "ucum:kW.h"},
    ),
    "dim": (
        "Dimmstufe",
        "urn:smartcity:lighting:dim-level",
        "OM_Measurement",
        {"name": "Prozent", "symbol": "%", "definition": "ucum:%"},
    ),
    "hours": (
        "Betriebsstunden",
        "urn:smartcity:lighting:operating-hours",
        "OM_Measurement",
        {"name": "Stunde", "symbol": "h", "definition": "ucum:h"},
    ),
    "motion": ("Bewegung", "urn:smartcity:lighting:motion", "OM_TruthObservation", NO_UNIT),
}
DIM_PARAMETERS: dict[str, Any] = {
    "type": "DataRecord",
    "field": [
        {
            "name": "dimLevel",
            "label": "Dimmstufe",
            "description": "0–100 %",
            "dataType": {"type": "Count", "constraint": {"interval": [0, 100]}},
        }
    ],
}


def create_luminaire_thing(
    db: Session, *, name: str, lat: float, lon: float
) -> tuple[int, dict[str, int], int]:
    """The Thing id, the Datastream id per stream key and the TaskingCapability id."""
    thing = create_thing(
        db,
        name=name,
        description="Straßenleuchte",
        kind="luminaire",
        lat=lat,
        lon=lon,
        sensor_name="Leuchtensteuergerät",
        streams=[
            StreamSpec(
                {
                    "name": f"{label} {name}",
                    "description": label,
                    "observationType": OM + kind,
                    "unitOfMeasurement": unit,
                },
                label,
                definition,
            )
            for label, definition, kind, unit in STREAMS.values()
        ],
    )
    by_name: dict[str, Datastream] = {d.name: d for d in thing.datastreams}
    streams = {key: by_name[f"{label} {name}"].id for key, (label, *_rest) in STREAMS.items()}
    capability: TaskingCapability = Writer(db).create(
        ENTITY_TYPES["TaskingCapability"],
        {
            "name": f"Dimmen {name}",
            "description": "Dimmstufe der Leuchte setzen",
            "taskingParameters": DIM_PARAMETERS,
            "Thing": {"@iot.id": thing.id},
            "Actuator": {
                "name": f"Vorschaltgerät {name}",
                "description": "DALI-Treiber",
                "encodingType": "text/plain",
                "metadata": "",
            },
        },
    )
    return thing.id, streams, capability.id
