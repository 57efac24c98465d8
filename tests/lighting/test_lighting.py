"""Lighting end to end: groups and luminaires through the API, the controller's Tasks, a
simulated fault that opens exactly one repair case and closes it again, the energy report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from smartcity.lighting.jobs import run_control, run_fault_detection
from tests.conftest import World, create_observations, login

API = "/dresden/api/v1/lighting"
STA = "/dresden/sta/v1.1"
BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = datetime(2026, 11, 20, 23, 0, tzinfo=BERLIN)
PROGRAM = {
    "level": 100,
    "steps": [{"at": "22:00", "level": 50}, {"at": "05:00", "level": 100}],
    "min_level": 20,
    "on_demand": {"level": 100, "radius_m": 60, "next": 1, "hold_seconds": 120},
}


@pytest.fixture
def street(operator: TestClient) -> dict[str, Any]:
    group = operator.post(f"{API}/groups", json={"name": "Prager Straße", "program": PROGRAM})
    assert group.status_code == 201, group.text
    for number in range(3):
        lamp = operator.post(
            f"{API}/groups/{group.json()['id']}/luminaires",
            json={
                "name": f"Prager Straße {number + 1}",
                "lat": 51.0478 - number * 0.00036,
                "lon": 13.7364,
                "rated_power_w": 60,
            },
        )
        assert lamp.status_code == 201, lamp.text
    found: dict[str, Any] = operator.get(f"{API}/groups/{group.json()['id']}").json()
    return found


def send(device: TestClient, datastream: int, *readings: tuple[datetime, Any]) -> None:
    create_observations(device, datastream, list(readings))


def tasks(device: TestClient, luminaire: dict[str, Any]) -> list[int]:
    url = f"{STA}/TaskingCapabilities({luminaire['tasking_capability_id']})/Tasks"
    found = device.get(url, params={"$orderby": "id"}).json()["value"]
    return [task["taskingParameters"]["dimLevel"] for task in found]


def test_a_luminaire_is_a_thing_with_its_datastreams_and_tasking(
    street: dict[str, Any], device: TestClient
) -> None:
    lamp = street["luminaires"][0]
    assert set(lamp["datastreams"]) == {"power", "energy", "dim", "hours", "motion"}
    capability = device.get(
        f"{STA}/TaskingCapabilities({lamp['tasking_capability_id']})?$expand=Thing"
    ).json()
    assert capability["Thing"]["@iot.id"] == lamp["thing_id"]
    field = capability["taskingParameters"]["field"][0]
    assert field["name"] == "dimLevel"
    assert field["dataType"]["constraint"]["interval"] == [0, 100]


def test_the_controller_sends_a_task_only_when_the_level_changes(
    street: dict[str, Any], device: TestClient, world: World
) -> None:
    assert run_control(world.platform, NIGHT - timedelta(hours=3)) == 3  # 20:00: full
    assert run_control(world.platform, NIGHT - timedelta(hours=2)) == 0  # still full
    assert run_control(world.platform, NIGHT) == 3  # 23:00: dimmed
    assert tasks(device, street["luminaires"][0]) == [100, 50]
    # Motion at the first lamp raises it and its next neighbour.
    send(device, street["luminaires"][0]["datastreams"]["motion"], (NIGHT, True))
    assert run_control(world.platform, NIGHT + timedelta(seconds=30)) == 2
    levels = [tasks(device, lamp)[-1] for lamp in street["luminaires"]]
    assert levels == [100, 100, 50]
    # After the hold time, back to the profile.
    assert run_control(world.platform, NIGHT + timedelta(minutes=3)) == 2
    assert [tasks(device, lamp)[-1] for lamp in street["luminaires"]] == [50, 50, 50]


def test_a_failed_lamp_opens_one_repair_case_and_closes_it_when_lit_again(
    street: dict[str, Any], device: TestClient, world: World, app: Any
) -> None:
    lamp = street["luminaires"][1]
    power = lamp["datastreams"]["power"]
    run_control(world.platform, NIGHT)  # all commanded to 50 %
    send(device, power, (NIGHT + timedelta(minutes=6), 0.0))  # but this one stays dark
    for other in (street["luminaires"][0], street["luminaires"][2]):
        send(device, other["datastreams"]["power"], (NIGHT + timedelta(minutes=6), 30.0))

    first = run_fault_detection(world.platform, NIGHT + timedelta(minutes=7))
    assert [(f.luminaire_id, f.kind) for f in first.opened] == [(lamp["id"], "lamp_failure")]
    again = run_fault_detection(world.platform, NIGHT + timedelta(minutes=8))
    assert again.opened == []

    clerk = TestClient(app, base_url="https://testserver")
    login(clerk, "dd.admin")
    inbox = clerk.get("/dresden/api/v1/cases", params={"department": "Straßenbeleuchtung"})
    assert inbox.status_code == 200, inbox.text
    cases = inbox.json()["cases"]
    assert len(cases) == 1
    case = clerk.get(f"/dresden/api/v1/cases/{cases[0]['id']}").json()
    assert case["status"] == "eingegangen"
    assert case["data"]["leuchte"] == "Prager Straße 2"
    assert case["data"]["stoerung"] == "Leuchtmittelausfall"
    faults = clerk.get(f"{API}/faults").json()
    assert [(f["kind"], f["case_id"]) for f in faults] == [("lamp_failure", cases[0]["id"])]
    assert clerk.get(f"{API}/luminaires/{lamp['id']}").json()["open_faults"] == ["lamp_failure"]

    send(device, power, (NIGHT + timedelta(minutes=20), 31.0))  # repaired
    done = run_fault_detection(world.platform, NIGHT + timedelta(minutes=21))
    assert [f.kind for f in done.closed] == ["lamp_failure"]
    assert clerk.get(f"/dresden/api/v1/cases/{cases[0]['id']}").json()["status"] == "abgeschlossen"
    assert clerk.get(f"{API}/faults").json() == []


def test_energy_of_a_night_against_full_power(
    street: dict[str, Any], device: TestClient, client: TestClient
) -> None:
    lamp = street["luminaires"][0]
    start = datetime(2026, 11, 20, 17, 0, tzinfo=BERLIN)
    # A meter reading every hour from 17:00 to 06:00 (the night runs from about 16:45 to
    # 06:55): 60 W until 22:00, then 30 W.
    readings, kwh = [], 100.0
    for hour in range(14):
        readings.append((start + timedelta(hours=hour), round(kwh, 3)))
        kwh += 0.06 if hour < 5 else 0.03
    send(device, lamp["datastreams"]["energy"], *readings)
    report = client.get(f"{API}/groups/{street['id']}/energy", params={"night": "2026-11-20"})
    assert report.status_code == 200, report.text
    body = report.json()
    line = next(x for x in body["luminaires"] if x["luminaire_id"] == lamp["id"])
    assert line["kwh"] == pytest.approx(0.3 + 8 * 0.03)
    assert line["measured_hours"] == 13
    assert line["baseline_kwh"] == pytest.approx(0.78)
    assert body["savings_percent"] == pytest.approx(100 * (1 - 0.54 / 0.78), abs=0.1)
    others = [x["kwh"] for x in body["luminaires"] if x["luminaire_id"] != lamp["id"]]
    assert others == [None, None]
    month = client.get(f"{API}/groups/{street['id']}/energy", params={"month": "2026-11"})
    assert month.status_code == 200
    assert month.json()["kwh"] == pytest.approx(0.54)
    neither = client.get(f"{API}/groups/{street['id']}/energy")
    assert neither.status_code == 422


def test_only_operators_set_up_lighting(client: TestClient, world: World) -> None:
    assert client.post(f"{API}/groups", json={"name": "X"}).status_code == 401
    login(client, "dd.clerk.a")
    assert client.post(f"{API}/groups", json={"name": "X"}).status_code == 403
    assert client.get(f"{API}/faults").status_code == 403


def test_a_bad_program_changes_nothing(operator: TestClient, street: dict[str, Any]) -> None:
    response = operator.put(
        f"{API}/groups/{street['id']}/program", json={"program": {"min_level": 0}}
    )
    assert response.status_code == 422
    assert "not switched off" in response.json()["detail"]
    assert operator.get(f"{API}/groups/{street['id']}").json()["program"]["min_level"] == 20
