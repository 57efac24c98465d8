"""The charging pages: "free charger near me" on the portal (place, stop or coordinates;
nearest first; status in words; German and English; no script needed), the map layer and
the public AFIR interface, and the Stadtwerke's back office (operators, tariffs, locations,
charging points, partner tokens shown once)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.charging.models import ChargingLocation, Operator
from smartcity.core.db import utcnow
from tests.charging.conftest import Chargers, Report, authorization
from tests.conftest import World, staff_client
from tests.transit.conftest import import_feed, live_feed
from tests.web.conftest import Browser, main_text

PAGE = "/dresden/laden"
STAFF = "/dresden/verwaltung/laden"


def names(response: object) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", response.text)  # type: ignore[attr-defined]


def test_free_chargers_nearest_first_in_german_and_english(
    client: TestClient, chargers: Chargers, report: Report
) -> None:
    now = utcnow()
    report("ALT-1", "AVAILABLE", now)
    report("ALT-2", "CHARGING", now)
    report("ALB-1", "CHARGING", now)
    report("HBF-1", "AVAILABLE", now - timedelta(minutes=5))
    page = client.get(PAGE, params={"ort": "albertpl"})
    assert page.status_code == 200
    # Albertplatz has no free charger now: only the free ones, nearest first.
    assert names(page) == ["Altmarkt", "Hauptbahnhof"]
    text = main_text(page)
    assert "Am nächsten zu: Albertplatz, Albertplatz 3" in text
    assert "1 von 2 Ladepunkten frei" in text
    assert "frei Typ 2 (Steckdose), bis 22 kW, 0,55 EUR je kWh inkl. MwSt." in text
    assert "belegt" in text
    assert "Strom nicht vollständig aus erneuerbaren Quellen" in text
    everything = client.get(PAGE, params={"ort": "albertpl", "alle": "1"})
    assert names(everything) == ["Albertplatz", "Altmarkt", "Hauptbahnhof"]
    english = client.get(PAGE, params={"lat": "51,0411", "lon": "13.7322", "lang": "en"})
    assert names(english) == ["Hauptbahnhof", "Altmarkt"]
    text = main_text(english)
    assert "Nearest to your position" in text
    assert "free CCS (Combo 2) (fixed cable), up to 150 kW, 0.65 EUR per kWh incl. VAT" in text


@pytest.mark.usefixtures("chargers")
def test_places_include_stops_and_wrong_input_is_explained(
    client: TestClient, platform: object, world: World
) -> None:
    assert import_feed(world.platform, world, live_feed()) == "active"
    stop = client.get(PAGE, params={"ort": "hauptplatz", "alle": "1"})
    assert "Am nächsten zu: Hauptplatz" in main_text(stop)
    unknown = client.get(PAGE, params={"ort": "Atlantis"})
    assert unknown.status_code == 422
    assert "Einen Ort „Atlantis“ kennen wir nicht." in main_text(unknown)
    wrong = client.get(PAGE, params={"lat": "north", "lon": "13.7"})
    assert wrong.status_code == 422
    assert 'href="#feld-lat"' in wrong.text
    assert "Breitengrad zwischen -90 und 90" in main_text(wrong)
    # Without a place: from the town centre, and the form works without script.
    plain = client.get(PAGE, params={"alle": "1"})
    assert "Am nächsten zu: Ortsmitte" in main_text(plain)
    assert '<form method="get" action="/dresden/laden"' in plain.text


def test_map_layer_and_public_interface(
    client: TestClient, chargers: Chargers, report: Report
) -> None:
    report("ALB-1", "OUTOFORDER", utcnow())
    layer = client.get("/dresden/karten/ladepunkte.geojson")
    assert layer.status_code == 200
    features = {f["properties"]["title"]: f for f in layer.json()["features"]}
    assert set(features) == {"Altmarkt", "Albertplatz", "Hauptbahnhof"}
    albert = features["Albertplatz"]
    assert albert["properties"]["state"] == "out"
    assert albert["geometry"]["coordinates"] == [13.7466, 51.0628]
    assert albert["properties"]["text"] == "0 von 1 frei · bis 22 kW"
    api = client.get("/dresden/api/v1/charging/locations").json()
    hbf = next(loc for loc in api if loc["id"] == "DD-HBF")
    assert hbf["green_energy"] is False
    assert hbf["evses"][0]["price_per_kwh_incl_vat"] == "0.65"
    assert hbf["evses"][0]["connectors"][0]["max_power_kw"] == 150
    albert_api = next(loc for loc in api if loc["id"] == "DD-ALBERTPLATZ")
    assert albert_api["evses"][0]["status"] == "OUTOFORDER"
    assert albert_api["evses"][0]["datastream_id"] == chargers.datastreams["ALB-1"]


@pytest.mark.usefixtures("chargers")
def test_back_office_is_for_the_stadtwerke_and_administration_only(
    app: object, new_client: Callable[[], TestClient], utility: TestClient
) -> None:
    assert utility.get(STAFF).status_code == 200
    anonymous = new_client().get(STAFF, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
    clerk = Browser(new_client())
    clerk.login("dd.clerk.a")
    assert clerk.get(STAFF).status_code == 403
    assert clerk.client.get("/dresden/api/v1/charging/partners").status_code == 403
    admin = Browser(new_client())
    admin.login("dd.admin")
    assert admin.get(STAFF).status_code == 200


@pytest.mark.usefixtures("utility")
def test_staff_set_up_a_charging_point_and_a_partner(
    new_client: Callable[[], TestClient],
) -> None:
    staff = Browser(new_client())
    assert staff.login("dd.stadtwerke").status_code == 303
    bad = staff.submit(
        f"{STAFF}/betreiber",
        {"operator_name": "SachsenEnergie", "country_code": "de", "party_id": "SE", "website": ""},
    )
    assert bad.status_code == 422
    text = main_text(bad)
    assert "Zwei Großbuchstaben, z. B. DE." in text
    assert 'href="#feld-party_id"' in bad.text
    made = staff.submit(
        f"{STAFF}/betreiber",
        {"operator_name": "SachsenEnergie", "country_code": "DE", "party_id": "SEN"},
    )
    assert made.status_code == 303
    page = staff.get(STAFF)
    operator_id = re.search(r'<option value="(\d+)">SachsenEnergie</option>', page.text)
    assert operator_id is not None
    tariff = staff.submit(
        f"{STAFF}/tarife",
        {
            "tariff_operator": operator_id.group(1),
            "tariff_ocpi_id": "AC-1",
            "energy_price": "0,42",
            "vat_percent": "19",
        },
    )
    assert tariff.status_code == 303
    location = staff.submit(
        f"{STAFF}/standorte",
        {
            "operator_id": operator_id.group(1),
            "ocpi_id": "DD-NEU",
            "name": "Neumarkt",
            "address": "Neumarkt 2",
            "postal_code": "01067",
            "city": "Dresden",
            "lat": "51,0516",
            "lon": "13.7421",
            "parking_type": "ON_STREET",
            "green_energy": "1",
        },
    )
    assert location.status_code == 303
    where = location.headers["location"].split("?")[0]
    tariffs = re.search(r'<option value="(\d+)">AC-1</option>', staff.get(where).text)
    assert tariffs is not None
    evse = [
        ("uid", "NEU-1"),
        ("evse_id", "DE*SEN*E0001"),
        ("tariff_id", tariffs.group(1)),
        ("standard", "IEC_62196_T2"),
        ("format", "SOCKET"),
        ("power_type", "AC_3_PHASE"),
        ("max_voltage", "230"),
        ("max_amperage", "32"),
        ("max_electric_power", "22"),
        ("capabilities", "CREDIT_CARD_PAYABLE"),
        ("capabilities", "RFID_READER"),
    ]
    # A power no charger has (1e308 kW once overflowed into a server error) is explained.
    too_much = [(k, "NEU-X" if k == "uid" else v) for k, v in evse if k != "evse_id"]
    huge = staff.submit(
        f"{where}/ladepunkte",
        [(k, "1e308" if k == "max_electric_power" else v) for k, v in too_much],
    )
    assert huge.status_code == 422
    assert "Eine ganze Zahl in Kilowatt" in main_text(huge)
    assert staff.submit(f"{where}/ladepunkte", evse).status_code == 303
    again = staff.submit(f"{where}/ladepunkte", evse)
    assert again.status_code == 422
    assert "Diese Kennung ist bereits vergeben." in main_text(again)
    shown = main_text(staff.get(where))
    assert "DE*SEN*E0001" in shown
    assert "Status unbekannt" in shown
    assert "0,50 EUR je kWh inkl. MwSt." in shown

    created = staff.submit(f"{STAFF}/partner", {"partner_name": "Nationaler Zugangspunkt"})
    assert created.status_code == 200
    token = re.search(r"<code>([A-Za-z0-9_-]{40,})</code>", created.text)
    assert token is not None
    assert token.group(1) not in staff.get(STAFF).text  # shown once
    partner = new_client()
    found = partner.get(
        "/dresden/ocpi/2.2.1/locations/DD-NEU", headers=authorization(token.group(1))
    )
    assert found.status_code == 200
    connector = found.json()["data"]["evses"][0]["connectors"][0]
    assert (connector["max_electric_power"], connector["tariff_ids"]) == (22_000, ["AC-1"])
    revoke = re.search(
        r'action="(/dresden/verwaltung/laden/partner/\d+/widerrufen)"', staff.get(STAFF).text
    )
    assert revoke is not None
    assert staff.submit(revoke.group(1)).status_code == 303
    assert (
        partner.get("/dresden/ocpi/versions", headers=authorization(token.group(1))).status_code
        == 401
    )


def test_another_municipality_sees_and_touches_nothing(
    app: object, chargers: Chargers, client: TestClient
) -> None:
    assert client.get("/radebeul/api/v1/charging/locations").json() == []
    radebeul = staff_client(app, "rb.admin")
    with chargers.world.tenant(chargers.world.dresden) as db:
        location_id = db.scalar(select(ChargingLocation.id).limit(1))
        operator_id = db.scalar(select(Operator.id))
    evse = {
        "uid": "X-1",
        "connectors": [
            {
                "standard": "IEC_62196_T2",
                "format": "SOCKET",
                "power_type": "AC_3_PHASE",
                "max_voltage": 230,
                "max_amperage": 16,
            }
        ],
    }
    added = radebeul.post(f"/radebeul/api/v1/charging/locations/{location_id}/evses", json=evse)
    assert added.status_code == 404
    location = radebeul.post(
        "/radebeul/api/v1/charging/locations",
        json={
            "operator_id": operator_id,
            "ocpi_id": "RB-1",
            "name": "Markt",
            "address": "Markt 1",
            "city": "Radebeul",
            "postal_code": "01445",
            "lat": 51.1,
            "lon": 13.66,
        },
    )
    assert location.status_code == 422
    assert "no operator" in location.json()["detail"]
