"""What the import and the forms refuse, and what they read: a number whose one separator
could mean thousands or decimals is refused with its row or field named, grouped numbers are
read in the German and the English convention, a decimal comma cut off by a comma separator
is refused; a meter number that differs from another only in case is refused (and twins from
before are told apart by the exact number); an exchange recorded twice is a form error, not a
server error; errors are placed beside their field (a building without a Thing is not a gas
problem); the import compares a file's rows with the stored readings around them only. Bad
input stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.errors import Conflict
from smartcity.energy import readings_import, services
from smartcity.energy.models import Building, Meter, MeterExchange
from smartcity.energy.schemas import MeterIn
from smartcity.sensorthings.models import Observation
from tests.conftest import World, create_observations
from tests.energy.conftest import STAFF, School, csv_file
from tests.web.conftest import Browser, main_text


def stored(world: World, datastream: int) -> int:
    with world.tenant(world.dresden) as db:
        found = db.scalar(
            select(func.count())
            .select_from(Observation)
            .where(Observation.datastream_id == datastream)
        )
        return found or 0


@pytest.mark.parametrize("text", ["1.234", "1,234", "+1.234", "999,000", "12,345"])
def test_a_number_whose_one_separator_could_mean_thousands_is_not_guessed(text: str) -> None:
    assert readings_import.ambiguous(text)
    assert readings_import.number(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234,5", 1234.5),
        ("1234.5", 1234.5),
        ("1234", 1234.0),
        ("1 234,5", 1234.5),
        ("0.123", 0.123),
        ("0,123", 0.123),
        ("1234,567", 1234.567),
        ("12,3456", 12.3456),
        ("1,23", 1.23),
        # Two different separators, or one repeated, say which is which: German and English.
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("12.345,6", 12345.6),
        ("12,345.6", 12345.6),
        ("1.234.567", 1234567.0),
        ("1,234,567.25", 1234567.25),
    ],
)
def test_unambiguous_numbers_are_read_in_either_convention(text: str, value: float) -> None:
    assert not readings_import.ambiguous(text)
    assert readings_import.number(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "1e5",
        "nan",
        "inf",
        ".5",
        "1.",
        "viel",
        "1.23,4",
        "1,234,5",
        "1.234.5",
        "1.234,5.6",
        "9" * 400,
    ],
)
def test_other_forms_are_no_number(text: str) -> None:
    assert readings_import.number(text) is None


def test_the_import_names_the_rows_with_ambiguous_numbers_and_stores_nothing(
    manager: Browser, school: School, world: World
) -> None:
    refused = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file(
            "Zähler;Zeitpunkt;Stand;Neuer Zählerstart",
            "S-1;01.01.2025;1.234,5;",
            "S-1;01.02.2025;1.234;",
            "S-1;01.03.2025;1300;1,500",
        ),
    )
    assert refused.status_code == 422
    text = main_text(refused)
    assert "Zeile 2" not in text
    assert "Zeile 3: „1.234“ ist mehrdeutig (Tausender oder Nachkommastellen?)" in text
    assert "Zeile 4: „1,500“ ist mehrdeutig" in text
    assert "z. B. 1234,5 oder 1234.5" in text
    assert stored(world, school.datastreams["S-1"]) == 0
    english = manager.submit(
        f"{STAFF}/zaehlerstaende?lang=en",
        files=csv_file("Zähler;Zeitpunkt;Stand", "S-1;01.01.2025;1.234"),
    )
    assert "Line 2: “1.234” is ambiguous (thousands or decimals?)" in main_text(english)
    assert stored(world, school.datastreams["S-1"]) == 0


def test_grouped_readings_are_stored_as_meant_in_either_convention(
    manager: Browser, school: School, world: World
) -> None:
    done = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file(
            "Zähler;Zeitpunkt;Stand",
            "S-1;01.01.2025;1.234,5",
            "S-1;01.02.2025;2,345.5",
            "S-1;01.03.2025;3456,5",
        ),
    )
    assert done.status_code == 200, main_text(done)
    with world.tenant(world.dresden) as db:
        found = services.readings_of(db, [school.datastreams["S-1"]])
    assert [r.value for r in found[school.datastreams["S-1"]]] == [1234.5, 2345.5, 3456.5]


def test_a_decimal_comma_in_a_comma_separated_file_is_not_cut_off(
    manager: Browser, school: School, world: World
) -> None:
    refused = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler,Zeitpunkt,Stand", "S-1,01.01.2025,1234,5"),
    )
    assert refused.status_code == 422
    assert "Zeile 2: die Zeile hat mehr Felder, als die erste Zeile Spalten nennt" in main_text(
        refused
    )
    assert stored(world, school.datastreams["S-1"]) == 0
    quoted = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler,Zeitpunkt,Stand", 'S-1,01.01.2025,"1234,5"'),
    )
    assert quoted.status_code == 200, main_text(quoted)
    with world.tenant(world.dresden) as db:
        found = services.readings_of(db, [school.datastreams["S-1"]])
    assert [r.value for r in found[school.datastreams["S-1"]]] == [1234.5]


def test_a_meter_number_differing_only_in_case_is_refused(
    manager: Browser, school: School, world: World
) -> None:
    where = f"{STAFF}/gebaeude/{school.building_id}"
    twin = manager.submit(f"{where}/zaehler", {"kind": "electricity", "number": "s-1"})
    assert twin.status_code == 409
    assert (
        "Es gibt schon einen Zähler „S-1“; Zählernummern, die sich nur in Groß- und "
        "Kleinschreibung unterscheiden, gelten als gleich." in main_text(twin)
    )
    assert 'href="#feld-number"' in twin.text
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Meter)) == 3
        building = services.get_building(db, school.building_id)
        with pytest.raises(Conflict):
            services.add_meter(db, building, MeterIn(kind="heat", number="w-1"), actor="t")


def test_meters_that_differ_only_in_case_from_before_are_told_apart_by_the_exact_number(
    manager: Browser, school: School, world: World
) -> None:
    with world.tenant(world.dresden) as db:
        building = services.get_building(db, school.building_id)
        first = services.add_meter(db, building, MeterIn(kind="water", number="Ab-1"), actor="t")
        # A twin as it could be created before numbers were compared without case.
        twin = services.add_meter(db, building, MeterIn(kind="water", number="Zz-9"), actor="t")
        twin.number = "AB-1"
        ours, its = first.datastream_id, twin.datastream_id
    assert ours is not None
    assert its is not None
    refused = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler;Zeitpunkt;Stand", "Ab-1;01.01.2025;10", "ab-1;01.02.2025;20"),
    )
    assert refused.status_code == 422
    assert (
        "Zeile 3: „ab-1“ kann jeder der Zähler Ab-1, AB-1 sein; bitte die Nummer genau wie "
        "beim Zähler schreiben." in main_text(refused)
    )
    assert stored(world, ours) == 0
    done = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler;Zeitpunkt;Stand", "Ab-1;01.01.2025;10", "AB-1;01.01.2025;99"),
    )
    assert done.status_code == 200, main_text(done)
    with world.tenant(world.dresden) as db:
        found = services.readings_of(db, [ours, its])
    assert [r.value for r in found[ours]] == [10.0]
    assert [r.value for r in found[its]] == [99.0]


def test_ambiguous_numbers_in_the_forms_are_refused_beside_their_field(
    manager: Browser, school: School, world: World
) -> None:
    with world.tenant(world.dresden) as db:
        meter = db.scalar(select(Meter).where(Meter.number == "W-1"))
        assert meter is not None
        meter_id = meter.id
    where = f"{STAFF}/gebaeude/{school.building_id}"
    form = {
        "meter_id": str(meter_id),
        "exchanged_at": "01.03.2025 08:00",
        "old_final": "5.000",
        "new_start": "0",
    }
    doubtful = manager.submit(f"{where}/zaehlerwechsel", form)
    assert doubtful.status_code == 422
    assert "„5.000“ ist mehrdeutig (Tausender oder Nachkommastellen?)" in main_text(doubtful)
    assert 'href="#feld-old_final"' in doubtful.text
    assert 'value="5.000"' in doubtful.text
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(MeterExchange)) == 0
    assert (
        manager.submit(f"{where}/zaehlerwechsel", {**form, "old_final": "5000,5"}).status_code
        == 303
    )
    with world.tenant(world.dresden) as db:
        exchange = db.scalar(select(MeterExchange))
        assert exchange is not None
        assert exchange.old_final == 5000.5
    building = {
        "name": "Turnhalle Süd",
        "address": "Südstraße 2",
        "postal_code": "01069",
        "city": "Dresden",
        "use_type": "sports_hall",
        "floor_area_m2": "1.234",
        "lat": "51,04",
        "lon": "13,73",
    }
    area = manager.submit(f"{STAFF}/gebaeude", building)
    assert area.status_code == 422
    assert "„1.234“ ist mehrdeutig" in main_text(area)
    assert 'href="#feld-floor_area_m2"' in area.text
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(Building)) == 1
    assert (
        manager.submit(f"{STAFF}/gebaeude", {**building, "floor_area_m2": "1.234,5"}).status_code
        == 303
    )
    with world.tenant(world.dresden) as db:
        made = db.scalar(select(Building).where(Building.name == "Turnhalle Süd"))
        assert made is not None
        assert made.floor_area_m2 == 1234.5
        assert (made.lat, made.lon) == (51.04, 13.73)
    reference = {
        "reference_use_type": "school",
        "heat_kwh_m2": "1,100",
        "electricity_kwh_m2": "25,5",
        "source": "Eigene Festlegung",
    }
    doubtful = manager.submit(f"{STAFF}/vergleichswerte", reference)
    assert doubtful.status_code == 422
    assert "„1,100“ ist mehrdeutig" in main_text(doubtful)
    assert 'href="#feld-heat_kwh_m2"' in doubtful.text
    assert (
        manager.submit(f"{STAFF}/vergleichswerte", {**reference, "heat_kwh_m2": "110"}).status_code
        == 303
    )
    with world.tenant(world.dresden) as db:
        values = services.references(db)["school"]
        assert (values.heat_kwh_m2, values.electricity_kwh_m2) == (110.0, 25.5)


def test_an_exchange_in_the_file_where_one_is_recorded_names_the_row(
    manager: Browser, school: School, world: World
) -> None:
    with world.tenant(world.dresden) as db:
        meter = db.scalar(select(Meter).where(Meter.number == "W-1"))
        assert meter is not None
        meter_id = meter.id
    where = f"{STAFF}/gebaeude/{school.building_id}"
    form = {
        "meter_id": str(meter_id),
        "exchanged_at": "01.03.2025 08:00",
        "old_final": "5000",
        "new_start": "0",
    }
    assert manager.submit(f"{where}/zaehlerwechsel", form).status_code == 303
    # The same exchange through the form again: shown beside the time.
    twice = manager.submit(f"{where}/zaehlerwechsel", form)
    assert twice.status_code == 409
    assert "Für diesen Zähler ist zu diesem Zeitpunkt schon ein Wechsel erfasst." in main_text(
        twice
    )
    assert 'href="#feld-exchanged_at"' in twice.text
    refused = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file(
            "Zähler;Zeitpunkt;Stand;Neuer Zählerstart",
            "W-1;01.02.2025;4000;",
            "W-1;01.03.2025 08:00;5000;0",
        ),
    )
    assert refused.status_code == 422
    assert (
        "Zeile 3: für diesen Zähler ist zu diesem Zeitpunkt schon ein Wechsel erfasst."
        in main_text(refused)
    )
    assert stored(world, school.datastreams["W-1"]) == 0
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(MeterExchange)) == 1
    # The reading at that time without a new start reading is the old meter's last: stored.
    done = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler;Zeitpunkt;Stand", "W-1;01.03.2025 08:00;5000"),
    )
    assert done.status_code == 200, main_text(done)
    assert stored(world, school.datastreams["W-1"]) == 1


def test_form_errors_of_the_service_are_shown_beside_their_field(
    manager: Browser, school: School, world: World
) -> None:
    where = f"{STAFF}/gebaeude/{school.building_id}"
    gas = manager.submit(f"{where}/zaehler", {"kind": "gas", "number": "G 8"})
    assert gas.status_code == 422
    assert "Ein Gaszähler braucht seine kWh je m³ (Brennwert × Zustandszahl)." in main_text(gas)
    assert 'href="#feld-kwh_per_m3"' in gas.text
    with world.tenant(world.dresden) as db:
        building = db.get(Building, school.building_id)
        assert building is not None
        building.thing_id = None
    lost = manager.submit(f"{where}/zaehler", {"kind": "electricity", "number": "S-2"})
    assert lost.status_code == 422
    text = main_text(lost)
    assert "Dieses Gebäude hat kein SensorThings-Thing" in text
    assert "kWh je m³ laut Gasrechnung (Brennwert × Zustandszahl), 5 bis 15." not in text
    assert 'href="#feld-kwh_per_m3"' not in lost.text
    same = manager.submit(
        f"{STAFF}/gebaeude",
        {
            "name": "Grundschule Altmarkt",
            "address": "Altmarkt 1",
            "postal_code": "01067",
            "city": "Dresden",
            "use_type": "school",
            "floor_area_m2": "2000",
            "lat": "51,05",
            "lon": "13,74",
        },
    )
    assert same.status_code == 409
    assert "Es gibt schon ein Gebäude mit diesem Namen." in main_text(same)
    assert 'href="#feld-name"' in same.text
    missing = manager.submit(f"{STAFF}/gebaeude/999999/zaehler", {"kind": "water", "number": "X"})
    assert missing.status_code == 404


def test_the_import_reads_only_the_stored_readings_around_the_rows(
    manager: Browser, school: School, world: World, device: TestClient
) -> None:
    months = [datetime(2024 + m // 12, m % 12 + 1, 1, 5, tzinfo=UTC) for m in range(24)]
    create_observations(
        device, school.datastreams["S-1"], [(at, 1000.0 * i) for i, at in enumerate(months)]
    )
    with world.tenant(world.dresden) as db:
        meter = db.scalar(select(Meter).where(Meter.number == "S-1"))
        assert meter is not None
        rows = [
            readings_import.Row(2, meter, datetime(2024, 6, 15, tzinfo=UTC), 5500.0, None),
            readings_import.Row(3, meter, datetime(2024, 8, 15, tzinfo=UTC), 7500.0, None),
        ]
        around = readings_import._stored_around(db, meter.datastream_id, rows)
    # 1 June (just before), 1 July and 1 August (within), 1 September (just after).
    assert [r.at.month for r in around] == [6, 7, 8, 9]
    assert [r.value for r in around] == [5000.0, 6000.0, 7000.0, 8000.0]
    # A reading lower than the stored one just before the file's first row is still found.
    lower = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler;Zeitpunkt;Stand", "S-1;15.12.2025;100"),
    )
    assert lower.status_code == 422
    assert "Zeile 2: der Stand ist niedriger als der vorherige" in main_text(lower)
    # And one lower than the stored one just after the file's last row.
    early = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler;Zeitpunkt;Stand", "S-1;15.01.2024;5000"),
    )
    assert early.status_code == 422
    assert "Zeile 2: der Stand ist niedriger als der vorherige" in main_text(early)
    fine = manager.submit(
        f"{STAFF}/zaehlerstaende",
        files=csv_file("Zähler;Zeitpunkt;Stand", "S-1;15.12.2025;23500"),
    )
    assert fine.status_code == 200, main_text(fine)
