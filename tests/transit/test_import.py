"""Importing timetables: an upload by the Stadtwerke, checked by the GTFS validator; a feed
with errors, a broken zip or a failing import leave the active timetable as it was; a
configured URL is downloaded only when it changed (If-Modified-Since)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.core.platform import Platform
from smartcity.transit import feeds, services
from smartcity.transit.models import Feed, Stop, StopTime
from smartcity.transit.schemas import SourcesIn
from tests.conftest import World
from tests.transit.conftest import FEEDS, feed_zip, import_feed

API = "/dresden/api/v1/transit"


def broken_feed() -> bytes:
    """The test feed without agency.txt and with a stop time at an unknown stop."""
    stop_times = (FEEDS / "basic" / "stop_times.txt").read_text()
    stop_times = stop_times.replace("T2,08:25:00,08:25:00,S2,2", "T2,08:25:00,08:25:00,NOPE,2")
    return feed_zip({"stop_times.txt": stop_times, "agency.txt": None})


def upload(client: TestClient, content: bytes, name: str = "fahrplan.zip") -> dict[str, object]:
    response = client.post(f"{API}/feeds", files={"file": (name, content, "application/zip")})
    assert response.status_code == 202, response.text
    feed_id = response.json()["id"]
    found = client.get(f"{API}/feeds/{feed_id}")
    assert found.status_code == 200
    result: dict[str, object] = found.json()
    return result


def active_stops(world: World) -> int:
    with world.tenant(world.dresden) as db:
        feed = feeds.active_feed(db)
        assert feed is not None
        return db.scalar(select(func.count()).select_from(Stop).where(Stop.feed_id == feed.id)) or 0


def test_an_upload_is_validated_imported_and_activated(utility: TestClient, world: World) -> None:
    feed = upload(utility, feed_zip())
    assert feed["status"] == "active"
    assert feed["error_count"] == 0
    assert feed["counts"] == {
        "agency.txt": 1,
        "stops.txt": 5,
        "routes.txt": 2,
        "trips.txt": 6,
        "stop_times.txt": 16,
        "calendar.txt": 2,
        "calendar_dates.txt": 4,
        "frequencies.txt": 1,
    }
    assert utility.get(f"{API}/stops", params={"q": "markt"}).json()[0]["id"] == "S2"


def test_a_feed_with_errors_is_refused_and_the_previous_one_stays_active(
    utility: TestClient, world: World
) -> None:
    first = upload(utility, feed_zip())
    refused = upload(utility, broken_feed())
    assert refused["status"] == "rejected"
    codes = {n["code"]: n for n in refused["notices"]}  # type: ignore[attr-defined]
    assert codes["missing_required_file"]["severity"] == "ERROR"
    assert codes["foreign_key_violation"]["examples"][0]["row"] == 6
    assert refused["error_count"] == 2
    # The first feed is still the active one, with all of its rows.
    with world.tenant(world.dresden) as db:
        active = feeds.active_feed(db)
        assert active is not None
        assert active.id == first["id"]
    assert active_stops(world) == 5
    assert utility.get(f"{API}/stops/S1/departures").status_code == 200


def test_a_file_that_is_not_a_zip_is_refused_with_a_clear_message(utility: TestClient) -> None:
    feed = upload(utility, b"stop_id,stop_name\nS1,Hauptplatz\n", name="stops.txt")
    assert (feed["status"], feed["message"]) == ("rejected", "not a zip archive")


def test_a_new_valid_feed_replaces_the_old_one_and_its_rows_go(
    platform: Platform, world: World
) -> None:
    assert import_feed(platform, world, feed_zip()) == "active"
    stops = (FEEDS / "basic" / "stops.txt").read_text() + "S4,Neustadt,51.07,13.74,0,,,1\n"
    assert import_feed(platform, world, feed_zip({"stops.txt": stops})) == "active"
    with world.tenant(world.dresden) as db:
        states = [f.status for f in db.scalars(select(Feed).order_by(Feed.id))]
        assert states == ["superseded", "active"]
        # Only the active version's rows are kept.
        assert db.scalar(select(func.count()).select_from(Stop)) == 6
        assert db.scalar(select(func.count()).select_from(StopTime)) == 16


def test_the_import_writes_in_batches(
    platform: Platform, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTCITY_TRANSIT_BATCH_ROWS", "100")
    lines = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    trips = (FEEDS / "basic" / "trips.txt").read_text()
    for number in range(150):
        trips += f"R1,WD,B{number},Endstelle,0,1\n"
        lines += [
            f"B{number},09:{number % 60:02d}:00,09:{number % 60:02d}:00,S2,1",
            f"B{number},10:{number % 60:02d}:00,10:{number % 60:02d}:00,S3,2",
        ]
    stop_times = (FEEDS / "basic" / "stop_times.txt").read_text() + "\n".join(lines[1:]) + "\n"
    assert (
        import_feed(platform, world, feed_zip({"stop_times.txt": stop_times, "trips.txt": trips}))
        == "active"
    )
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(StopTime)) == 316


def test_the_import_leaves_the_planner_statistics_of_the_new_rows(
    platform: Platform, timetable: World
) -> None:
    # Without them SQLite read a station's departures through the index on the municipality,
    # every stop time of the feed: 11 s a board with 2,000,000 stop times (bench/transit.py).
    with platform.engine.connect() as connection:
        if platform.engine.dialect.name == "sqlite":
            statistics = connection.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'transit_stop_time'"
            ).all()
        else:
            statistics = connection.exec_driver_sql(
                "SELECT last_analyze FROM pg_stat_user_tables "
                "WHERE relname = 'transit_stop_time' AND last_analyze IS NOT NULL"
            ).all()
    assert statistics


def test_staff_without_the_stadtwerke_role_may_not_upload(
    operator: TestClient, world: World
) -> None:
    response = operator.post(
        f"{API}/feeds", files={"file": ("f.zip", feed_zip(), "application/zip")}
    )
    assert response.status_code == 403
    assert operator.get(f"{API}/feeds").status_code == 403


def test_the_configured_url_is_downloaded_only_when_it_changed(
    platform: Platform,
    world: World,
    file_server: tuple[str, Path],
    private_addresses: None,
    requests_seen: list[dict[str, str]],
) -> None:
    base, root = file_server
    (root / "gtfs.zip").write_bytes(feed_zip())
    with world.tenant(world.dresden) as db:
        services.set_sources(db, SourcesIn(gtfs_url=f"{base}/gtfs.zip"), "test")
    feeds.check_timetable_sources(platform)
    feeds.check_timetable_sources(platform)
    with world.tenant(world.dresden) as db:
        assert [f.status for f in db.scalars(select(Feed))] == ["active"]
        source = feeds.source_of(db)
        assert source.gtfs_result == "not modified"
        assert source.gtfs_last_modified
    assert "If-Modified-Since" not in requests_seen[0]
    assert requests_seen[1]["If-Modified-Since"] == source.gtfs_last_modified
    # A newer file on the server is fetched and imported.
    (root / "gtfs.zip").write_bytes(feed_zip())
    later = os.stat(root / "gtfs.zip").st_mtime + 120
    os.utime(root / "gtfs.zip", (later, later))
    feeds.check_timetable_sources(platform)
    with world.tenant(world.dresden) as db:
        assert [f.status for f in db.scalars(select(Feed).order_by(Feed.id))] == [
            "superseded",
            "active",
        ]


def test_private_addresses_are_not_fetched_by_default(platform: Platform, world: World) -> None:
    with world.tenant(world.dresden) as db:
        services.set_sources(db, SourcesIn(gtfs_url="http://127.0.0.1:9/gtfs.zip"), "test")
    feeds.check_timetable_sources(platform)
    with world.tenant(world.dresden) as db:
        assert feeds.source_of(db).gtfs_result == "127.0.0.1 is not a public address"
        assert feeds.active_feed(db) is None


def test_sources_must_be_web_addresses(utility: TestClient) -> None:
    response = utility.put(f"{API}/sources", json={"gtfs_url": "file:///etc/passwd"})
    assert response.status_code == 422
    ok = utility.put(
        f"{API}/sources",
        json={"trip_updates_url": "https://vvo.example/tu.pb", "stale_after_seconds": 120},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["stale_after_seconds"] == 120


def test_store_file_refuses_more_than_the_limit(platform: Platform, world: World) -> None:
    from smartcity.core.uploads.services import PayloadTooLarge

    with pytest.raises(PayloadTooLarge):
        feeds.store_file(
            platform.settings.data_dir, world.dresden.id, io.BytesIO(b"x" * 5000), 1024
        )
    assert list((platform.settings.data_dir / "transit" / str(world.dresden.id)).iterdir()) == []
