"""Forecast of free spaces: the weekly profile, the start from the current value, and the
measured advantage over "same as now" on held-out Dresden data."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.parking import forecast
from smartcity.parking.demo import car_park_free
from smartcity.parking.dresden import LOTS, occupancy_history
from tests.conftest import create_observations
from tests.parking.conftest import API, car_park, with_counter

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 2, tzinfo=BERLIN)


def _weeks(count: int, value: object) -> list[tuple[datetime, float]]:
    start = MONDAY - timedelta(weeks=count)
    slots = count * forecast.SLOTS_PER_WEEK
    return [
        (start + i * forecast.SLOT, value(start + i * forecast.SLOT))  # type: ignore[operator]
        for i in range(slots)
    ]


def test_a_profile_needs_half_a_week_of_slots() -> None:
    three_days = [(t, 1.0) for t, _ in _weeks(1, lambda t: 0.0)][: 3 * forecast.SLOTS_PER_DAY]
    assert forecast.Profile.learn(three_days) is None
    assert forecast.Profile.learn(_weeks(1, lambda t: 5.0)) is not None


def test_the_profile_is_the_mean_of_each_weekday_and_quarter_hour() -> None:
    profile = forecast.Profile.learn(_weeks(2, lambda t: t.hour * 10.0 + t.weekday()))
    assert profile is not None
    tuesday_8 = datetime(2026, 11, 3, 8, 5, tzinfo=BERLIN)
    assert profile.at(tuesday_8) == 81.0


def test_the_forecast_starts_from_now_and_returns_to_the_usual() -> None:
    profile = forecast.Profile.learn(_weeks(2, lambda t: 100.0))
    assert profile is not None
    # Much emptier than usual right now (a holiday): the next slot is close to now, two days
    # later the usual again.
    points = forecast.forecast(profile, MONDAY, 20.0, timedelta(hours=48))
    assert points[0][0] == MONDAY + forecast.SLOT
    assert points[0][1] < 25
    assert 55 < dict(points)[MONDAY + forecast.HALF_LIFE] < 65
    assert points[-1][1] > 90
    capped = forecast.forecast(profile, MONDAY, 150.0, timedelta(hours=24), highest=90)
    assert max(value for _, value in capped) == 90


def test_it_beats_same_as_now_on_held_out_dresden_data() -> None:
    horizons = [timedelta(minutes=m) for m in (15, 60, 120, 240, 480)]
    overall = {h: [0.0, 0.0] for h in horizons}
    for lot in LOTS:
        series = occupancy_history(lot)
        moments = sorted(series)
        start = moments[int(len(moments) * 0.7)].replace(hour=0, minute=0)
        for score in forecast.backtest(series, start, horizons, every=timedelta(hours=2)):
            if score.horizon >= timedelta(hours=2):
                assert score.forecast_error < score.naive_error, (lot, score)
            overall[score.horizon][0] += score.forecast_error * score.cases
            overall[score.horizon][1] += score.naive_error * score.cases
    for horizon, (ours, naive) in overall.items():
        assert ours < naive, horizon
    # Four hours ahead the error is less than half of "same as now".
    assert overall[timedelta(hours=4)][0] < 0.5 * overall[timedelta(hours=4)][1]


def _seed_two_weeks(device: TestClient, datastream: int) -> None:
    """Two weeks of Wöhrl-Florentinum's history, replayed onto the last two weeks."""
    now = forecast.slot_start(utcnow().astimezone(BERLIN))
    steps = int(timedelta(weeks=2) / forecast.SLOT)
    moments = [now - i * forecast.SLOT for i in range(steps, -1, -1)]
    noise = random.Random(0)
    rows = [(m, car_park_free("dresdenwoehrlflorentinum", 1050, m, noise)) for m in moments]
    create_observations(device, datastream, rows)


@pytest.mark.usefixtures("dresden_parks")
def test_forecast_through_the_api(
    client: TestClient, operator: TestClient, device: TestClient
) -> None:
    lot = with_counter(operator, "dresdenwoehrlflorentinum")
    url = f"{API}/car-parks/{lot['id']}/forecast"
    too_early = client.get(url)
    assert too_early.status_code == 404
    assert "too little history" in too_early.json()["detail"]
    operator.patch(f"{API}/car-parks/{lot['id']}", json={"total": 1050})
    _seed_two_weeks(device, lot["datastream_id"])
    assert car_park(client, "dresdenwoehrlflorentinum")["forecast"] is True

    response = client.get(url, params={"hours": 3})
    assert response.status_code == 200
    body = response.json()
    times = [datetime.fromisoformat(p["time"]) for p in body["points"]]
    assert len(times) == 12
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(times))
    assert times[0] > utcnow()
    assert all(0 <= p["free"] <= 1050 for p in body["points"])
    assert client.get(url, params={"hours": 48}).status_code == 422

    now = utcnow().replace(tzinfo=None, microsecond=0)
    span = client.get(
        "/dresden/parkendd/dresdenwoehrlflorentinum/timespan",
        params={
            "from": (now - timedelta(hours=1)).isoformat(),
            "to": (now + timedelta(hours=2)).isoformat(),
        },
    ).json()["data"]
    stamps = [datetime.fromisoformat(p["timestamp"]) for p in span]
    assert stamps == sorted(stamps)
    assert stamps[0] < now < stamps[-1]
    assert stamps[-1] > now + timedelta(hours=1)
