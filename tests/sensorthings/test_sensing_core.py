"""Conformance class 'sensing core' and 'resource path' (OGC 18-088, A.1 and A.2)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from smartcity.core.settings import Settings
from smartcity.sensorthings.routes import mqtt_endpoint
from tests.conftest import World
from tests.sensorthings.conftest import STA

ENTITY_SETS = [
    "Things",
    "Locations",
    "HistoricalLocations",
    "Sensors",
    "ObservedProperties",
    "Datastreams",
    "FeaturesOfInterest",
    "Observations",
]


def test_service_root_lists_entity_sets_and_conformance(client: TestClient, world: World) -> None:
    """Req 1 /req/resource-path/resource-path-to-entities: the service root lists the sets."""
    body = client.get(STA).json()
    assert [entry["name"] for entry in body["value"]][: len(ENTITY_SETS)] == ENTITY_SETS
    assert body["value"][0]["url"] == f"https://testserver{STA}/Things"
    conformance = body["serverSettings"]["conformance"]
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel" in conformance
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete" in conformance


def test_service_root_lists_multidatastreams_and_mqtt_with_its_endpoint(
    client: TestClient, world: World
) -> None:
    """18-088 8.2.3: the MultiDatastream and both MQTT classes we offer, each MQTT class with
    the broker's address (here the embedded broker on the host the API is reached at)."""
    settings = client.get(STA).json()["serverSettings"]
    sensing = "http://www.opengis.net/spec/iot_sensing/1.1/req"
    mqtt_classes = [
        f"{sensing}/create-observations-via-mqtt/observations-creation",
        f"{sensing}/receive-updates-via-mqtt/receive-updates",
    ]
    assert f"{sensing}/multi-datastream" in settings["conformance"]
    for name in mqtt_classes:
        assert name in settings["conformance"]
        assert settings[name] == {"endpoints": ["mqtt://testserver:1883"]}


def test_the_mqtt_endpoint_names_an_external_broker_without_its_credentials(
    settings: Settings,
) -> None:
    broker = "mqtts://platform:secret@broker.example.org:8883"
    external = settings.model_copy(update={"mqtt_url": broker})
    assert mqtt_endpoint(external, "https://city.example.org/x/sta/v1.1") == (
        "mqtts://broker.example.org:8883"
    )
    embedded = settings.model_copy(update={"mqtt_url": "", "mqtt_port": 1884})
    assert mqtt_endpoint(embedded, "https://city.example.org/x/sta/v1.1") == (
        "mqtt://city.example.org:1884"
    )


def test_entity_has_id_self_link_and_navigation_links(
    client: TestClient, bench_thing: dict[str, Any]
) -> None:
    """Req /req/datamodel/entity-control-information: @iot.id, @iot.selfLink, navigationLink."""
    thing = client.get(f"{STA}/Things({bench_thing['@iot.id']})").json()
    assert thing["@iot.selfLink"] == f"https://testserver{STA}/Things({thing['@iot.id']})"
    for nav in ("Locations", "HistoricalLocations", "Datastreams"):
        assert thing[f"{nav}@iot.navigationLink"] == f"{thing['@iot.selfLink']}/{nav}"
    assert thing["properties"] == {"owner": "Stadt Dresden", "installed": 2024, "solar": True}


def test_every_entity_set_answers(client: TestClient, bench_thing: dict[str, Any]) -> None:
    for entity_set in ENTITY_SETS:
        response = client.get(f"{STA}/{entity_set}")
        assert response.status_code == 200, entity_set
        assert len(response.json()["value"]) >= 1, entity_set


def test_paths_to_any_depth(client: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/resource-path/resource-path-to-entities: navigation from entity to entity."""
    thing_id = bench_thing["@iot.id"]
    datastreams = client.get(f"{STA}/Things({thing_id})/Datastreams").json()["value"]
    datastream_id = datastreams[0]["@iot.id"]
    observations = client.get(f"{STA}/Things({thing_id})/Datastreams({datastream_id})/Observations")
    assert [o["result"] for o in observations.json()["value"]] == [3.5, 4.25, 6]
    sensor = client.get(f"{STA}/Datastreams({datastream_id})/Sensor").json()
    assert sensor["name"] == "SHT31"
    thing = client.get(
        f"{STA}/Datastreams({datastream_id})/Sensor/Datastreams({datastream_id})/Thing"
    )
    assert thing.json()["name"] == "Bank am Altmarkt"


def test_property_and_value(client: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/resource-path: `/{property}` and `/{property}/$value`."""
    base = f"{STA}/Things({bench_thing['@iot.id']})"
    assert client.get(f"{base}/name").json() == {"name": "Bank am Altmarkt"}
    raw = client.get(f"{base}/name/$value")
    assert raw.text == "Bank am Altmarkt"
    assert raw.headers["content-type"].startswith("text/plain")
    assert client.get(f"{base}/properties").json()["properties"]["owner"] == "Stadt Dresden"


def test_references(client: TestClient, bench_thing: dict[str, Any]) -> None:
    """Req /req/resource-path: `$ref` lists self links only."""
    base = f"{STA}/Things({bench_thing['@iot.id']})"
    refs = client.get(f"{base}/Datastreams/$ref").json()["value"]
    assert list(refs[0]) == ["@iot.selfLink"]
    single = client.get(f"{STA}/Datastreams({refs[0]['@iot.selfLink'][-2]})/Thing/$ref").json()
    assert single == {"@iot.selfLink": f"https://testserver{base}"}


def test_unknown_paths_are_404(client: TestClient, bench_thing: dict[str, Any]) -> None:
    for path in (
        "Bogus",
        "Things(999999)",
        "Things(999999)/Datastreams",
        "Things(1)/Bogus",
        "Things(abc)",
        "Things(1)/name/extra",
    ):
        response = client.get(f"{STA}/{path}")
        assert response.status_code in (400, 404), path
        assert response.json()["type"] == "error"


def test_times_are_iso_8601(client: TestClient, bench_thing: dict[str, Any]) -> None:
    history = client.get(f"{STA}/HistoricalLocations").json()["value"][0]
    assert history["time"].endswith("Z")
    observation = client.get(f"{STA}/Observations?$orderby=phenomenonTime&$top=1").json()
    assert observation["value"][0]["phenomenonTime"] == "2026-11-26T08:00:00Z"
