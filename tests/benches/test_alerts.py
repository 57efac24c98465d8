"""When the municipality's air turns poor, one alert (event and mail), not one per check."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.benches.alerts import AirQualityAlert, check_air_quality
from smartcity.core.mail.models import OutgoingMail
from tests.benches.conftest import API, Measure
from tests.conftest import World


def test_poor_air_alerts_once(
    operator: TestClient, bench: dict[str, Any], measure: Measure, world: World
) -> None:
    seen: list[AirQualityAlert] = []
    world.platform.bus.subscribe(AirQualityAlert, seen.append)
    answer = operator.put(
        f"{API}/air-quality/settings", json={"alert_email": "umwelt@dresden.example"}
    )
    assert answer.status_code == 200
    assert operator.get(f"{API}/air-quality/settings").json() == answer.json()

    measure(bench, "pm10", 30.0)  # fair
    assert check_air_quality(world.platform) == 0
    measure(bench, "no2", 120.0, minutes_ago=2)  # very poor
    assert check_air_quality(world.platform) == 1
    assert check_air_quality(world.platform) == 0  # still poor: no second alert

    assert [(e.level, e.pollutant, e.bench_id) for e in seen] == [("very_poor", "no2", bench["id"])]
    with world.tenant(world.dresden) as db:
        mails = list(db.scalars(select(OutgoingMail)))
    assert [m.to_address for m in mails] == ["umwelt@dresden.example"]
    assert "sehr schlecht" in mails[0].subject


def test_no_recipient_still_raises_the_event(
    bench: dict[str, Any], measure: Measure, world: World
) -> None:
    seen: list[AirQualityAlert] = []
    world.platform.bus.subscribe(AirQualityAlert, seen.append)
    measure(bench, "pm25", 95.0)
    assert check_air_quality(world.platform) == 1
    assert len(seen) == 1
    with world.tenant(world.dresden) as db:
        assert list(db.scalars(select(OutgoingMail))) == []
