"""Interoperability: the real Python client of FROST-Server, `frost-sta-client` from PyPI,
drives our server unchanged over HTTP (it authenticates with HTTP Basic, the API key as
password)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import frost_sta_client as fsc
import pytest
import uvicorn
from fastapi import FastAPI
from geojson import Point

from tests.conftest import World, free_port


@pytest.fixture
def service(app: FastAPI, world: World) -> Iterator[fsc.SensorThingsService]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    key = world.api_key(world.dresden, "sta:write")
    yield fsc.SensorThingsService(
        f"http://127.0.0.1:{port}/dresden/sta/v1.1",
        auth_handler=fsc.AuthHandler(username="frost-client", password=key),
    )
    server.should_exit = True
    thread.join(5)


def _thing() -> fsc.Thing:
    location = fsc.Location(
        name="Altmarkt",
        description="Westseite",
        encoding_type="application/geo+json",
        location=Point((13.7373, 51.0504)),
    )
    sensor = fsc.Sensor(
        name="SHT31",
        description="Temperatursensor",
        encoding_type="application/pdf",
        metadata="https://example.org/sht31.pdf",
    )
    observed_property = fsc.ObservedProperty(
        name="Lufttemperatur",
        definition="http://vocab.nerc.ac.uk/P07/CFSN0023",
        description="Temperatur der Umgebungsluft",
    )
    datastream = fsc.Datastream(
        name="Lufttemperatur",
        description="2 m über Grund",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement=fsc.UnitOfMeasurement(
            name="degree Celsius", symbol="°C", definition="ucum:Cel"
        ),
        sensor=sensor,
        observed_property=observed_property,
    )
    return fsc.Thing(
        name="Bank am Altmarkt",
        description="Smarte Sitzbank",
        properties={"owner": "Stadt Dresden"},
        locations=[location],
        datastreams=[datastream],
    )


def test_frost_client_round_trip(service: fsc.SensorThingsService) -> None:
    thing = _thing()
    service.create(thing)  # deep insert
    assert thing.id is not None

    datastream = service.datastreams().query().list().entities[0]
    for hour, value in enumerate((3.5, 4.25, 6.0, 7.5)):
        observation = fsc.Observation(
            result=value, phenomenon_time=f"2026-11-26T0{hour}:00:00Z", datastream=datastream
        )
        service.create(observation)

    found = (
        service.observations()
        .query()
        .filter("result gt 4")
        .orderby("phenomenonTime", "DESC")  # the client sends upper-case DESC
        .top(2)
        .select("result", "phenomenonTime", "id")
        .list()
    )
    assert [o.result for o in found.entities] == [7.5, 6.0]

    expanded = service.things().query().expand("Datastreams($expand=Observations($top=1))").list()
    assert expanded.entities[0].datastreams.entities[0].name == "Lufttemperatur"

    fetched = service.things().find(thing.id)
    assert fetched.properties == {"owner": "Stadt Dresden"}
    service.things().patch(fetched, [{"op": "replace", "path": "/name", "value": "Bank Neumarkt"}])
    assert service.things().find(thing.id).name == "Bank Neumarkt"

    service.delete(fetched)
    assert service.things().query().list().entities == []
    assert service.observations().query().list().entities == []
