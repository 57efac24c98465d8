"""The transit pages: stop search and departure board on the portal (German and English,
no script), the kiosk board, and the Stadtwerke's back office (upload with the validator's
report, sources)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from smartcity.core.platform import Platform
from smartcity.transit import realtime
from tests.conftest import World
from tests.transit.conftest import alerts, feed_zip, trip_updates
from tests.transit.test_import import broken_feed
from tests.web.conftest import Browser, main_text


def test_search_and_board_in_german_and_english(live_timetable: World, client: TestClient) -> None:
    page = client.get("/dresden/oepnv", params={"q": "haupt"})
    assert page.status_code == 200
    assert 'href="/dresden/oepnv/abfahrten?halt=S1"' in page.text
    board = client.get("/dresden/oepnv/abfahrten", params={"halt": "S1"})
    assert board.status_code == 200
    text = main_text(board)
    assert "Hauptplatz" in text
    assert "Endstelle" in text
    assert "Zeiten laut Fahrplan; keine Echtzeitdaten." in text
    assert "<script" not in board.text
    assert 'http-equiv="refresh"' not in board.text
    english = client.get("/dresden/oepnv/abfahrten", params={"halt": "S1", "lang": "en"})
    assert "Times from the timetable; no live data." in main_text(english)
    refreshing = client.get("/dresden/oepnv/abfahrten", params={"halt": "S1", "aktualisieren": "1"})
    assert '<meta http-equiv="refresh" content="60">' in refreshing.text


def test_the_board_shows_stale_realtime_and_alerts(
    live_timetable: World, client: TestClient
) -> None:
    world = live_timetable
    old = datetime(2026, 1, 1, 8, 0).astimezone()
    with world.tenant(world.dresden) as db:
        from smartcity.transit import feeds

        feed = feeds.active_feed(db)
        assert feed is not None
        realtime.store_trip_updates(
            db,
            realtime.parse(trip_updates(old, [{"trip_id": "T1", "delay": 60}])),
            feed_id=feed.id,
            municipality_id=world.dresden.id,
            received_at=old,
        )
        now = datetime.now().astimezone()
        realtime.store_alerts(
            db,
            realtime.parse(alerts(now, [{"header": "Aufzug außer Betrieb", "stop_id": "S1"}])),
            municipality_id=world.dresden.id,
            received_at=now,
        )
    text = main_text(client.get("/dresden/oepnv/abfahrten", params={"halt": "S1"}))
    assert "Keine aktuellen Echtzeitdaten" in text
    assert "Aufzug außer Betrieb" in text


def test_unknown_stops_are_a_clear_404(live_timetable: World, client: TestClient) -> None:
    response = client.get("/dresden/oepnv/abfahrten", params={"halt": "NOPE"})
    assert response.status_code == 404
    api = client.get("/dresden/api/v1/transit/stops/NOPE/departures")
    assert api.status_code == 404
    assert api.json()["detail"] == "Diese Haltestelle gibt es im aktuellen Fahrplan nicht."


def test_the_kiosk_board_refreshes_itself_without_script(
    live_timetable: World, client: TestClient
) -> None:
    by_stop = client.get("/dresden/oepnv/anzeige", params={"halt": "S1"})
    assert by_stop.status_code == 200
    assert '<meta http-equiv="refresh" content="30">' in by_stop.text
    assert "<script" not in by_stop.text
    assert "Hauptplatz" in by_stop.text
    # Near a bench at Markt: that stop's board.
    near = client.get("/dresden/oepnv/anzeige", params={"lat": 51.0549, "lon": 13.7349})
    assert "Markt" in near.text
    assert "Hauptplatz" not in near.text
    assert client.get("/static/transit/kiosk.css").status_code == 200


def test_the_departures_api(live_timetable: World, client: TestClient) -> None:
    response = client.get("/dresden/api/v1/transit/stops/S1/departures")
    assert response.status_code == 200
    body = response.json()
    assert body["stop"] == {
        "id": "S1",
        "name": "Hauptplatz",
        "code": "",
        "lat": 51.05,
        "lon": 13.73,
        "station": True,
        "wheelchair_boarding": "yes",
    }
    assert body["realtime"]["state"] == "none"
    first = body["departures"][0]
    assert (first["route"], first["platform"], first["wheelchair_accessible"]) == ("1", "1", "yes")


def test_the_stadtwerke_upload_a_feed_and_read_the_validators_report(
    world: World, utility: TestClient, new_client: Callable[[], TestClient], platform: Platform
) -> None:
    browser = Browser(new_client())
    assert browser.login("dd.stadtwerke").status_code == 303
    overview = browser.get("/dresden/verwaltung/oepnv")
    assert overview.status_code == 200
    assert "Fahrplan hochladen" in overview.text
    sent = browser.submit(
        "/dresden/verwaltung/oepnv/fahrplan",
        {},
        files={"file": ("fahrplan.zip", broken_feed(), "application/zip")},
    )
    assert sent.status_code == 303
    report = browser.get(sent.headers["location"])
    text = main_text(report)
    assert "Dieser Fahrplan wurde nicht aktiviert." in text
    assert "foreign_key_violation" in text
    assert "missing_required_file" in text
    good = browser.submit(
        "/dresden/verwaltung/oepnv/fahrplan",
        {},
        files={"file": ("fahrplan.zip", feed_zip(), "application/zip")},
    )
    assert "Dieser Fahrplan ist aktiv." in main_text(browser.get(good.headers["location"]))
    missing = browser.submit("/dresden/verwaltung/oepnv/fahrplan", {})
    assert missing.status_code == 422
    assert "Bitte wählen Sie eine GTFS-Datei (ZIP) aus." in missing.text
    wrong = browser.submit(
        "/dresden/verwaltung/oepnv/quellen",
        {
            "gtfs_url": "ftp://x",
            "trip_updates_url": "",
            "alerts_url": "",
            "stale_after_seconds": "300",
        },
    )
    assert wrong.status_code == 422
    assert "Bitte geben Sie eine Adresse ein, die mit https:// beginnt." in wrong.text
    saved = browser.submit(
        "/dresden/verwaltung/oepnv/quellen",
        {
            "gtfs_url": "https://vvo.example/gtfs.zip",
            "trip_updates_url": "",
            "alerts_url": "",
            "stale_after_seconds": "300",
        },
    )
    assert saved.status_code == 303


def test_the_back_office_is_closed_to_other_roles(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    browser = Browser(new_client())
    assert browser.login("dd.press").status_code == 303
    assert browser.get("/dresden/verwaltung/oepnv").status_code == 403


def test_extra_trips_are_marked_on_the_boards_in_the_api_and_in_the_back_office(
    live_timetable: World, utility: TestClient, client: TestClient
) -> None:
    world = live_timetable
    now = datetime.now().astimezone()
    with world.tenant(world.dresden) as db:
        from smartcity.transit import feeds

        feed = feeds.active_feed(db)
        assert feed is not None
        realtime.store_trip_updates(
            db,
            realtime.parse(
                trip_updates(
                    now,
                    [
                        {
                            "trip_id": "E1",
                            "added": "ADDED",
                            "route_id": "R2",
                            "headsign": "Sonderfahrt Stadion",
                            "times": [
                                ("S1a", now + timedelta(minutes=3)),
                                ("S3", now + timedelta(minutes=9)),
                            ],
                        },
                        {
                            "trip_id": "E2",
                            "added": "ADDED",
                            "route_id": "R2",
                            "times": [("S1a", None)],
                        },
                    ],
                )
            ),
            feed_id=feed.id,
            municipality_id=world.dresden.id,
            received_at=now,
        )
    page = main_text(client.get("/dresden/oepnv/abfahrten", params={"halt": "S1"}))
    assert "Sonderfahrt Stadion Zusatzfahrt" in page
    english = client.get("/dresden/oepnv/abfahrten", params={"halt": "S1", "lang": "en"})
    assert "Sonderfahrt Stadion extra trip" in main_text(english)
    assert (
        "Zusatzfahrt"
        in client.get("/dresden/oepnv/anzeige", params={"halt": "S1", "lang": "de"}).text
    )
    body = client.get("/dresden/api/v1/transit/stops/S1/departures").json()
    extra = [d for d in body["departures"] if d["extra_trip"]]
    assert [(d["trip_id"], d["route"], d["headsign"]) for d in extra] == [
        ("E1", "2", "Sonderfahrt Stadion")
    ]
    assert not [d for d in body["departures"] if d["trip_id"] == "E2"]
    office = main_text(utility.get("/dresden/verwaltung/oepnv"))
    assert "Ignorierte Zusatzfahrten" in office
    assert "1 (unbekannte Linie oder Haltestellen oder keine Zeiten)" in office
    assert (
        "Kopien von Fahrplanfahrten (DUPLICATED) werden noch nicht angezeigt; sie zählen zu den "
        "ignorierten Zusatzfahrten." in office
    )
    sources = utility.get("/dresden/api/v1/transit/sources").json()
    states = {s["kind"]: s for s in sources["realtime"]}
    assert states["trip_updates"]["ignored_extra_trips"] == 1
