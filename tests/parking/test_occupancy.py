"""Free spaces come from the car parks' sensors: a counter Datastream or one sensor per
space, both fed through the ordinary SensorThings API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World, login
from tests.parking.conftest import API, STA, Publish, car_park, with_counter

pytestmark = pytest.mark.usefixtures("dresden_parks")


def test_a_counter_reading_shows_as_free_spaces(
    client: TestClient, operator: TestClient, publish: Publish
) -> None:
    altmarkt = with_counter(operator, "dresdenaltmarkt")
    assert (altmarkt["state"], altmarkt["free"]) == ("nodata", None)
    publish(altmarkt["datastream_id"], 235)
    shown = car_park(client, "dresdenaltmarkt")
    assert (shown["state"], shown["free"], shown["total"]) == ("open", 235, 400)
    assert shown["occupancy_source"] == "counter"


def test_a_counter_never_shows_more_than_the_capacity_or_less_than_none(
    client: TestClient, operator: TestClient, publish: Publish
) -> None:
    datastream = with_counter(operator, "dresdenaltmarkt")["datastream_id"]
    publish(datastream, 999)
    assert car_park(client, "dresdenaltmarkt")["free"] == 400
    publish(datastream, -3, ago=timedelta(minutes=1))
    assert car_park(client, "dresdenaltmarkt")["free"] == 0


def test_an_old_reading_means_no_data(
    client: TestClient, operator: TestClient, publish: Publish
) -> None:
    datastream = with_counter(operator, "dresdenaltmarkt")["datastream_id"]
    publish(datastream, 120, ago=timedelta(hours=2))
    shown = car_park(client, "dresdenaltmarkt")
    assert (shown["state"], shown["free"]) == ("nodata", None)
    assert shown["measured_at"] is not None


def test_the_operator_closes_a_car_park(
    client: TestClient, operator: TestClient, publish: Publish
) -> None:
    altmarkt = with_counter(operator, "dresdenaltmarkt")
    publish(altmarkt["datastream_id"], 80)
    closed = operator.patch(f"{API}/car-parks/{altmarkt['id']}", json={"closed": True})
    assert closed.status_code == 200
    assert car_park(client, "dresdenaltmarkt")["state"] == "closed"
    operator.patch(f"{API}/car-parks/{altmarkt['id']}", json={"closed": False})
    assert car_park(client, "dresdenaltmarkt")["state"] == "open"


def test_spaces_with_their_own_sensors(
    client: TestClient, operator: TestClient, publish: Publish
) -> None:
    street = car_park(operator, "dresdenaltmarkt")
    spaces = []
    for number in range(3):
        response = operator.post(
            f"{API}/car-parks/{street['id']}/spaces",
            json={"label": f"A{number}", "lat": 51.0503, "lon": 13.7375 + number * 1e-5},
        )
        assert response.status_code == 201, response.text
        spaces.append(response.json())
    publish(spaces[0]["datastream_id"], True)
    publish(spaces[1]["datastream_id"], False)
    # The third space never reported: counted as taken, not as free.
    shown = car_park(client, "dresdenaltmarkt")
    assert (shown["occupancy_source"], shown["state"], shown["free"]) == ("spaces", "open", 1)
    assert [s["label"] for s in shown["spaces"]] == ["A0", "A1", "A2"]
    duplicate = operator.post(
        f"{API}/car-parks/{street['id']}/spaces", json={"label": "A0", "lat": 51.05, "lon": 13.73}
    )
    assert duplicate.status_code == 409
    counter = operator.post(f"{API}/car-parks/{street['id']}/counter")
    assert counter.status_code == 409
    removed = operator.delete(f"{API}/car-parks/{street['id']}/spaces/{spaces[1]['id']}")
    assert removed.status_code == 204
    assert car_park(client, "dresdenaltmarkt")["free"] == 0


def test_linking_an_existing_datastream_checks_what_it_records(
    operator: TestClient, device: TestClient, world: World
) -> None:
    altmarkt = car_park(operator, "dresdenaltmarkt")
    thing = device.post(
        f"{STA}/Things",
        json={
            "name": "Zählschleife Altmarkt",
            "description": "",
            "Datastreams": [
                {
                    "name": "Text",
                    "description": "",
                    "observationType": "OM_CategoryObservation",
                    "unitOfMeasurement": {"name": "", "symbol": "", "definition": ""},
                    "Sensor": {
                        "name": "S",
                        "description": "",
                        "encodingType": "text/plain",
                        "metadata": "",
                    },
                    "ObservedProperty": {"name": "P", "definition": "urn:p", "description": ""},
                }
            ],
        },
    )
    assert thing.status_code == 201, thing.text
    datastream = device.get(thing.headers["Location"] + "/Datastreams").json()["value"][0]
    wrong_kind = operator.patch(
        f"{API}/car-parks/{altmarkt['id']}", json={"datastream_id": datastream["@iot.id"]}
    )
    assert wrong_kind.status_code == 422
    assert "OM_CategoryObservation" in wrong_kind.json()["detail"]
    # Radebeul's admin cannot link a Dresden Datastream to a Radebeul car park: it is not found.
    radebeul = TestClient(operator.app, base_url="https://testserver")
    login(radebeul, "rb.admin")
    response = radebeul.patch(
        f"/radebeul/api/v1/parking/car-parks/{altmarkt['id']}", json={"closed": True}
    )
    assert response.status_code == 404


def test_only_parking_managers_change_car_parks(client: TestClient, world: World) -> None:
    altmarkt = car_park(client, "dresdenaltmarkt")
    url = f"{API}/car-parks/{altmarkt['id']}"
    assert client.patch(url, json={"closed": True}).status_code == 401
    login(client, "dd.clerk.a")
    assert client.patch(url, json={"closed": True}).status_code == 403
    assert client.post(url + "/counter").status_code == 403


def test_free_spaces_near_a_point_nearest_first(
    client: TestClient, operator: TestClient, publish: Publish
) -> None:
    for lot, free in (
        ("dresdenaltmarkt", 50),
        ("dresdenhausamzwinger", 0),
        ("dresdenferdinandplatz", 9),
    ):
        publish(with_counter(operator, lot)["datastream_id"], free)
    near = client.get(f"{API}/free-spaces", params={"lat": 51.0504, "lon": 13.7373, "radius": 800})
    assert near.status_code == 200
    found = [(n["car_park"]["external_id"], n["car_park"]["free"]) for n in near.json()]
    # Haus am Zwinger is full, the others farther away have no reading.
    assert found == [("dresdenaltmarkt", 50), ("dresdenferdinandplatz", 9)]
    distances = [n["distance_m"] for n in near.json()]
    assert distances == sorted(distances)
    assert distances[-1] <= 800
    everything = client.get(
        f"{API}/free-spaces",
        params={"lat": 51.0504, "lon": 13.7373, "radius": 800, "only_free": False},
    ).json()
    assert len(everything) > len(found)
    bad = client.get(f"{API}/free-spaces", params={"lat": 95, "lon": 13.7})
    assert bad.status_code == 422
