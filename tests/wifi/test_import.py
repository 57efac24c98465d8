"""Importing node lists: by the periodic job from the configured address (conditional with
the ETag, within size and time limits, only public servers), by upload in the back office and
over the API. New routers become Things with three Datastreams, changed values Observations;
no MAC or IP address and no owner contact is stored; a list that cannot be fetched or read is
reported to the operator and changes nothing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.db import Base
from smartcity.core.errors import InvalidInput
from smartcity.core.platform import Platform
from smartcity.sensorthings.ingest import bulk
from smartcity.sensorthings.models import Observation
from smartcity.wifi import jobs, nodelist, services
from smartcity.wifi.models import Hotspot
from tests.conftest import World, count
from tests.web.conftest import Browser, main_text
from tests.wifi.conftest import IDENTIFYING, Served, node_list, public, read, set_url

STAFF = "/dresden/verwaltung/wlan"
NOW = datetime(2026, 12, 3, 10, 5, tzinfo=UTC)


def stored_text(platform: Platform) -> str:
    """Every value of every table of the platform, as text."""
    found = []
    with platform.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                found.append(" ".join(str(value) for value in row))
    return "\n".join(found).lower()


def hotspots(world: World) -> dict[str, services.HotspotState]:
    with world.tenant(world.dresden) as db:
        return {s.hotspot.name: s for s in services.states(db)}


def observations(world: World) -> int:
    with world.tenant(world.dresden) as db:
        return count(db, Observation)


def test_a_list_makes_hotspots_with_three_datastreams_and_no_address_is_stored(
    world: World, app: Any
) -> None:
    applied = read(world, "meshviewer.json", NOW)
    assert (applied.new, applied.known, applied.left_out) == (4, 0, 1)
    found = hotspots(world)
    altmarkt = found["dd-stadt-altmarkt"]
    assert (altmarkt.online, altmarkt.clients) == (True, 7)
    # Reported online in the list of 10:00 (its own last-seen time is two seconds older).
    assert altmarkt.last_seen == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    albertplatz = found["dd-stadt-albertplatz"]
    assert albertplatz.online is False
    assert albertplatz.offline_since == datetime(2026, 12, 3, 7, 41, 10, tzinfo=UTC)
    streams = public(app).get(
        f"/dresden/sta/v1.1/Things({altmarkt.hotspot.thing_id})/Datastreams",
        params={"$select": "name", "$orderby": "id"},
    )
    assert [d["name"] for d in streams.json()["value"]] == [
        "Online dd-stadt-altmarkt",
        "Verbundene Geräte dd-stadt-altmarkt",
        "Zuletzt gesehen dd-stadt-altmarkt",
    ]
    # Nowhere in the database: router ids (derived from MACs), MACs, IP addresses, owners.
    text = stored_text(world.platform)
    assert "dd-stadt-altmarkt" in text
    for identifying in IDENTIFYING:
        assert identifying not in text, identifying
    # A router without a hostname, and one named after its MAC: each is called after a piece
    # of its keyed hash, so the MAC reaches no Thing, page, map, open data or case.
    assert read(world, "meshviewer_unnamed.json", NOW).new == 2
    unnamed = sorted(name for name in hotspots(world) if name.startswith("Hotspot "))
    assert len(unnamed) == 2
    assert all(re.fullmatch(r"Hotspot [0-9a-f]{8}", name) for name in unnamed)
    text = stored_text(world.platform)
    for identifying in IDENTIFYING:
        assert identifying not in text, identifying


def test_the_next_list_writes_only_what_changed(world: World) -> None:
    read(world, "meshviewer.json", NOW)
    before = observations(world)
    # nodes.json v2 of two of the routers: Altmarkt has 5 devices instead of 7, else the same;
    # Postplatz and Wohnzimmer Mustermann are not in it, so they are offline now (Postplatz:
    # online; Wohnzimmer: online and 2 devices to none).
    applied = read(world, "nodes_v2.json", NOW)
    assert (applied.new, applied.known, applied.missing) == (0, 2, 2)
    assert applied.observations == 1 + 3
    assert observations(world) == before + 1 + 3
    assert hotspots(world)["dd-stadt-altmarkt"].clients == 5
    # The same again: nothing changed.
    assert read(world, "nodes_v2.json", NOW).observations == 0


def test_a_hotspot_missing_from_the_next_list_is_offline_and_opens_its_case(
    world: World, platform: Platform, client: TestClient
) -> None:
    read(world, "meshviewer.json", NOW)
    assert hotspots(world)["dd-stadt-postplatz"].online is True
    read(world, "nodes_v2.json", NOW)
    found = hotspots(world)
    assert found["dd-stadt-altmarkt"].online is True
    # Offline, last seen when the list last named them (not later).
    postplatz, wohnzimmer = found["dd-stadt-postplatz"], found["Wohnzimmer Mustermann"]
    assert (postplatz.online, postplatz.clients) == (False, 0)
    assert postplatz.last_seen == datetime(2026, 12, 3, 9, 59, 57, tzinfo=UTC)
    assert (wohnzimmer.online, wohnzimmer.clients) == (False, 0)
    assert wohnzimmer.last_seen == datetime(2026, 12, 3, 9, 59, 50, tzinfo=UTC)
    api = {h["name"]: h for h in client.get("/dresden/api/v1/wifi/hotspots").json()}
    assert api["dd-stadt-postplatz"]["online"] is False
    opened = jobs.check_outages(platform, NOW + timedelta(hours=1)).opened
    names = {found[name].hotspot.id: name for name in found}
    assert sorted(names[o.hotspot_id] for o in opened) == [
        "Wohnzimmer Mustermann",
        "dd-stadt-albertplatz",
        "dd-stadt-postplatz",
    ]


def test_a_large_list_is_written_in_pieces_one_bulk_write_takes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One bulk write takes 5 rows here; the list brings 12 values (4 hotspots, 3 each).
    prepare = bulk.prepare

    def small(*args: Any, **kwargs: Any) -> Any:
        return prepare(*args, **{**kwargs, "max_rows": 5})

    monkeypatch.setattr(bulk, "MAX_ROWS", 5)
    monkeypatch.setattr(bulk, "prepare", small)
    applied = read(world, "meshviewer.json", NOW)
    assert applied.observations == 12
    assert observations(world) == 12
    assert hotspots(world)["dd-stadt-altmarkt"].clients == 7


def test_one_municipality_failing_leaves_the_others_their_lists(
    world: World,
    platform: Platform,
    node_server: tuple[str, Served],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, served = node_server
    served.body = node_list("meshviewer.json")
    set_url(world, url)
    with world.tenant(world.radebeul) as db:
        services.set_source(db, url=url, name_prefix="", offline_minutes=30, actor="test")
    apply = services.apply

    def failing(db: Any, municipality: Any, *args: Any, **kwargs: Any) -> Any:
        if municipality.slug == "dresden":
            raise RuntimeError("the database went away")
        return apply(db, municipality, *args, **kwargs)

    monkeypatch.setattr(services, "apply", failing)
    # Each municipality is read at its own time.
    times = iter([NOW, NOW + timedelta(seconds=7)])
    monkeypatch.setattr(jobs, "utcnow", lambda: next(times))
    assert jobs.fetch_lists(platform) == {
        "dresden": "The node list could not be applied (RuntimeError).",
        "radebeul": "read",
    }
    with world.tenant(world.dresden) as db:
        source = services.source_of(db)
        assert (source.ok, source.checked_at, source.etag) == (False, NOW, "")
        assert services.states(db) == []
    with world.tenant(world.radebeul) as db:
        source = services.source_of(db)
        assert (source.ok, source.checked_at) == (True, NOW + timedelta(seconds=7))
        assert len(services.states(db)) == 4


def test_an_address_with_user_and_password_is_refused_and_kept_nowhere(
    world: World, platform: Platform, utility: Browser
) -> None:
    address = "https://stadtwerke:geheim123@karte.example.org/data/meshviewer.json"
    refused = utility.submit(
        f"{STAFF}/quelle", {"url": address, "name_prefix": "", "offline_minutes": "30"}
    )
    assert refused.status_code == 422
    assert "ohne Benutzername und Passwort" in main_text(refused)
    assert "geheim123" not in refused.text
    assert "geheim123" not in stored_text(platform)
    with world.tenant(world.dresden) as db, pytest.raises(InvalidInput) as wrong:
        services.set_source(
            db,
            url="https://nutzer@karte.example.org/",
            name_prefix="",
            offline_minutes=30,
            actor="test",
        )
    assert wrong.value.errors == {"url": "credentials"}


def test_a_name_prefix_leaves_private_routers_out(world: World) -> None:
    set_url(world, "", prefix="DD-Stadt-")
    applied = read(world, "meshviewer.json", NOW)
    assert (applied.new, applied.left_out) == (3, 2)
    assert "Wohnzimmer Mustermann" not in hotspots(world)


def test_the_job_fetches_with_the_etag_and_refuses_what_it_cannot_read(
    world: World, platform: Platform, node_server: tuple[str, Served]
) -> None:
    url, served = node_server
    served.body = node_list("meshviewer.json")
    set_url(world, url)
    assert jobs.fetch_lists(platform, NOW) == {"dresden": "read"}
    assert len(hotspots(world)) == 4
    written = observations(world)
    # Unchanged: the server answers 304 to our ETag.
    assert jobs.fetch_lists(platform, NOW) == {"dresden": "not modified"}
    assert served.seen[-1]["If-None-Match"] == '"v1"'
    # A server error, then a page instead of JSON: reported, nothing changed.
    served.status = 500
    assert jobs.fetch_lists(platform, NOW) == {"dresden": "The server answered with status 500."}
    served.status, served.etag, served.body = 200, '"v2"', b"<html>Wartung</html>"
    assert jobs.fetch_lists(platform, NOW) == {"dresden": "The file is not JSON."}
    assert len(hotspots(world)) == 4
    assert observations(world) == written
    with world.tenant(world.dresden) as db:
        source = services.source_of(db)
        assert source.ok is False
        assert source.etag == '"v1"'


def test_too_large_too_slow_and_private_servers_are_refused(
    world: World,
    platform: Platform,
    node_server: tuple[str, Served],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, served = node_server
    served.body = node_list("meshviewer.json")
    set_url(world, url)
    monkeypatch.setenv("SMARTCITY_WIFI_MAX_LIST_BYTES", "2048")
    assert jobs.fetch_lists(platform, NOW) == {
        "dresden": "The node list is larger than 2048 bytes."
    }
    monkeypatch.delenv("SMARTCITY_WIFI_MAX_LIST_BYTES")
    monkeypatch.setenv("SMARTCITY_WIFI_FETCH_TIMEOUT_SECONDS", "0.5")
    served.delay_seconds = 0.05
    assert jobs.fetch_lists(platform, NOW) == {
        "dresden": "The server did not deliver the node list within 0.5 seconds."
    }
    served.delay_seconds = 0
    monkeypatch.delenv("SMARTCITY_WIFI_ALLOW_PRIVATE_ADDRESSES")
    assert jobs.fetch_lists(platform, NOW) == {
        "dresden": "The server 127.0.0.1 is not a public address."
    }
    assert hotspots(world) == {}


def test_the_stadtwerke_upload_a_list_and_see_what_the_job_found(
    world: World, platform: Platform, utility: Browser, node_server: tuple[str, Served]
) -> None:
    page = utility.get(STAFF)
    assert page.status_code == 200
    assert "Noch kein Hotspot." in main_text(page)
    sent = utility.submit(
        f"{STAFF}/knotenliste",
        {},
        files={"file": ("meshviewer.json", node_list("meshviewer.json"), "application/json")},
    )
    assert sent.status_code == 303
    text = main_text(utility.get(STAFF))
    assert "3 von 4 Hotspots erreichbar, 9 Geräte verbunden." in text
    assert "meshviewer.json gelesen: 4 Hotspots (4 neu), 1 Knoten ausgelassen." in text
    wrong = utility.submit(
        f"{STAFF}/knotenliste", {}, files={"file": ("liste.json", b"{}", "application/json")}
    )
    assert wrong.status_code == 422
    assert 'href="#feld-file"' in wrong.text
    assert "weder eine meshviewer.json noch eine nodes.json" in main_text(wrong)
    none = utility.submit(f"{STAFF}/knotenliste", {})
    assert none.status_code == 422
    assert len(hotspots(world)) == 4
    # The address, with a wrong value first.
    bad = utility.submit(
        f"{STAFF}/quelle", {"url": "ftp://example.org", "name_prefix": "", "offline_minutes": "2"}
    )
    assert bad.status_code == 422
    assert "Eine Adresse, die mit https:// beginnt" in main_text(bad)
    assert "zwischen 5 und 10080" in main_text(bad)
    url, served = node_server
    served.status = 503
    saved = utility.submit(
        f"{STAFF}/quelle", {"url": url, "name_prefix": "dd-stadt-", "offline_minutes": "45"}
    )
    assert saved.status_code == 303
    jobs.fetch_lists(platform, NOW)
    text = main_text(utility.get(STAFF))
    assert "abgelehnt Der Server antwortete mit dem Status 503." in text
    assert "Die Hotspots behalten ihren letzten bekannten Zustand." in text


def test_upload_over_the_api_and_who_may(
    world: World, admin: TestClient, app: Any, new_client: Any
) -> None:
    path = "/dresden/api/v1/wifi/nodelist"
    answer = admin.post(path, content=node_list("nodes_v2.json"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "format": "nodes.json v2",
        "new": 2,
        "known": 0,
        "left_out": 0,
        "observations": 6,
    }
    refused = admin.post(path, content=b"not json")
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    # A list over the limit: refused with the reason, not a server error.
    too_many = [{"node_id": "x"}] * (nodelist.MAX_NODES + 1)
    large = admin.post(path, content=json.dumps({"nodes": too_many}).encode())
    assert large.status_code == 422
    assert f"more than {nodelist.MAX_NODES} nodes" in large.text
    assert public(app).post(path, content=node_list("nodes_v2.json")).status_code == 401
    clerk = Browser(new_client())
    clerk.login("dd.clerk.a")
    assert clerk.get(STAFF).status_code == 403
    with world.tenant(world.dresden) as db:
        assert len(list(db.scalars(select(Hotspot)))) == 2
    # The network's map server pushes its list with a key of scope wifi:write; a device's key
    # (sta:write) may report its own values but not replace the whole network.
    pushed = public(app)
    pushed.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'wifi:write')}"
    answer = pushed.post(path, content=node_list("meshviewer.json"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["new"] == 2
    device = public(app)
    device.headers["Authorization"] = f"Bearer {world.api_key(world.dresden, 'sta:write')}"
    assert device.post(path, content=node_list("nodes_v2.json")).status_code == 403
    # Radebeul's key does not reach Dresden's network.
    other = public(app)
    other.headers["Authorization"] = f"Bearer {world.api_key(world.radebeul, 'wifi:write')}"
    assert other.post(path, content=node_list("nodes_v2.json")).status_code in (401, 403)
    with world.tenant(world.dresden) as db:
        assert len(list(db.scalars(select(Hotspot)))) == 4
