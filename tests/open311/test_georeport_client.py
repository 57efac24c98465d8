"""Interoperability: `georeport` from PyPI, a real Open311 GeoReport v2 client, reads our
services and requests over HTTP, in JSON and in XML."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from georeport import GeoReport

from tests.conftest import World, free_port

pytestmark = pytest.mark.usefixtures("categories")


@pytest.fixture
def base_url(app: FastAPI, world: World) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/dresden/open311/v2"
    server.should_exit = True
    thread.join(5)


def _file(base_url: str, key: str) -> str:
    response = httpx.post(
        f"{base_url}/requests.json",
        data={
            "api_key": key,
            "service_code": "muell",
            "lat": "51.0631",
            "long": "13.7480",
            "description": "Alte Matratze am Albertplatz",
            "attribute[art][]": ["sperrmuell", "elektro"],
        },
    )
    assert response.status_code == 201, response.text
    request_id: str = response.json()[0]["service_request_id"]
    return request_id


@pytest.mark.parametrize("output", ["json", "xml"])
def test_the_georeport_client_reads_everything(base_url: str, app_key: str, output: str) -> None:
    request_id = _file(base_url, app_key)
    client = GeoReport(base_url, output_format=output)

    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {
        "strassenschaden",
        "muell",
        "beleuchtung",
        "spielplatz",
    }
    definition = client.get_service_definition("muell")
    assert definition["service_code"] == "muell"

    found = client.get_service_requests(service_code="muell", status="open")
    found = found if isinstance(found, list) else [found]  # xmltodict gives one as a dict
    assert [r["service_request_id"] for r in found] == [request_id]
    single = client.get_service_request(request_id)
    assert single["service_name"] == "Illegale Müllablagerung"
    assert single["status"] == "open"
    assert single["agency_responsible"] == "Amt für Stadtgrün und Abfallwirtschaft"
