"""Anomalies become cases in the energy manager's inbox: one case per building for what is
new, none a second time; a high base load at night that is gone closes its case with a note,
a sudden rise stays for the energy manager; the other municipality is not touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.cases.models import Case, CaseEvent
from smartcity.citizen.models import ServiceAdoption, Submission
from smartcity.core.platform import Platform
from smartcity.energy import alerts, jobs, services
from smartcity.energy.models import EnergyAlert
from smartcity.energy.schemas import BuildingIn
from tests.conftest import World, create_observations
from tests.energy.conftest import STAFF, School
from tests.web.conftest import Browser

BERLIN = ZoneInfo("Europe/Berlin")


def local(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BERLIN).astimezone(UTC)


def hourly(start: datetime, end: datetime, night_kw: float, value: float) -> list[Any]:
    """Hourly readings: 100 kW on working days from 8 to 18 o'clock, `night_kw` otherwise."""
    rows: list[Any] = []
    at = start
    while at <= end:
        rows.append((at, round(value, 1)))
        hour = at.astimezone(BERLIN)
        busy = hour.weekday() < 5 and 8 <= hour.hour < 18
        value += 100.0 if busy else night_kw
        at += timedelta(hours=1)
    return rows


def device(app: Any, world: World) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    client.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
    return client


def filed(world: World) -> list[tuple[EnergyAlert, Case, dict[str, Any]]]:
    with world.tenant(world.dresden) as db:
        found = []
        for alert in db.scalars(select(EnergyAlert).order_by(EnergyAlert.id)):
            case = db.get(Case, alert.case_id)
            assert case is not None
            data = db.get(Submission, case.submission_id)
            assert data is not None
            found.append((alert, case, dict(data.data)))
        db.expunge_all()
    return found


def test_a_night_base_load_files_one_case_and_closes_it_when_gone(
    world: World, platform: Platform, app: Any, school: School, manager: Browser
) -> None:
    with world.tenant(world.radebeul) as db:
        services.create_building(
            db,
            BuildingIn(
                name="Rathaus Radebeul",
                address="Pestalozzistraße 6",
                postal_code="01445",
                city="Radebeul",
                use_type="administration",
                floor_area_m2=3000,
                lat=51.107,
                lon=13.662,
            ),
            actor="test",
        )
    meter = device(app, world)
    stream = school.datastreams["S-1"]
    first = hourly(local(2026, 11, 2), local(2026, 11, 9, 6), 70.0, 1000.0)
    create_observations(meter, stream, first)
    now = local(2026, 11, 9, 7)

    changes = jobs.check_anomalies(platform, now)
    assert len(changes.opened) == 1
    [(alert, case, data)] = filed(world)
    assert alert.kind == "night"
    assert case.department == alerts.DEPARTMENT == "Energiemanagement"
    assert case.closed_at is None
    assert data["gebaeude"] == "Grundschule Altmarkt"
    assert data["anschrift"] == "Altmarkt 1, 01067 Dresden"
    assert data["auffaelligkeiten"].startswith(
        "Stromzähler S-1: hohe Grundlast in der Nacht – 70,0 kW nachts (0 bis 4 Uhr) gegen "
        "100,0 kW an Werktagen"
    )

    # An hour later the night is still high: no second case.
    more = hourly(local(2026, 11, 9, 7), local(2026, 11, 9, 8), 70.0, first[-1][1] + 70.0)
    create_observations(meter, stream, more)
    assert jobs.check_anomalies(platform, now + timedelta(hours=2)).opened == []
    assert len(filed(world)) == 1
    # The building's page names the case (the energy manager does not work cases: no link).
    page = manager.get(f"{STAFF}/gebaeude/{school.building_id}")
    assert alert.tracking_code
    assert alert.tracking_code in page.text
    assert "Vorgang offen" in page.text
    assert f"/verwaltung/vorgaenge/{case.id}" not in page.text

    # Ventilation switched off at night: two weeks later the night is normal again.
    normal = hourly(local(2026, 11, 9, 9), local(2026, 11, 23, 12), 20.0, more[-1][1] + 100.0)
    create_observations(meter, stream, normal)
    closed = jobs.check_anomalies(platform, local(2026, 11, 23, 13))
    assert [a.id for a in closed.closed] == [alert.id]
    assert closed.opened == []
    [(alert, case, _)] = filed(world)
    assert alert.closed_at == local(2026, 11, 23, 13)
    assert case.closed_at is not None
    with world.tenant(world.dresden) as db:
        notes = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
        assert any("wieder unauffällig" in (event.text or "") for event in notes)
    # Radebeul has a building but nothing looks wrong there: no alert, no service adopted.
    with world.tenant(world.radebeul) as db:
        assert db.scalar(select(EnergyAlert)) is None
        assert db.scalar(select(Case)) is None
        assert db.scalar(select(ServiceAdoption)) is None


def test_a_sudden_rise_is_told_once_and_its_case_stays_open(
    world: World, platform: Platform, app: Any, school: School
) -> None:
    meter = device(app, world)
    readings = [(local(2026, m, 1, 6), 1000.0 * (m - 5)) for m in range(5, 11)]
    # October's use is five times the months before.
    readings.append((local(2026, 11, 1, 6), 10_000.0))
    create_observations(meter, school.datastreams["S-1"], readings)

    changes = jobs.check_anomalies(platform, local(2026, 11, 3))
    assert len(changes.opened) == 1
    assert len(changes.cases) == 1
    [(alert, case, data)] = filed(world)
    assert (alert.kind, alert.at) == ("jump", local(2026, 11, 1, 6))
    assert "Stromzähler S-1: plötzlicher Anstieg" in data["auffaelligkeiten"]
    assert "kWh am Tag gegen üblich" in data["auffaelligkeiten"]
    assert jobs.check_anomalies(platform, local(2026, 11, 4)).opened == []

    # A normal month follows: the rise is history, its case stays for the energy manager.
    create_observations(meter, school.datastreams["S-1"], [(local(2026, 12, 1, 6), 11_000.0)])
    later = jobs.check_anomalies(platform, local(2026, 12, 2))
    assert (later.opened, later.closed) == ([], [])
    [(_, case, _)] = filed(world)
    assert case.closed_at is None


def test_old_history_files_no_case(
    world: World, platform: Platform, app: Any, school: School
) -> None:
    meter = device(app, world)
    readings = [(local(2025, m, 1, 6), 1000.0 * m) for m in range(1, 7)]
    readings.append((local(2025, 7, 1, 6), 20_000.0))
    create_observations(meter, school.datastreams["S-1"], readings)
    # The page shows the rise, but it is more than a quarter old when the check first runs.
    assert jobs.check_anomalies(platform, local(2026, 11, 3)).opened == []
    assert filed(world) == []
