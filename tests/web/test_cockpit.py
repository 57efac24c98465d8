"""The city cockpit: the live map's data, a new reading arriving without reload, charts of
a Datastream, the energy report and the region overview."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from smartcity.benches import services as benches
from tests.conftest import World, create_observations
from tests.web.conftest import Browser, main_text

COCKPIT = "/dresden/verwaltung/cockpit"


def a_bench(world: World) -> dict[str, int]:
    with world.tenant(world.dresden) as db:
        bench = benches.create_bench(db, name="Bank Altmarkt", lat=51.05, lon=13.74, actor="test")
        return benches.statuses(db, [bench])[0].datastreams


def logged_in(browser: Callable[[], Browser], username: str) -> Browser:
    staff = browser()
    assert staff.login(username).status_code == 303
    return staff


def test_the_cockpit_shows_the_benches_and_its_map_layers(
    browser: Callable[[], Browser], world: World
) -> None:
    a_bench(world)
    operator = logged_in(browser, "dd.operator")
    page = operator.get(COCKPIT)
    assert page.status_code == 200
    assert "Bank Altmarkt" in main_text(page)
    assert f'data-live="{COCKPIT}/live"' in page.text
    benches_layer = operator.get("/dresden/umwelt/karte.geojson").json()
    assert benches_layer["features"][0]["properties"]["title"] == "Bank Altmarkt"
    assert operator.get(f"{COCKPIT}/lampen.geojson").json()["features"] == []
    assert browser().get(COCKPIT, follow_redirects=False).status_code == 303


def test_a_new_reading_reaches_an_open_cockpit_without_reload(
    browser: Callable[[], Browser], world: World, device: TestClient
) -> None:
    streams = a_bench(world)
    operator = logged_in(browser, "dd.operator")
    received: list[str] = []

    def send_later() -> None:
        time.sleep(1.5)
        create_observations(device, streams["temperature"], [(datetime.now(UTC), 21.5)])

    sender = threading.Thread(target=send_later)
    sender.start()
    with operator.client.stream("GET", f"{COCKPIT}/live", timeout=20) as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        deadline = time.monotonic() + 15
        for line in events.iter_lines():
            if line.startswith("data:"):
                received.append(line)
                break
            assert time.monotonic() < deadline
    sender.join()
    assert "Bank Altmarkt" in received[0]
    assert "21,5" in received[0]


def test_a_datastream_chart_draws_the_readings_and_lists_them(
    browser: Callable[[], Browser], world: World, device: TestClient
) -> None:
    streams = a_bench(world)
    now = datetime.now(UTC).replace(microsecond=0)
    create_observations(
        device,
        streams["temperature"],
        [(now - timedelta(minutes=15 * i), 10 + i % 5) for i in range(40)],
    )
    operator = logged_in(browser, "dd.operator")
    page = operator.get(f"{COCKPIT}/datenstroeme/{streams['temperature']}?range=24h")
    assert page.status_code == 200
    assert '<svg class="chart"' in page.text
    assert '<path class="line" d="M' in page.text
    assert "Mittelwert" in main_text(page)
    week = operator.get(f"{COCKPIT}/datenstroeme/{streams['temperature']}?range=7d")
    assert '<path class="line" d="M' in week.text
    custom = operator.get(
        f"{COCKPIT}/datenstroeme/{streams['temperature']}?range=custom&von=2026-02-02&bis=2026-01-01"
    )
    assert "Anfangsdatum" in main_text(custom)
    assert operator.get(f"{COCKPIT}/datenstroeme/999999").status_code == 404


def test_the_energy_report_says_when_there_are_no_lamps(
    browser: Callable[[], Browser], world: World
) -> None:
    page = logged_in(browser, "dd.operator").get(f"{COCKPIT}/energie")
    assert "Keine Leuchtengruppen mit Messwerten" in main_text(page)


def test_the_region_overview_is_for_region_administrators_only(
    browser: Callable[[], Browser], world: World
) -> None:
    region = logged_in(browser, "region.admin")
    page = region.get("/region/cockpit")
    assert page.status_code == 200
    text = main_text(page)
    assert "Dresden" in text
    assert "Radebeul" in text
    assert logged_in(browser, "dd.admin").get("/region/cockpit").status_code == 403
    anonymous: Any = browser().get("/region/cockpit", follow_redirects=False)
    assert anonymous.status_code == 303
