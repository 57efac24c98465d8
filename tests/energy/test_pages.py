"""The energy manager's pages: who may see them; buildings, meters and reference values made
through forms (with errors explained in German); readings by CSV (every bad row named and
nothing stored, exchanges carried across) and over the SensorThings API; the year against
the previous one and the reference value; a building's months as chart and table; the CSV
report; English."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.energy.models import Building, Meter, MeterExchange
from smartcity.sensorthings.models import Datastream, Observation
from tests.conftest import World, create_observations
from tests.energy.conftest import STAFF, School, csv_file
from tests.web.conftest import Browser, main_text

BERLIN = ZoneInfo("Europe/Berlin")


def first_of_months(start_year: int, count: int) -> list[datetime]:
    return [
        datetime(start_year + (m // 12), m % 12 + 1, 1, tzinfo=BERLIN).astimezone(UTC)
        for m in range(count)
    ]


def observations(world: World, datastream: int) -> int:
    with world.tenant(world.dresden) as db:
        return (
            db.scalar(
                select(func.count())
                .select_from(Observation)
                .where(Observation.datastream_id == datastream)
            )
            or 0
        )


@pytest.mark.usefixtures("school")
def test_the_pages_are_for_energy_management_the_stadtwerke_and_administration_only(
    new_client: Callable[[], TestClient], manager: Browser
) -> None:
    assert manager.get(STAFF).status_code == 200
    anonymous = new_client().get(STAFF, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
    clerk = Browser(new_client())
    clerk.login("dd.clerk.a")
    assert clerk.get(STAFF).status_code == 403
    assert clerk.get(f"{STAFF}/bericht.csv").status_code == 403
    admin = Browser(new_client())
    admin.login("dd.admin")
    assert admin.get(STAFF).status_code == 200
    # Radebeul's administrator sees nothing of Dresden's buildings.
    other = Browser(new_client())
    other.login("rb.admin")
    assert other.get(STAFF).status_code == 403
    assert "Grundschule Altmarkt" not in other.get("/radebeul/verwaltung/energie").text


def test_staff_add_a_building_a_meter_and_a_reference_value(manager: Browser, world: World) -> None:
    bad = manager.submit(
        f"{STAFF}/gebaeude",
        {
            "name": "Rathaus",
            "address": "Dr.-Külz-Ring 19",
            "postal_code": "01067",
            "city": "Dresden",
            "use_type": "castle",
            "floor_area_m2": "-5",
            "lat": "51,05",
            "lon": "13,74",
        },
    )
    assert bad.status_code == 422
    text = main_text(bad)
    assert "Bitte wählen Sie eine Nutzungsart." in text
    assert "Die Nettogrundfläche in m², eine Zahl über 0" in text
    assert 'href="#feld-floor_area_m2"' in bad.text
    made = manager.submit(
        f"{STAFF}/gebaeude",
        {
            "name": "Rathaus",
            "address": "Dr.-Külz-Ring 19",
            "postal_code": "01067",
            "city": "Dresden",
            "use_type": "administration",
            "floor_area_m2": "24000,5",
            "lat": "51,0474",
            "lon": "13.7403",
        },
    )
    assert made.status_code == 303
    where = made.headers["location"].split("?")[0]
    gas = manager.submit(f"{where}/zaehler", {"kind": "gas", "number": "G 7"})
    assert gas.status_code == 422
    assert "Brennwert × Zustandszahl" in main_text(gas)
    meter = manager.submit(
        f"{where}/zaehler", {"kind": "gas", "number": "G 7", "kwh_per_m3": "10,4"}
    )
    assert meter.status_code == 303
    page = manager.get(where)
    assert "G 7" in main_text(page)
    with world.tenant(world.dresden) as db:
        building = db.scalar(select(Building).where(Building.name == "Rathaus"))
        assert building is not None
        assert building.floor_area_m2 == 24000.5
        stored = db.scalar(select(Meter).where(Meter.number == "G 7"))
        assert stored is not None
        assert stored.kwh_per_m3 == 10.4
        stream = db.get(Datastream, stored.datastream_id)
        assert stream is not None
        assert stream.thing_id == building.thing_id
        assert stream.unit_of_measurement["symbol"] == "m³"
    wrong = manager.submit(
        f"{STAFF}/vergleichswerte",
        {
            "reference_use_type": "administration",
            "heat_kwh_m2": "viel",
            "electricity_kwh_m2": "40",
            "source": "",
        },
    )
    assert wrong.status_code == 422
    assert 'href="#feld-heat_kwh_m2"' in wrong.text
    saved = manager.submit(
        f"{STAFF}/vergleichswerte",
        {
            "reference_use_type": "administration",
            "heat_kwh_m2": "95",
            "electricity_kwh_m2": "40",
            "source": "Eigene Festlegung 2026",
        },
    )
    assert saved.status_code == 303
    assert "Eigene Festlegung 2026" in main_text(manager.get(STAFF))


def test_a_file_with_bad_rows_names_each_and_stores_nothing(
    manager: Browser, school: School, world: World
) -> None:
    refused = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file(
            "Zähler;Zeitpunkt;Stand",
            "S-1;01.01.2025;1000",
            "S-9;01.02.2025;1100",
            "S-1;31.02.2025;1200",
            "S-1;01.03.2025;viel",
            "S-1;01.04.2025;900",
            "S-1;01.01.2099;2000",
        ),
    )
    assert refused.status_code == 422
    text = main_text(refused)
    assert "Die Datei wurde nicht eingelesen; nichts wurde gespeichert." in text
    assert "Zeile 3: einen Zähler „S-9“ gibt es nicht." in text
    assert "Zeile 4: „31.02.2025“ ist kein Datum" in text
    assert "Zeile 5: „viel“ ist kein Zählerstand" in text
    assert "Zeile 7: der Zeitpunkt liegt in der Zukunft." in text
    assert observations(world, school.datastreams["S-1"]) == 0
    # Every row readable, but one lower than the one before it without an exchange.
    lower = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler;Zeitpunkt;Stand", "S-1;01.01.2025;1000", "S-1;01.02.2025;900"),
    )
    assert lower.status_code == 422
    assert "Zeile 3: der Stand ist niedriger als der vorherige" in main_text(lower)
    assert observations(world, school.datastreams["S-1"]) == 0
    header = manager.submit(f"{STAFF}/zaehlerstaende", files=csv_file("a;b", "1;2"))
    assert "Die erste Zeile muss die Spalten Zähler, Zeitpunkt und Stand" in main_text(header)
    empty = manager.submit(f"{STAFF}/zaehlerstaende", data={})
    assert empty.status_code == 422
    assert "Bitte wählen Sie eine CSV-Datei." in main_text(empty)


def test_readings_by_csv_and_api_make_the_year_against_last_year_and_the_reference(
    manager: Browser, school: School, world: World, device: TestClient
) -> None:
    manager.submit(
        f"{STAFF}/vergleichswerte",
        {
            "reference_use_type": "school",
            "heat_kwh_m2": "100",
            "electricity_kwh_m2": "20",
            "source": "Beispielwerte",
        },
    )
    months = first_of_months(2024, 25)  # 1 January 2024 … 1 January 2026
    rows = ["Zähler;Zeitpunkt;Stand;Neuer Zählerstart"]
    for index, at in enumerate(months):
        day = at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
        # Electricity: 3 000 kWh a month in 2024, 3 300 in 2025.
        power = 3000 * min(index, 12) + 3300 * max(index - 12, 0)
        rows.append(f"S-1;{day};" + f"{power:.1f}".replace(".", ","))
        # Heat: 16 000 kWh a month; the meter (5 digits) runs over, and is exchanged on
        # 1 July 2025 (old meter at its reading, new meter starting at 10).
        heat = (90_000 + 16_000 * index) % 100_000
        if index == 18:
            rows.append(f"W-1;{day};{heat};10")
        elif index > 18:
            rows.append(f"W-1;{day};{10 + 16_000 * (index - 18)}")
        else:
            rows.append(f"W-1;{day};{heat}")
    done = manager.submit(f"{STAFF}/zaehlerstaende", files=csv_file(*rows))
    assert done.status_code == 200, main_text(done)
    assert "50 Zählerstände von 2 Zählern eingelesen (1 Zählerwechsel)." in main_text(done)
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(MeterExchange)) == 1
    # Gas readings of 2025 arrive from a device over the SensorThings API (m³ × 10 kWh).
    create_observations(
        device,
        school.datastreams["G-1"],
        [(at, 500.0 * i) for i, at in enumerate(months[12:])],
    )
    # The same file again: every row is already there, nothing is stored twice.
    again = manager.submit(f"{STAFF}/zaehlerstaende", files=csv_file(*rows[:3]))
    assert "ein Stand dieses Zählers zu diesem Zeitpunkt ist schon gespeichert" in main_text(again)

    page = manager.get(STAFF, params={"jahr": "2025"})
    text = main_text(page)
    # Heating 2025: 12 × 16 000 kWh heat + 12 × 500 m³ × 10 kWh gas = 252 000 kWh, 126 kWh/m²
    # against a reference of 100 (+26 %). Electricity 39 600 kWh, +10 % on 2024, 19.8 kWh/m².
    assert "252 000" in text
    assert "126,0 kWh/m²" in text
    assert "Vergleichswert 100, +26,0 %" in text
    assert "39 600" in text
    assert "+10,0 % gegenüber dem Vorjahr" in text
    assert "Vergleichswert 20, -1,0 %" in text

    building = manager.get(f"{STAFF}/gebaeude/{school.building_id}", params={"jahr": "2025"})
    assert building.status_code == 200
    assert "<svg" in building.text
    assert '<title id="diagramm-electricity">' in building.text
    body = main_text(building)
    assert "Strom je Monat (kWh)" in body
    assert "Juli 3 300 3 000" in body
    assert "Heizenergie je Monat (kWh)" in body
    assert "Juli 21 000" in body  # 16 000 heat across the exchange + 500 m³ gas
    assert "Nichts Auffälliges in den Zählerständen." in body

    report = manager.get(f"{STAFF}/bericht.csv", params={"jahr": "2025"})
    assert report.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:4] == ["gebaeude", "nutzung", "nettogrundflaeche_m2", "traeger"]
    july = [line for line in lines if line[3] == "electricity" and line[5] == "2025-07"]
    assert july == [
        [
            "Grundschule Altmarkt",
            "school",
            "2000.0",
            "electricity",
            "kWh",
            "2025-07",
            "3300.0",
            "3000.0",
            "ja",
        ]
    ]

    english = manager.get(STAFF, params={"jahr": "2025", "lang": "en"})
    assert "+10.0 % against the previous year" in main_text(english)


def test_a_jump_and_a_lower_reading_are_pointed_out(
    manager: Browser, school: School, device: TestClient
) -> None:
    weeks = [datetime(2026, 1, 5, tzinfo=UTC).replace(day=5 + 7 * i) for i in range(4)]
    create_observations(
        device,
        school.datastreams["S-1"],
        [
            (weeks[0], 0.0),
            (weeks[1], 700.0),
            (weeks[2], 1400.0),
            (weeks[3], 2100.0),
            ("2026-02-02T00:00:00Z", 9100.0),
            ("2026-02-09T00:00:00Z", 50.0),
        ],
    )
    page = main_text(manager.get(f"{STAFF}/gebaeude/{school.building_id}"))
    assert "S-1: sprunghafter Anstieg (1 000,0 gegenüber sonst 100,0)" in page
    assert "S-1: Zählerstand niedriger als der vorherige" in page
