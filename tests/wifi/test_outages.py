"""A hotspot offline longer than the municipality allows opens a case in the IT department's
inbox (once), and the case is closed when the hotspot is online again — whether the node list
says so or the hotspot reports itself over the SensorThings API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.cases.models import Case
from smartcity.core.platform import Platform
from smartcity.wifi import jobs, services
from smartcity.wifi.models import Outage, WifiSource
from tests.conftest import World, create_observations
from tests.wifi.conftest import read, set_url

# The fixtures' lists are of 10:00 UTC; Albertplatz was last seen at 07:41:10.
NOW = datetime(2026, 12, 3, 10, 5, tzinfo=UTC)


def outages(world: World) -> list[tuple[str, Case | None, Outage]]:
    with world.tenant(world.dresden) as db:
        found = []
        for outage in db.scalars(select(Outage).order_by(Outage.id)):
            name = next(s.hotspot.name for s in services.states(db, [outage.hotspot_id]))
            case = db.get(Case, outage.case_id) if outage.case_id else None
            found.append((name, case, outage))
        db.expunge_all()
    return found


def test_an_offline_hotspot_opens_one_case_in_the_it_inbox_and_closes_it_on_return(
    world: World, platform: Platform, app: Any
) -> None:
    read(world, "meshviewer.json", NOW)
    changes = jobs.check_outages(platform, NOW)
    assert len(changes.opened) == 1
    [(name, case, outage)] = outages(world)
    assert name == "dd-stadt-albertplatz"
    assert case is not None
    assert case.department == "IT"
    assert case.closed_at is None
    assert outage.offline_since == datetime(2026, 12, 3, 7, 41, 10, tzinfo=UTC)
    assert outage.tracking_code
    # Still offline a minute later: no second case.
    assert jobs.check_outages(platform, NOW + timedelta(minutes=1)).opened == []
    # The router reports itself online over the SensorThings API.
    with world.tenant(world.dresden) as db:
        state = next(s for s in services.states(db) if s.hotspot.name == name)
        stream = state.hotspot.online_datastream_id
    assert stream is not None
    device = TestClient(app, base_url="https://testserver")
    device.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
    create_observations(device, stream, [(NOW + timedelta(minutes=2), True)])
    closed = jobs.check_outages(platform, NOW + timedelta(minutes=3))
    assert len(closed.closed) == 1
    [(_, case, outage)] = outages(world)
    assert outage.closed_at == NOW + timedelta(minutes=3)
    assert case is not None
    assert case.closed_at is not None


def test_no_case_before_the_allowed_time_and_none_for_hotspots_online(
    world: World, platform: Platform
) -> None:
    set_url(world, "", minutes=600)
    read(world, "meshviewer.json", NOW)
    # Offline for 2 h 24 min; allowed are 10 h.
    assert jobs.check_outages(platform, NOW).opened == []
    assert jobs.check_outages(platform, NOW + timedelta(hours=8)).opened != []
    assert [name for name, _, _ in outages(world)] == ["dd-stadt-albertplatz"]
    # Radebeul has no hotspots: nothing is opened there, and no source row is made.
    assert jobs.check_outages(platform, NOW + timedelta(hours=9)).opened == []
    with world.tenant(world.radebeul) as db:
        assert db.scalar(select(WifiSource)) is None
