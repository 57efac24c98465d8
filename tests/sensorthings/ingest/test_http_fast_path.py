"""Devices posting Observations with an API key take the ingestion pipeline; what they get
back must be exactly what the general SensorThings routes would have answered."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.sensorthings.conftest import STA


def _datastream(writer: TestClient) -> int:
    datastream_id: int = writer.get(f"{STA}/Datastreams").json()["value"][0]["@iot.id"]
    return datastream_id


def test_created_observation_reads_back_identically(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    datastream_id = _datastream(writer)
    created = writer.post(
        f"{STA}/Datastreams({datastream_id})/Observations",
        json={
            "phenomenonTime": "2026-11-26T12:00:00Z/2026-11-26T12:15:00Z",
            "resultTime": "2026-11-26T12:15:01Z",
            "result": 7.5,
            "resultQuality": {"flag": "checked"},
            "parameters": {"battery": 3.1},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == body["@iot.selfLink"]
    assert writer.get(body["@iot.selfLink"].replace("https://testserver", "")).json() == body
    feature = writer.get(f"{STA}/Observations({body['@iot.id']})/FeatureOfInterest").json()
    assert feature["name"] == "Altmarkt"  # made from the Thing's Location


def test_observation_linked_by_id_in_the_body(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    datastream_id = _datastream(writer)
    created = writer.post(
        f"{STA}/Observations",
        json={"result": 2, "Datastream": {"@iot.id": datastream_id, "name": "ignored"}},
    )
    assert created.status_code == 201, created.text
    assert (
        writer.get(f"{STA}/Observations({created.json()['@iot.id']})/Datastream").json()["@iot.id"]
        == datastream_id
    )


def test_basic_authentication_as_frost_clients_send_it(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    key = writer.headers.pop("Authorization").removeprefix("Bearer ")
    token = base64.b64encode(f"device:{key}".encode()).decode()
    created = writer.post(
        f"{STA}/Datastreams({_datastream(writer)})/Observations",
        json={"result": 1},
        headers={"Authorization": f"Basic {token}"},
    )
    assert created.status_code == 201, created.text


def test_bad_observations_get_the_general_error_messages(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    url = f"{STA}/Datastreams({_datastream(writer)})/Observations"
    cases = [
        ({"phenomenonTime": "yesterday", "result": 1}, "phenomenonTime"),
        ({"result": "warm"}, "OM_Measurement"),
        ({"phenomenonTime": "2026-11-26T12:00:00Z"}, "result"),
        ({"result": 1, "colour": "red"}, "colour"),
        ({"result": 1, "FeatureOfInterest": {"@iot.id": 999999}}, "FeatureOfInterest"),
    ]
    for payload, named in cases:
        response = writer.post(url, json=payload)
        assert response.status_code == 400, payload
        assert named in response.json()["message"], response.json()
    assert writer.post(url, content=b"{not json").status_code == 400
    # Values the database could not store are refused before they reach it.
    for body in (b'{"result": NaN}', b'{"result": Infinity}'):
        refused = writer.post(url, content=body, headers={"Content-Type": "application/json"})
        assert refused.status_code == 400
        assert "finite" in refused.json()["message"]
    assert (
        writer.post(f"{STA}/Datastreams(999999)/Observations", json={"result": 1}).status_code
        == 404
    )


def test_an_inline_feature_of_interest_still_works(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    created = writer.post(
        f"{STA}/Datastreams({_datastream(writer)})/Observations",
        json={
            "result": 4,
            "FeatureOfInterest": {
                "name": "Messpunkt Nord",
                "encodingType": "application/geo+json",
                "feature": {"type": "Point", "coordinates": [13.74, 51.06]},
            },
        },
    )
    assert created.status_code == 201, created.text
    feature = writer.get(f"{STA}/Observations({created.json()['@iot.id']})/FeatureOfInterest")
    assert feature.json()["name"] == "Messpunkt Nord"


def test_keys_are_checked_as_everywhere(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    url = f"{STA}/Datastreams({_datastream(writer)})/Observations"
    radebeul_key = world.api_key(world.radebeul, "sta:write")
    read_only_key = world.api_key(world.dresden, "sta:read")
    foreign = writer.post(
        url, json={"result": 1}, headers={"Authorization": f"Bearer {radebeul_key}"}
    )
    assert foreign.status_code == 401
    read_only = writer.post(
        url, json={"result": 1}, headers={"Authorization": f"Bearer {read_only_key}"}
    )
    assert read_only.status_code == 403
    unknown = writer.post(url, json={"result": 1}, headers={"Authorization": "Bearer sck_nope"})
    assert unknown.status_code == 401
    # Radebeul's own path does not know Dresden's Datastream.
    across = writer.post(
        "/radebeul/sta/v1.1/Observations",
        json={"result": 1, "Datastream": {"@iot.id": _datastream(writer)}},
        headers={"Authorization": f"Bearer {radebeul_key}"},
    )
    assert across.status_code == 400


def test_concurrent_posts_are_all_stored_once(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    datastream_id = _datastream(writer)
    url = f"{STA}/Datastreams({datastream_id})/Observations"

    def post(index: int) -> int:
        response = writer.post(
            url,
            json={
                "phenomenonTime": f"2026-11-27T00:{index // 60:02d}:{index % 60:02d}Z",
                "result": index,
            },
        )
        assert response.status_code == 201, response.text
        observation_id: int = response.json()["@iot.id"]
        return observation_id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(post, range(200)))
    assert len(set(ids)) == 200
    stored = writer.get(
        f"{STA}/Datastreams({datastream_id})/Observations?$filter=phenomenonTime ge "
        "2026-11-27T00:00:00Z&$count=true&$top=1"
    ).json()
    assert stored["@iot.count"] == 200
    daily = writer.get(
        f"/dresden/api/v1/sensorthings/datastreams/{datastream_id}/aggregate"
        "?from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z&interval=P1D"
    ).json()
    assert daily["value"][0]["count"] == 200
    assert daily["value"][0]["sum"] == sum(range(200))


def test_create_observations_through_the_pipeline(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    datastream_id = _datastream(writer)
    response = writer.post(
        f"{STA}/CreateObservations",
        json=[
            {
                "Datastream": {"@iot.id": datastream_id},
                "components": ["phenomenonTime", "result"],
                "dataArray": [
                    ["2026-11-28T00:00:00Z", 1],
                    ["not a time", 2],
                    ["2026-11-28T00:01:00Z", "warm"],
                    ["2026-11-28T00:02:00Z", 3],
                ],
            }
        ],
    )
    assert response.status_code == 201, response.text
    answers = response.json()
    assert answers[1] == answers[2] == "error"
    for link in (answers[0], answers[3]):
        assert writer.get(link.replace("https://testserver", "")).status_code == 200


def test_ids_beyond_the_column_range_are_simply_unknown(
    writer: TestClient, bench_thing: dict[str, Any]
) -> None:
    for ident in (2**31, 2**40, 2**63 - 1):
        missing = writer.post(f"{STA}/Datastreams({ident})/Observations", json={"result": 1})
        assert missing.status_code == 404, missing.text
        linked = writer.post(
            f"{STA}/Observations", json={"result": 1, "Datastream": {"@iot.id": ident}}
        )
        assert linked.status_code == 400, linked.text
        assert writer.get(f"{STA}/Datastreams({ident})").status_code == 404


def test_a_linked_feature_of_another_municipality_is_not_found_cached_or_not(
    client: TestClient, writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    """The device's own feature links fine; Radebeul's is refused with the general message,
    also once its owner is cached (the second post takes the path without a thread)."""
    radebeul_key = world.api_key(world.radebeul, "sta:write")
    theirs = client.post(
        "/radebeul/sta/v1.1/FeaturesOfInterest",
        json={
            "name": "Marktplatz",
            "encodingType": "application/geo+json",
            "feature": {"type": "Point", "coordinates": [13.66, 51.11]},
        },
        headers={"Authorization": f"Bearer {radebeul_key}"},
    )
    assert theirs.status_code == 201, theirs.text
    url = f"{STA}/Datastreams({_datastream(writer)})/Observations"
    ours = writer.get(f"{STA}/FeaturesOfInterest").json()["value"][0]["@iot.id"]
    for _ in range(2):
        linked = writer.post(url, json={"result": 1, "FeatureOfInterest": {"@iot.id": ours}})
        assert linked.status_code == 201, linked.text
        refused = writer.post(
            url, json={"result": 1, "FeatureOfInterest": {"@iot.id": theirs.json()["@iot.id"]}}
        )
        assert refused.status_code == 400
        assert "FeatureOfInterest" in refused.json()["message"]
