"""Demo data: a street lamp in Dresden, with a day of readings, created
through the same writer the API uses."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from smartcity.core.db import utcnow
from smartcity.demo_hooks import DemoContext
from smartcity.sensorthings.entities import ENTITY_TYPES
from smartcity.sensorthings.writing import Writer

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def _datastream(name: str, unit: dict[str, str], observations: list[dict[str, Any]]) -> Any:
    return {
        "name": name,
        "description": f"{name} (Demo)",
        "observationType": MEASUREMENT,
        "unitOfMeasurement": unit,
        "Sensor": {
            "name": f"Sensor {name}",
            "description": "Demo-Sensor",
            "encodingType": "text/plain",
            "metadata": "Demo",
        },
        "ObservedProperty": {
            "name": name,
            "definition": f"urn:demo:{name.lower()}",
            "description": name,
        },
        "Observations": observations,
    }


def _day(base: float, swing: float) -> list[dict[str, Any]]:
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    readings = []
    for hours_ago in range(24, 0, -1):
        moment = now - timedelta(hours=hours_ago)
        value = base + swing * math.sin((moment.hour - 9) / 24 * 2 * math.pi)
        readings.append(
            {"phenomenonTime": moment.isoformat().replace("+00:00", "Z"), "result": round(value, 1)}
        )
    return readings


def _location(name: str, lon: float, lat: float) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "description": "",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [lon, lat]},
        }
    ]


def seed(context: DemoContext) -> None:
    dresden = context.municipalities.get("dresden")
    if dresden is None:
        return
    things = [
        {
            "name": "Leuchte Prager Straße 12",
            "description": "LED-Mastleuchte, dimmbar",
            "properties": {"kind": "luminaire"},
            "Locations": _location("Prager Straße 12", 13.7365, 51.0453),
            "Datastreams": [
                _datastream(
                    "Leistung",
                    {"name": "Watt", "symbol": "W", "definition": "ucum:W"},
                    _day(30.0, 20.0),
                ),
            ],
            "TaskingCapabilities": [
                {
                    "name": "Dimmen",
                    "description": "Dimmstufe 0–100 %",
                    "taskingParameters": {
                        "type": "DataRecord",
                        "field": [
                            {
                                "name": "dimLevel",
                                "dataType": {"type": "Count", "constraint": {"interval": [0, 100]}},
                            }
                        ],
                    },
                    "Actuator": {
                        "name": "DALI-Treiber",
                        "description": "",
                        "encodingType": "text/plain",
                        "metadata": "Demo",
                    },
                }
            ],
        },
    ]
    with context.tenant_session(dresden) as db:
        writer = Writer(db)
        for thing in things:
            writer.create(ENTITY_TYPES["Thing"], thing)
    context.say(f"Dresden: {len(things)} street lamp with a day of readings")
