"""Catalogue pages are kept serialised until the catalogue changes: a harvester that has a
page gets 304 for its ETag, and any change of a dataset, a file, a series or the settings —
made by this instance or another one on the same database — gives every instance the new
page at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from smartcity.app import create_app
from smartcity.core.db import transaction
from smartcity.core.http.caching import Pages
from smartcity.core.platform import Platform
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for
from smartcity.opendata import cache, services
from smartcity.opendata.models import OpenDataset
from tests.conftest import World
from tests.opendata.conftest import CATALOG, submit


@pytest.fixture
def other_platform(world: World) -> Iterator[Platform]:
    """A second instance of the platform on the same database: its own engine, its own
    copies of the pages."""
    platform = Platform.from_settings(world.platform.settings)
    yield platform
    platform.engine.dispose()


@pytest.fixture
def other_instance(other_platform: Platform) -> Iterator[TestClient]:
    app = create_app(platform=other_platform, run_broker=False, run_jobs=False)
    with TestClient(app) as client:
        yield client


def test_a_page_the_client_has_is_not_sent_again(client: TestClient, demo_catalogue: World) -> None:
    for kind in ("ttl", "rdf", "jsonld"):
        first = client.get(f"{CATALOG}.{kind}")
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "public, no-cache"
        again = client.get(f"{CATALOG}.{kind}", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
    # Each format has its own ETag.
    etags = {client.get(f"{CATALOG}.{kind}").headers["etag"] for kind in ("ttl", "rdf")}
    assert len(etags) == 2


def test_a_change_on_another_instance_reaches_this_one(
    client: TestClient,
    other_instance: TestClient,
    other_platform: Platform,
    steward: TestClient,
    demo_catalogue: World,
) -> None:
    before = client.get(f"{CATALOG}.ttl")
    assert other_instance.get(f"{CATALOG}.ttl").headers["etag"] == before.headers["etag"]
    # The data officer withdraws a dataset (through the app of `client`).
    submit(
        steward,
        "/dresden/verwaltung/offene-daten/freigabe",
        {"source": "parking.belegung", "action": "off"},
    )
    # The other instance kept the page before; it sees the change at once.
    changed = other_instance.get(
        f"{CATALOG}.ttl", headers={"If-None-Match": before.headers["etag"]}
    )
    assert changed.status_code == 200
    assert b"Parkhausbelegung" not in changed.content
    # A change written by the other instance's own database session reaches this one.
    scope = {SCOPE_KEY: scope_for(demo_catalogue.dresden)}
    with transaction(other_platform.sessions, **scope) as db:
        dataset = db.query(OpenDataset).filter(OpenDataset.source == "manual").first()
        assert dataset is not None
        dataset.title = "Bürgerbüros, neu benannt"
    assert "Bürgerbüros, neu benannt" in client.get(f"{CATALOG}.ttl").text
    assert "Bürgerbüros, neu benannt" in other_instance.get(f"{CATALOG}.ttl").text


def test_the_settings_move_the_revision_and_reads_do_not(world: World) -> None:
    with world.tenant(world.dresden) as db:
        start = cache.revision_of(db, world.dresden.id)
        services.published_page(db, 1)
        services.settings_of(db, create=False)
    with world.tenant(world.dresden) as db:
        assert cache.revision_of(db, world.dresden.id) == start
        services.change_settings(
            db,
            actor="test",
            contact_email="daten@dresden.example",
            contributor_id="",
            licence="",
            min_persons=5,
        )
    with world.tenant(world.dresden) as db:
        assert cache.revision_of(db, world.dresden.id) > start
        # Another municipality's counter does not move.
        assert cache.revision_of(db, world.radebeul.id) == 0


def test_kept_pages_are_bounded_in_bytes() -> None:
    pages = Pages(limit=100)
    for number in range(5):
        pages.get_or_make(number, lambda: b"x" * 40)
    assert len(pages) == 2
    assert pages.get_or_make(4, lambda: b"y").body == b"x" * 40  # the newest is kept
    assert pages.get_or_make("big", lambda: b"z" * 200).body == b"z" * 200
    assert len(pages) == 2


def test_writing_the_same_values_keeps_the_pages(demo_catalogue: World) -> None:
    """A refresh writes each dataset's texts and codes again; equal values are no change."""
    world = demo_catalogue
    with world.tenant(world.dresden) as db:
        start = cache.revision_of(db, world.dresden.id)
        for dataset in services.released(db).values():
            dataset.title = str(dataset.title)
            dataset.themes = list(dataset.themes)
        db.flush()
    with world.tenant(world.dresden) as db:
        assert cache.revision_of(db, world.dresden.id) == start
