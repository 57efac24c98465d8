"""Fast read paths answer exactly what the generic ones do: the newest Observation of each
stream on a page (`$expand=Observations($top=1;$orderby=phenomenonTime desc)`, one statement
for the page), and Observations without the navigation link to the kind of stream they do not
belong to."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.sensorthings.conftest import STA
from tests.sensorthings.test_multi_datastream import _station

NEWEST = "Observations($top=1;$orderby=phenomenonTime desc)"
# The same question the fast path does not take (two order keys): the generic expansion.
GENERIC = "Observations($top=1;$orderby=phenomenonTime desc,id asc)"


def _stream(writer: TestClient, thing_id: int, name: str, observations: list[Any]) -> int:
    created = writer.post(
        f"{STA}/Things({thing_id})/Datastreams",
        json={
            "name": name,
            "observationType": "OM_Measurement",
            "unitOfMeasurement": {"name": "Grad Celsius", "symbol": "°C", "definition": "degC"},
            "Sensor": {"name": "DHT22", "encodingType": "text/plain", "metadata": "-"},
            "ObservedProperty": {"name": name, "definition": name},
            "Observations": observations,
        },
    )
    assert created.status_code == 201, created.text
    ident: int = created.json()["@iot.id"]
    return ident


def _same(client: TestClient, path: str, query: str) -> dict[str, Any]:
    fast = client.get(f"{STA}/{path}?{query.format(expand=NEWEST)}")
    generic = client.get(f"{STA}/{path}?{query.format(expand=GENERIC)}")
    assert fast.status_code == 200, fast.text
    body: dict[str, Any] = fast.json()
    expected = generic.json()
    # The next page's link repeats each request's own $expand.
    assert ("@iot.nextLink" in body) == ("@iot.nextLink" in expected)
    body.pop("@iot.nextLink", None)
    expected.pop("@iot.nextLink", None)
    assert body == expected
    return body


def test_newest_observation_per_datastream_equals_the_generic_expansion(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    thing = bench_thing["@iot.id"]
    # Two Observations at the same newest time: the generic order takes the lower id.
    tied = _stream(
        writer,
        thing,
        "Luftfeuchte",
        [
            {"phenomenonTime": "2026-11-26T10:00:00Z", "result": 61},
            {"phenomenonTime": "2026-11-26T12:00:00Z", "result": 62},
            {"phenomenonTime": "2026-11-26T12:00:00Z", "result": 63},
            {"phenomenonTime": "2026-11-26T11:00:00Z/2026-11-26T13:00:00Z", "result": 64},
        ],
    )
    empty = _stream(writer, thing, "Niederschlag", [])

    body = _same(writer, f"Things({thing})/Datastreams", "$expand={expand}")
    by_id = {stream["@iot.id"]: stream["Observations"] for stream in body["value"]}
    assert by_id[empty] == []
    assert [o["result"] for o in by_id[tied]] == [62]
    assert len(body["value"]) == 3

    # With $select inside the expansion, nested under Things, and paged.
    _same(writer, "Things", "$expand=Datastreams($expand={expand})")
    _same(
        writer,
        f"Things({thing})/Datastreams",
        "$expand={expand}&$top=2&$orderby=name",
    )
    select = ";$select=result,phenomenonTime)"
    fast = writer.get(f"{STA}/Datastreams?$select=name&$expand={NEWEST[:-1]}{select}")
    generic = writer.get(f"{STA}/Datastreams?$select=name&$expand={GENERIC[:-1]}{select}")
    assert fast.json() == generic.json()
    selected = fast.json()
    assert set(selected["value"][0]["Observations"][0]) == {"result", "phenomenonTime"}
    assert all("@iot.selfLink" not in stream for stream in selected["value"])


def test_newest_observation_of_a_multi_datastream_and_for_public_readers(
    writer: TestClient, client: TestClient, world: World
) -> None:
    station = _station(writer)
    multi = writer.get(f"{STA}/Things({station['@iot.id']})/MultiDatastreams").json()["value"][0]
    for minute, speed in ((0, 3.0), (5, 4.5)):
        writer.post(
            f"{STA}/MultiDatastreams({multi['@iot.id']})/Observations",
            json={"phenomenonTime": f"2026-11-26T10:0{minute}:00Z", "result": [speed, 270]},
        )
    body = _same(writer, "MultiDatastreams", "$expand={expand}")
    assert [o["result"] for o in body["value"][0]["Observations"]] == [[4.5, 270]]

    # A restricted Thing's streams stay hidden from the public, expanded or not.
    writer.patch(
        f"{STA}/Things({station['@iot.id']})", json={"properties": {"access": "restricted"}}
    )
    del client.headers["Authorization"]
    assert _same(client, "MultiDatastreams", "$expand={expand}")["value"] == []


def test_observations_link_only_to_the_stream_kind_they_belong_to(
    writer: TestClient, world: World, bench_thing: dict[str, Any]
) -> None:
    station = _station(writer)
    multi = writer.get(f"{STA}/Things({station['@iot.id']})/MultiDatastreams").json()["value"][0]
    writer.post(
        f"{STA}/MultiDatastreams({multi['@iot.id']})/Observations",
        json={"phenomenonTime": "2026-11-26T10:00:00Z", "result": [3.0, 90]},
    )
    observations = writer.get(f"{STA}/Observations?$orderby=id").json()["value"]
    single = [o for o in observations if not isinstance(o["result"], list)]
    multiple = [o for o in observations if isinstance(o["result"], list)]
    assert single
    assert multiple
    for observation in single:
        assert "Datastream@iot.navigationLink" in observation
        assert "MultiDatastream@iot.navigationLink" not in observation
        assert "FeatureOfInterest@iot.navigationLink" in observation
    for observation in multiple:
        assert "MultiDatastream@iot.navigationLink" in observation
        assert "Datastream@iot.navigationLink" not in observation
    # One entity read on its own says the same.
    one = writer.get(f"{STA}/Observations({single[0]['@iot.id']})").json()
    assert "MultiDatastream@iot.navigationLink" not in one
    assert one["Datastream@iot.navigationLink"].endswith(
        f"Observations({one['@iot.id']})/Datastream"
    )
