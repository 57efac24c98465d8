"""The city cockpit: the live map's data, a new reading arriving without reload, charts of
a Datastream, the energy report and the region overview."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from smartcity.benches import services as benches
from smartcity.lighting import services as lighting
from smartcity.lighting.models import LampFault
from smartcity.modules import installed_modules
from smartcity.sensorthings.provisioning import StreamSpec, create_thing
from tests.conftest import World, create_observations
from tests.web.conftest import Browser, main_text

COCKPIT = "/dresden/verwaltung/cockpit"
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


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


def test_the_cockpit_names_what_benches_measure_and_lamp_faults_in_words(
    browser: Callable[[], Browser], world: World
) -> None:
    a_bench(world)
    with world.tenant(world.dresden) as db:
        group = lighting.create_group(db, "Altstadt", {}, actor="test")
        lamp = lighting.add_luminaire(
            db,
            group,
            name="Leuchte 7",
            lat=51.05,
            lon=13.74,
            rated_power_w=40,
            single_lamp=True,
            actor="test",
        )
        db.add(LampFault(luminaire_id=lamp.id, kind="day_burner"))
    operator = logged_in(browser, "dd.operator")
    links = re.findall(r'href="cockpit/datenstroeme/\d+">([^<]*)</a>', operator.get(COCKPIT).text)
    assert "Lufttemperatur" in links
    assert "Feinstaub PM10" in links
    assert not {"temperature", "pm10", "humidity"} & set(links)
    assert "Leuchte 7: Tagbrenner" in main_text(operator.get(COCKPIT))
    english = operator.get(COCKPIT + "?lang=en")
    links = re.findall(r'href="cockpit/datenstroeme/\d+">([^<]*)</a>', english.text)
    assert {"Air temperature", "Particulate matter PM10"} <= set(links)
    assert "Leuchte 7: Day burner" in main_text(english)


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
    # The bench is named once, not again with the Datastream's name.
    assert "Bank Altmarkt: Lufttemperatur = 21,5 °C" in received[0]


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


def test_the_cockpit_shows_the_layers_its_viewer_may_see_and_the_portal_the_public_ones(
    browser: Callable[[], Browser], world: World
) -> None:
    a_bench(world)
    cockpit = logged_in(browser, "dd.operator").get(COCKPIT)
    layers = re.search(r'data-layers="([^"]*)"', cockpit.text)
    assert layers is not None
    names = (
        "sensoren",
        "parken",
        "maengel",
        "lampen",
        "baenke",
        "beteiligung",
        "ladepunkte",
        "wlan",
    )
    assert layers.group(1).split() == [f"{COCKPIT}/{name}.geojson" for name in names]
    citizen = browser()
    benches_layer = citizen.get("/dresden/karten/baenke.geojson").json()
    assert benches_layer == citizen.get("/dresden/umwelt/karte.geojson").json()
    assert benches_layer["features"][0]["properties"]["title"] == "Bank Altmarkt"
    assert citizen.get("/dresden/karten/lampen.geojson").status_code == 404
    assert citizen.get("/dresden/karten/sensoren.geojson").status_code == 404
    assert citizen.get("/dresden/karten/unbekannt.geojson").status_code == 404


def test_the_sensor_layer_leaves_out_what_other_layers_draw(
    browser: Callable[[], Browser], world: World
) -> None:
    a_bench(world)
    with world.tenant(world.dresden) as db:
        create_thing(
            db,
            name="Pegel Elbe",
            description="Wasserstand",
            kind="gauge",
            lat=51.06,
            lon=13.74,
            sensor_name="Pegelsonde",
            streams=[
                StreamSpec(
                    {
                        "name": "Wasserstand Elbe",
                        "description": "",
                        "observationType": OM_MEASUREMENT,
                        "unitOfMeasurement": {"name": "cm", "symbol": "cm", "definition": ""},
                    },
                    "Wasserstand",
                    "http://example.org/water-level",
                )
            ],
        )
    sensors = logged_in(browser, "dd.operator").get(f"{COCKPIT}/sensoren.geojson").json()
    assert [f["properties"]["title"] for f in sensors["features"]] == ["Pegel Elbe"]
    assert sensors["features"][0]["geometry"]["coordinates"] == [13.74, 51.06]


def test_layer_names_are_unique_and_every_live_source_names_a_layer() -> None:
    registry = installed_modules()
    names = [layer.name for layer in registry.map_layers()]
    assert len(names) == len(set(names))
    assert {source.layer for source in registry.live_sources()} <= set(names)


def test_a_chart_s_dates_are_read_as_iso_or_german_and_otherwise_refused_in_german(
    browser: Callable[[], Browser], world: World
) -> None:
    streams = a_bench(world)
    operator = logged_in(browser, "dd.operator")
    chart = f"{COCKPIT}/datenstroeme/{streams['temperature']}?range=custom"
    iso = operator.get(f"{chart}&von=2026-01-01&bis=2026-01-31")
    german = operator.get(f"{chart}&von=1.1.2026&bis=31.01.2026")
    assert iso.status_code == german.status_code == 200
    # Filled in again as ISO, the value a date picker takes (it shows 01.01.2026).
    assert 'name="von" type="date" value="2026-01-01"' in german.text
    assert 'name="bis" type="date" value="2026-01-31"' in german.text
    wrong = operator.get(f"{chart}&von=2026-01-01&bis=31.02.2026")
    assert wrong.status_code == 422
    assert "Bitte geben Sie das Datum als TT.MM.JJJJ ein." in main_text(wrong)
    assert 'href="#feld-bis"' in wrong.text
