"""MultiDatastreams (OGC 18-088, 8.2.9 and the MultiDatastream extension): one Observation
carries several ObservedProperties; its result is an array in their order."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.sensorthings.conftest import STA

WIND: dict[str, Any] = {
    "name": "Wind am Elbufer",
    "description": "Geschwindigkeit und Richtung",
    "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation",
    "multiObservationDataTypes": [
        "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
    ],
    "unitOfMeasurements": [
        {"name": "Meter pro Sekunde", "symbol": "m/s", "definition": "ucum:m/s"},
        {"name": "Grad", "symbol": "°", "definition": "ucum:deg"},
    ],
    "Sensor": {
        "name": "Anemometer",
        "description": "",
        "encodingType": "text/plain",
        "metadata": "-",
    },
    "ObservedProperties": [
        {"name": "Windgeschwindigkeit", "definition": "wind_speed", "description": ""},
        {"name": "Windrichtung", "definition": "wind_from_direction", "description": ""},
    ],
    "Observations": [{"phenomenonTime": "2026-11-26T08:00:00Z", "result": [4.2, 270]}],
}


def _station(writer: TestClient) -> dict[str, Any]:
    response = writer.post(
        f"{STA}/Things",
        json={
            "name": "Wetterstation Elbufer",
            "description": "",
            "Locations": [
                {
                    "name": "Elbufer",
                    "description": "",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.74, 51.055]},
                }
            ],
            "MultiDatastreams": [WIND],
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_deep_insert_and_order_of_observed_properties(writer: TestClient, world: World) -> None:
    station = _station(writer)
    multi = writer.get(f"{STA}/Things({station['@iot.id']})/MultiDatastreams").json()["value"][0]
    assert multi["unitOfMeasurements"][1]["symbol"] == "°"
    properties = writer.get(f"{STA}/MultiDatastreams({multi['@iot.id']})/ObservedProperties")
    assert [p["name"] for p in properties.json()["value"]] == [
        "Windgeschwindigkeit",
        "Windrichtung",
    ]
    observations = writer.get(f"{STA}/MultiDatastreams({multi['@iot.id']})/Observations")
    assert observations.json()["value"][0]["result"] == [4.2, 270]
    added = writer.post(
        f"{STA}/MultiDatastreams({multi['@iot.id']})/Observations",
        json={"phenomenonTime": "2026-11-26T09:00:00Z", "result": [5.0, 260]},
    )
    assert added.status_code == 201, added.text
    feature = writer.get(f"{STA}/Observations({added.json()['@iot.id']})/FeatureOfInterest")
    assert feature.json()["name"] == "Elbufer"


def test_result_must_match_the_observed_properties(writer: TestClient, world: World) -> None:
    station = _station(writer)
    multi_id = writer.get(f"{STA}/Things({station['@iot.id']})/MultiDatastreams").json()["value"][
        0
    ]["@iot.id"]
    for result in (4.2, [4.2], [4.2, 270, 1]):
        response = writer.post(
            f"{STA}/MultiDatastreams({multi_id})/Observations", json={"result": result}
        )
        assert response.status_code == 400, result
        assert "array of 2" in response.json()["message"]


def test_inconsistent_multi_datastreams_are_refused(writer: TestClient, world: World) -> None:
    station = _station(writer)
    broken = {
        **WIND,
        "unitOfMeasurements": WIND["unitOfMeasurements"][:1],
        "Thing": {"@iot.id": station["@iot.id"]},
    }
    broken.pop("Observations")
    response = writer.post(f"{STA}/MultiDatastreams", json=broken)
    assert response.status_code == 400
    assert "unitOfMeasurements" in response.json()["message"]
    neither = writer.post(f"{STA}/Observations", json={"result": 1})
    assert neither.status_code == 400


def test_observations_of_both_kinds_in_one_collection(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    _station(writer)
    results = [o["result"] for o in writer.get(f"{STA}/Observations?$orderby=id").json()["value"]]
    assert [4.2, 270] in results
    assert 3.5 in results
    data_array = writer.get(f"{STA}/Observations?$resultFormat=dataArray").json()["value"]
    kinds = sorted(
        next(k for k in group if k.endswith("@iot.navigationLink")) for group in data_array
    )
    assert kinds == ["Datastream@iot.navigationLink", "MultiDatastream@iot.navigationLink"]


def test_create_observations_for_a_multi_datastream(writer: TestClient, world: World) -> None:
    station = _station(writer)
    multi_id = writer.get(f"{STA}/Things({station['@iot.id']})/MultiDatastreams").json()["value"][
        0
    ]["@iot.id"]
    response = writer.post(
        f"{STA}/CreateObservations",
        json=[
            {
                "MultiDatastream": {"@iot.id": multi_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": [
                    ["2026-11-26T10:00:00Z", [3.1, 250]],
                    ["2026-11-26T10:10:00Z", [3.3]],
                ],
            }
        ],
    )
    assert response.status_code == 201, response.text
    links = response.json()
    assert links[1] == "error"
    created = writer.get(STA + links[0].split("/sta/v1.1", 1)[1] + "/MultiDatastream").json()
    assert created["@iot.id"] == multi_id
