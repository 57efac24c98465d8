"""The catalogue moves only when the published data does: refreshing a live dataset whose
numbers did not change (the occupancy of the pools, a period that ends "now") leaves the
revision, `dct:modified` and the kept pages alone; a new entry at the gate moves them."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from rdflib import URIRef
from sqlalchemy.orm import Session

from smartcity.core.db import utcnow
from smartcity.core.modules import DatasetDeclaration, Table, TableColumn
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.leisure import scans
from smartcity.modules import installed_modules
from smartcity.opendata import cache, services
from smartcity.opendata.refresh import refresh_everywhere
from tests.conftest import World
from tests.leisure.conftest import book, make_pool, ticket_tokens
from tests.opendata.conftest import CATALOG, parse

OCCUPANCY = "leisure.belegung"
MODIFIED = URIRef("http://purl.org/dc/terms/modified")


def _state(world: World, client: TestClient, source: str) -> tuple[int, datetime | None, str, str]:
    """The revision, the dataset's `modified`, its CSV's checksum, and the page's ETag."""
    with world.tenant(world.dresden) as db:
        dataset = services.released(db)[source]
        csv = next(d for d in dataset.distributions if d.format == "CSV")
        state = (cache.revision_of(db, world.dresden.id), dataset.modified, csv.sha256 or "")
    return (*state, client.get(f"{CATALOG}.ttl").headers["etag"])


def test_refreshing_unchanged_occupancy_moves_nothing_and_an_entry_does(
    client: TestClient, world: World, platform: Platform
) -> None:
    pool = make_pool(world, world.dresden)
    declarations = installed_modules().datasets()
    started = utcnow()
    with world.tenant(world.dresden) as db:
        services.switch_on(db, world.dresden, OCCUPANCY, declarations[OCCUPANCY], actor="test")
    first = _state(world, client, OCCUPANCY)
    # Two refreshes a quarter of an hour apart, nobody came or went: nothing moves.
    refresh_everywhere(platform, declarations, started + timedelta(seconds=1))
    refresh_everywhere(platform, declarations, started + timedelta(seconds=2))
    assert _state(world, client, OCCUPANCY) == first
    graph = parse(client.get(f"{CATALOG}.ttl"))
    modified_before = set(graph.objects(None, MODIFIED))
    # A family comes in: the counts, the file, `modified`, the revision and the page move.
    code = book(world, platform, pool.now_slot, {pool.products["family"]: 1})
    (ticket, _token), *_ = ticket_tokens(world, code)
    with world.tenant(world.dresden) as db:
        assert scans.scan(db, world.dresden, ticket, actor="test").admitted
    later = utcnow() + timedelta(seconds=1)
    assert refresh_everywhere(platform, declarations, later) == 1
    revision, modified, checksum, etag = _state(world, client, OCCUPANCY)
    assert revision > first[0]
    assert modified is not None
    assert first[1] is not None
    assert modified > first[1]
    assert checksum != first[2]
    assert etag != first[3]
    assert set(parse(client.get(f"{CATALOG}.ttl")).objects(None, MODIFIED)) != modified_before
    # And again nothing while nothing happens.
    again = _state(world, client, OCCUPANCY)
    refresh_everywhere(platform, declarations, later + timedelta(seconds=1))
    assert _state(world, client, OCCUPANCY) == again


def _counts_until_now(db: Session, municipality: Municipality, now: datetime) -> Table:
    """A module's table of a rolling day that ends at the moment of the refresh, with
    fixed rows (the data did not change)."""
    return Table(
        columns=(TableColumn("place"), TableColumn("count")),
        rows=[("Altmarkt", 3)],
        start=now - timedelta(days=1),
        end=now,
    )


def test_a_period_ending_now_does_not_move_the_catalogue(
    client: TestClient, world: World, platform: Platform
) -> None:
    declaration = DatasetDeclaration(
        key="zaehlung",
        title="Zählung",
        title_en="Count",
        description="Zählung der letzten 24 Stunden.",
        description_en="Count of the last 24 hours.",
        themes=("TRAN",),
        frequency="HOURLY",
        table=_counts_until_now,
    )
    declarations = {"test.zaehlung": declaration}
    now = utcnow()
    with world.tenant(world.dresden) as db:
        services.switch_on(db, world.dresden, "test.zaehlung", declaration, actor="test", now=now)
    first = _state(world, client, "test.zaehlung")
    for minutes in (15, 30, 45):
        assert refresh_everywhere(platform, declarations, now + timedelta(minutes=minutes)) == 0
    assert _state(world, client, "test.zaehlung") == first
