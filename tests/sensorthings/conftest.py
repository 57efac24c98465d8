from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World

STA = "/dresden/sta/v1.1"

THING_WITH_EVERYTHING: dict[str, Any] = {
    "name": "Bank am Altmarkt",
    "description": "Smarte Sitzbank mit Umweltsensoren",
    "properties": {"owner": "Stadt Dresden", "installed": 2024, "solar": True},
    "Locations": [
        {
            "name": "Altmarkt",
            "description": "Westseite",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [13.7373, 51.0504]},
        }
    ],
    "Datastreams": [
        {
            "name": "Lufttemperatur",
            "description": "Temperatur 2 m über Grund",
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "unitOfMeasurement": {
                "name": "degree Celsius",
                "symbol": "°C",
                "definition": "http://unitsofmeasure.org/ucum.html#para-30",
            },
            "Sensor": {
                "name": "SHT31",
                "description": "Temperatur- und Feuchtesensor",
                "encodingType": "application/pdf",
                "metadata": "https://example.org/sht31.pdf",
            },
            "ObservedProperty": {
                "name": "Lufttemperatur",
                "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/",
                "description": "Temperatur der Umgebungsluft",
            },
            "Observations": [
                {"phenomenonTime": "2026-11-26T08:00:00Z", "result": 3.5},
                {"phenomenonTime": "2026-11-26T09:00:00Z", "result": 4.25},
                {"phenomenonTime": "2026-11-26T10:00:00Z", "result": 6},
            ],
        }
    ],
}


@pytest.fixture
def writer(client: TestClient, world: World) -> TestClient:
    """A device with an API key of scope sta:write for Dresden."""
    key = world.api_key(world.dresden, "sta:write")
    client.headers["Authorization"] = f"Bearer {key}"
    return client


@pytest.fixture
def bench_thing(writer: TestClient) -> dict[str, Any]:
    response = writer.post(f"{STA}/Things", json=THING_WITH_EVERYTHING)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(response: Any) -> list[int]:
    return [entity["@iot.id"] for entity in response.json()["value"]]


Get = Callable[..., Any]
