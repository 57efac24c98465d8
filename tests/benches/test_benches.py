"""A smart bench: registered once, fed by its sensor box through SensorThings, shown as JSON
and on a kiosk page."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.benches.conftest import API, Measure
from tests.conftest import World, login


def test_a_new_bench_has_a_datastream_for_every_quantity(
    bench: dict[str, Any], device: TestClient
) -> None:
    assert set(bench["datastreams"]) == {
        "temperature",
        "humidity",
        "pm10",
        "pm25",
        "no2",
        "o3",
        "charging",
        "wifi",
    }
    thing = device.get(f"/dresden/sta/v1.1/Things({bench['thing_id']})?$expand=Locations").json()
    assert thing["name"] == "Bank Altmarkt"
    assert thing["Locations"][0]["location"]["coordinates"] == [13.7373, 51.0504]
    assert bench["air_quality"] == {"eaqi": None, "uba": None}
    assert bench["temperature_c"] is None


def test_readings_become_hourly_means_and_indices(
    client: TestClient, bench: dict[str, Any], measure: Measure
) -> None:
    measure(bench, "temperature", 6.5)
    measure(bench, "humidity", 81.0)
    measure(bench, "pm10", 40.0, 50.0, 60.0)  # mean 50: moderate (EAQI), mäßig (UBA)
    measure(bench, "pm25", 4.0)
    measure(bench, "no2", 80.0, minutes_ago=90)  # older than an hour: not counted
    measure(bench, "charging", True)
    measure(bench, "wifi", False)
    shown = client.get(f"{API}/benches/{bench['id']}").json()
    assert shown["temperature_c"] == 6.5
    assert shown["humidity_percent"] == 81.0
    assert shown["pollutants"] == {"pm25": 4.0, "pm10": 50.0, "no2": None, "o3": None}
    eaqi = shown["air_quality"]["eaqi"]
    assert (eaqi["level"], eaqi["label"], eaqi["pollutant"]) == ("moderate", "mäßig", "pm10")
    assert shown["air_quality"]["uba"]["label"] == "mäßig"
    assert (shown["charging_available"], shown["wifi_online"]) == (True, False)
    overview = client.get(f"{API}/air-quality").json()
    assert overview["worst_bench_id"] == bench["id"]
    assert overview["air_quality"]["eaqi"]["level"] == "moderate"


def test_the_kiosk_page(client: TestClient, bench: dict[str, Any], measure: Measure) -> None:
    measure(bench, "temperature", 4.4)
    measure(bench, "pm25", 60.0)
    measure(bench, "charging", True)
    page = client.get(f"/dresden/benches/{bench['id']}/display")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="de">' in html
    # The readings renew themselves in place (no page reload that would interrupt a reader).
    assert "http-equiv" not in html
    script = re.search(r'<script src="([^"]+)" defer></script>', html)
    assert script
    assert client.get(script.group(1)).headers["content-type"].startswith("text/javascript")
    assert "4 °C" in html
    assert "Luftqualität <strong>schlecht</strong>" in html
    assert "Europäischen Luftqualitätsindex" in html
    assert 'class="index eaqi-poor"' in html
    assert "Laden: verfügbar" in html
    assert "WLAN: unbekannt" in html
    # Our CSP allows no inline style or script: everything comes from our stylesheet.
    assert "style=" not in html
    assert "<script>" not in html
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheet
    css = client.get(stylesheet.group(1))
    assert css.status_code == 200
    assert ".eaqi-poor" in css.text


def test_benches_belong_to_their_municipality(client: TestClient, bench: dict[str, Any]) -> None:
    assert client.get(f"/radebeul/api/v1/benches/{bench['id']}").status_code == 404
    assert client.get(f"/radebeul/benches/{bench['id']}/display").status_code == 404
    assert client.get("/radebeul/api/v1/benches").json() == []


def test_only_managers_register_benches_and_alert_recipients(
    client: TestClient, world: World
) -> None:
    body = {"name": "Bank", "lat": 51.05, "lon": 13.73}
    assert client.post(f"{API}/benches", json=body).status_code == 401
    login(client, "dd.clerk.a")
    assert client.post(f"{API}/benches", json=body).status_code == 403
    assert client.get(f"{API}/air-quality/settings").status_code == 403
    settings = {"alert_email": "umwelt@dresden.example"}
    assert client.put(f"{API}/air-quality/settings", json=settings).status_code == 403


def test_bad_bench_input_is_refused(operator: TestClient) -> None:
    response = operator.post(f"{API}/benches", json={"name": "", "lat": 91, "lon": 13})
    assert response.status_code == 422
    assert operator.get(f"{API}/benches").json() == []


def test_the_kiosk_explains_the_two_air_quality_indices(
    client: TestClient, bench: dict[str, Any], measure: Measure
) -> None:
    # 12 µg/m³ of PM2.5: the EEA's second level ("ausreichend"), the UBA's second ("gut").
    measure(bench, "pm25", 12.0)
    html = client.get(f"/dresden/benches/{bench['id']}/display").text
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert (
        "Luftqualität ausreichend nach dem Europäischen Luftqualitätsindex: Stufe 2 von 6" in text
    )
    assert (
        "Umweltbundesamt gut nach dem Luftqualitätsindex des Umweltbundesamts: Stufe 2 von 5"
        in text
    )
    assert "zweitbeste Stufe „ausreichend“, das Umweltbundesamt seine zweitbeste „gut“" in text
    assert "Den Ausschlag gab Feinstaub PM2,5." in text
    assert 'class="index uba-good"' in html
