"""The portal page "WLAN in der Nähe" (a hotspot's name or coordinates; online hotspots
nearest first with the number of connected devices; German and English; no script needed),
the map layer, the public JSON and the open-data table."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.wifi.open_data import hotspots
from tests.conftest import World
from tests.web.conftest import main_text
from tests.wifi.conftest import read

PAGE = "/dresden/wlan"
NOW = datetime(2026, 12, 3, 10, 5, tzinfo=UTC)


def names(response: object) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", response.text)  # type: ignore[attr-defined]


def test_online_hotspots_nearest_first_in_german_and_english(
    client: TestClient, world: World
) -> None:
    read(world, "meshviewer.json", NOW)
    page = client.get(PAGE, params={"ort": "altmarkt"})
    assert page.status_code == 200
    assert names(page) == ["dd-stadt-altmarkt", "dd-stadt-postplatz", "Wohnzimmer Mustermann"]
    text = main_text(page)
    assert "Am nächsten zu: dd-stadt-altmarkt" in text
    assert "erreichbar 0 m entfernt · 7 Geräte verbunden" in text
    assert "Wir zählen verbundene Geräte, mehr nicht" in text
    everything = client.get(PAGE, params={"ort": "altmarkt", "alle": "1"})
    assert "dd-stadt-albertplatz" in names(everything)
    assert "nicht erreichbar" in main_text(everything)
    assert "Zuletzt gesehen 03.12.2026" in main_text(everything)
    english = client.get(PAGE, params={"lat": "51,0631", "lon": "13.7469", "lang": "en"})
    assert names(english)[0] == "Wohnzimmer Mustermann"
    assert "Nearest to your position" in main_text(english)
    assert "devices connected" in main_text(english)


def test_wrong_input_is_explained_and_the_form_works_without_script(
    client: TestClient, world: World
) -> None:
    read(world, "meshviewer.json", NOW)
    unknown = client.get(PAGE, params={"ort": "Atlantis"})
    assert unknown.status_code == 422
    assert "Einen Hotspot „Atlantis“ kennen wir nicht." in main_text(unknown)
    wrong = client.get(PAGE, params={"lat": "north", "lon": "13.7"})
    assert wrong.status_code == 422
    assert 'href="#feld-lat"' in wrong.text
    assert client.get(PAGE, params={"ort": "x"}).status_code == 422
    plain = client.get(PAGE)
    assert "Am nächsten zu: Ortsmitte" in main_text(plain)
    assert '<form method="get" action="/dresden/wlan"' in plain.text
    # Text from the list is text, never markup.
    assert "<script" not in main_text(plain)


def test_map_layer_public_json_and_open_data(client: TestClient, world: World) -> None:
    read(world, "meshviewer.json", NOW)
    layer = client.get("/dresden/karten/wlan.geojson")
    assert layer.status_code == 200
    features = {f["properties"]["title"]: f for f in layer.json()["features"]}
    assert len(features) == 4
    altmarkt = features["dd-stadt-altmarkt"]
    assert altmarkt["geometry"]["coordinates"] == [13.73802, 51.05031]
    assert altmarkt["properties"]["state"] == "online"
    assert altmarkt["properties"]["text"] == "erreichbar · 7 Geräte verbunden"
    assert features["dd-stadt-albertplatz"]["properties"]["state"] == "offline"
    api = {h["name"]: h for h in client.get("/dresden/api/v1/wifi/hotspots").json()}
    assert api["dd-stadt-albertplatz"]["online"] is False
    assert api["dd-stadt-albertplatz"]["clients"] == 0
    assert api["dd-stadt-altmarkt"]["clients"] == 7
    assert set(api["dd-stadt-altmarkt"]) >= {"online_datastream_id", "thing_id", "last_seen"}
    # Another municipality sees none of them.
    assert client.get("/radebeul/api/v1/wifi/hotspots").json() == []
    with world.tenant(world.dresden) as db:
        table = hotspots(db, world.dresden, utcnow())
    assert [c.name for c in table.columns] == [
        "hotspot_id",
        "name",
        "lat",
        "lon",
        "online",
        "clients",
        "last_seen_utc",
    ]
    assert len(table.rows) == 4


def test_names_from_a_list_are_shown_as_text(client: TestClient, world: World) -> None:
    from smartcity.wifi import nodelist, services

    listing = nodelist.parse(
        b'{"nodes": [{"node_id": "ab", "hostname": "<b>dd-stadt</b>", "is_online": true,'
        b' "clients": 1, "location": {"latitude": 51.05, "longitude": 13.74}}]}'
    )
    with world.tenant(world.dresden) as db:
        services.apply(db, world.dresden, listing, actor="test")
    page = client.get(PAGE)
    assert "&lt;b&gt;dd-stadt&lt;/b&gt;" in page.text
    assert "<b>dd-stadt</b>" not in page.text
