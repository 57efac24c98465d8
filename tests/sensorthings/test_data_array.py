"""The data array extension (OGC 18-088, 14.3; conformance class 'dataArray')."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.sensorthings.conftest import STA


def _local(link: str) -> str:
    return STA + link.split("/sta/v1.1", 1)[1]


def _datastream_id(client: TestClient) -> int:
    return int(client.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"])


def test_read_as_data_array(client: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/data-array/data-array: Observations grouped by Datastream."""
    datastream_id = _datastream_id(client)
    body = client.get(
        f"{STA}/Datastreams({datastream_id})/Observations?$resultFormat=dataArray"
        "&$select=phenomenonTime,result&$orderby=phenomenonTime&$count=true"
    ).json()
    group = body["value"][0]
    assert group["Datastream@iot.navigationLink"].endswith(f"/Datastreams({datastream_id})")
    assert group["components"] == ["phenomenonTime", "result"]
    assert group["dataArray@iot.count"] == 3
    assert group["dataArray"][0] == ["2026-11-26T08:00:00Z", 3.5]
    assert body["@iot.count"] == 3
    default = client.get(f"{STA}/Observations?$resultFormat=dataArray").json()["value"][0]
    assert default["components"] == ["id", "phenomenonTime", "resultTime", "result"]


def test_create_observations(writer: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/create-observations-via-dataarray: one self link per row."""
    datastream_id = _datastream_id(writer)
    feature_id = writer.get(f"{STA}/FeaturesOfInterest").json()["value"][0]["@iot.id"]
    payload = [
        {
            "Datastream": {"@iot.id": datastream_id},
            "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
            "dataArray@iot.count": 3,
            "dataArray": [
                ["2026-11-26T12:00:00Z", 8.5, feature_id],
                ["2026-11-26T12:15:00+01:00", 9.0, feature_id],
                ["not a time", 9.5, feature_id],
            ],
        },
        {
            "Datastream": {"@iot.id": datastream_id},
            "components": ["result", "phenomenonTime", "parameters"],
            "dataArray": [[10.25, "2026-11-26T12:30:00Z", {"battery": 87}]],
        },
    ]
    response = writer.post(f"{STA}/CreateObservations", json=payload)
    assert response.status_code == 201, response.text
    links = response.json()
    assert len(links) == 4
    assert links[2] == "error"
    created = writer.get(_local(links[1])).json()
    assert created["phenomenonTime"] == "2026-11-26T11:15:00Z"
    assert created["result"] == 9.0
    generated = writer.get(_local(links[3]) + "/FeatureOfInterest")
    assert generated.json()["@iot.id"] == feature_id  # derived from the Thing's Location, reused
    count = writer.get(f"{STA}/Datastreams({datastream_id})/Observations?$count=true").json()
    assert count["@iot.count"] == 6


def test_create_observations_rejects_bad_groups(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    datastream_id = _datastream_id(writer)
    cases = [
        {"not": "a list"},
        [{"components": ["result"], "dataArray": [[1]]}],
        [{"Datastream": {"@iot.id": 999999}, "components": ["result"], "dataArray": [[1]]}],
        [{"Datastream": {"@iot.id": datastream_id}, "components": ["colour"], "dataArray": []}],
        [
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["phenomenonTime"],
                "dataArray": [],
            }
        ],
    ]
    for payload in cases:
        response = writer.post(f"{STA}/CreateObservations", json=payload)
        assert response.status_code == 400, payload
    radebeul = writer.post(
        "/radebeul/sta/v1.1/CreateObservations",
        json=[
            {"Datastream": {"@iot.id": datastream_id}, "components": ["result"], "dataArray": [[1]]}
        ],
    )
    assert radebeul.status_code == 401  # Dresden's key is not valid in Radebeul


def test_features_of_another_municipality_are_errors(
    client: TestClient, world: World, writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    dresden_feature = writer.get(f"{STA}/FeaturesOfInterest").json()["value"][0]["@iot.id"]
    device = TestClient(client.app, base_url="https://testserver")
    device.headers["Authorization"] = f"Bearer {world.api_key(world.radebeul, 'sta:write')}"
    thing = {
        "name": "Pegel",
        "Locations": [
            {
                "name": "Elbe",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [13.6, 51.1]},
            }
        ],
        "Datastreams": [
            {
                "name": "Pegel",
                "observationType": "OM_Measurement",
                "unitOfMeasurement": {"name": "cm", "symbol": "cm", "definition": "cm"},
                "Sensor": {"name": "s", "encodingType": "text/plain", "metadata": "m"},
                "ObservedProperty": {"name": "Wasserstand", "definition": "w"},
            }
        ],
    }
    created = device.post("/radebeul/sta/v1.1/Things", json=thing)
    assert created.status_code == 201, created.text
    datastream_id = device.get("/radebeul/sta/v1.1/Datastreams").json()["value"][0]["@iot.id"]
    answer = device.post(
        "/radebeul/sta/v1.1/CreateObservations",
        json=[
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["result", "FeatureOfInterest/id"],
                "dataArray": [[120, dresden_feature]],
            }
        ],
    )
    assert answer.json() == ["error"]
