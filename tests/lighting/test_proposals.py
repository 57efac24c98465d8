"""Several lamps out in one street are offered to the press office as a post for the city's
channel; a single failed lamp is only a repair case, and a repaired street is not offered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from smartcity.lighting.jobs import run_control, run_fault_detection
from tests.conftest import World
from tests.lighting.test_lighting import NIGHT, send, street  # noqa: F401 (fixture)
from tests.web.conftest import Browser

OUTAGE = "Straßenbeleuchtung: Störung in Prager Straße"


def test_an_outage_in_a_street_is_proposed_to_the_press_office(
    street: dict[str, Any],  # noqa: F811
    device: TestClient,
    world: World,
    new_client: Callable[[], TestClient],
) -> None:
    press = Browser(new_client())
    assert press.login("dd.press").status_code == 303
    lamps = street["luminaires"]
    run_control(world.platform, NIGHT)

    send(device, lamps[0]["datastreams"]["power"], (NIGHT + timedelta(minutes=6), 0.0))
    run_fault_detection(world.platform, NIGHT + timedelta(minutes=7))
    assert OUTAGE not in press.get("/dresden/verwaltung/kanal").text  # one lamp: a repair case

    for lamp in lamps[1:]:
        send(device, lamp["datastreams"]["power"], (NIGHT + timedelta(minutes=8), 0.0))
    run_fault_detection(world.platform, NIGHT + timedelta(minutes=9))
    overview = press.get("/dresden/verwaltung/kanal").text
    assert OUTAGE in overview
    assert "3 Leuchten gestört" in overview

    for lamp in lamps:
        send(device, lamp["datastreams"]["power"], (NIGHT + timedelta(minutes=20), 31.0))
    run_fault_detection(world.platform, NIGHT + timedelta(minutes=21))
    assert OUTAGE not in press.get("/dresden/verwaltung/kanal").text
