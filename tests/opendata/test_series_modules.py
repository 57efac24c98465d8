"""Series declared by modules (`DatasetDeclaration.series`): the public sensors' monthly
files are a dcat:DatasetSeries with one dataset per closed month, in every format, with the
month's rows; a new month adds a member while the closed ones stay as they are; switching
the series off withdraws it with its members, and on again brings back the same URIs."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from smartcity.core.db import utcnow
from smartcity.core.platform import Platform
from smartcity.modules import installed_modules
from smartcity.opendata import cache, services
from smartcity.opendata.refresh import refresh_everywhere
from smartcity.sensorthings.open_data import MONTHS_DE
from tests.conftest import World
from tests.opendata.conftest import CATALOG, last_month, parse, public_sensor, submit

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SERIES = URIRef(DCAT + "DatasetSeries")
IN_SERIES = URIRef(DCAT + "inSeries")
TITLE = URIRef(DCT + "title")
SOURCE = "sensorthings.messwerte-monate"
NAME = "Monatsdateien der öffentlichen Sensoren"


def _sensor_series(graph: Graph) -> URIRef:
    found = [
        s for s in graph.subjects(RDF.type, SERIES) if graph.value(s, TITLE) == Literal(NAME, "de")
    ]
    assert len(found) == 1, found
    assert isinstance(found[0], URIRef)
    return found[0]


def test_a_module_series_is_in_the_catalogue_in_every_format(
    client: TestClient, demo_catalogue: World
) -> None:
    month = last_month()
    label = f"{MONTHS_DE[month.month - 1]} {month.year}"
    for kind, parser in (("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")):
        graph = parse(client.get(f"{CATALOG}.{kind}"), parser)
        series = _sensor_series(graph)
        members = list(graph.subjects(IN_SERIES, series))
        assert [str(graph.value(m, TITLE)) for m in members] == [f"{NAME} {label}"]
        period = graph.value(members[0], URIRef(DCT + "temporal"))
        start = graph.value(period, URIRef(DCAT + "startDate"))
        assert str(start).startswith(f"{month:%Y-%m}-01T00:00:00")
        assert str(graph.value(series, URIRef(DCT + "accrualPeriodicity"))).endswith("MONTHLY")
        assert str(graph.value(members[0], URIRef(DCT + "accrualPeriodicity"))).endswith("NEVER")
    # The member's CSV has the month's hourly means of the public sensor.
    download = next(
        o for o in graph.objects(None, URIRef(DCAT + "downloadURL")) if "messwerte-monate" in str(o)
    )
    rows = list(csv.reader(io.StringIO(client.get(urlsplit(str(download)).path).text)))
    assert rows[0][:2] == ["datastream_id", "datastream"]
    assert [row[5] for row in rows[1:]] == ["3.5", "4.5", "5.5"]
    # The series' URI dereferences with its member.
    described = parse(client.get(urlsplit(str(series)).path + ".ttl"))
    assert len(set(described.subjects(IN_SERIES, series))) == 1


def test_a_new_month_adds_a_member_and_the_closed_ones_stay(
    app: FastAPI, world: World, platform: Platform
) -> None:
    declarations = installed_modules().datasets()
    public_sensor(app, world, world.dresden, last_month())
    now = utcnow()
    with world.tenant(world.dresden) as db:
        services.switch_on(db, world.dresden, SOURCE, declarations[SOURCE], actor="test", now=now)
        (first,) = services.series_members(db, services.released_series(db)[SOURCE])
        first_modified = first.modified
        revision = cache.revision_of(db, world.dresden.id)
    assert refresh_everywhere(platform, declarations, now + timedelta(minutes=15)) == 0
    # Measurements of this month; the refresh after the month has closed adds its member.
    this_month = datetime(now.year, now.month, 1, 12, tzinfo=UTC)
    public_sensor(app, world, world.dresden, this_month)
    next_month = (this_month + timedelta(days=32)).replace(day=1, hour=1)
    assert refresh_everywhere(platform, declarations, next_month) == 1
    with world.tenant(world.dresden) as db:
        members = services.series_members(db, services.released_series(db)[SOURCE])
        assert [m.title.rsplit(" ", 2)[-2:] for m in members] == [
            [MONTHS_DE[last_month().month - 1], str(last_month().year)],
            [MONTHS_DE[now.month - 1], str(now.year)],
        ]
        assert members[0].modified == first_modified
        assert cache.revision_of(db, world.dresden.id) > revision


def test_switching_the_series_off_withdraws_it_and_on_again_keeps_its_uris(
    client: TestClient, steward: TestClient, demo_catalogue: World
) -> None:
    graph = parse(client.get(f"{CATALOG}.ttl"))
    series = _sensor_series(graph)
    (member,) = graph.subjects(IN_SERIES, series)
    off = submit(
        steward, "/dresden/verwaltung/offene-daten/freigabe", {"source": SOURCE, "action": "off"}
    )
    assert off.status_code == 303
    assert client.get(urlsplit(str(series)).path + ".ttl").status_code == 410
    assert client.get(urlsplit(str(member)).path + ".ttl").status_code == 410
    withdrawn = parse(client.get(f"{CATALOG}.ttl"))
    assert (series, None, None) not in withdrawn
    assert (member, None, None) not in withdrawn
    on = submit(
        steward, "/dresden/verwaltung/offene-daten/freigabe", {"source": SOURCE, "action": "on"}
    )
    assert on.status_code == 303
    again = parse(client.get(f"{CATALOG}.ttl"))
    assert (member, IN_SERIES, series) in again
    # The back office lists it among the series, kept by a module.
    page = steward.get("/dresden/verwaltung/offene-daten").text
    assert NAME in page
    detail = steward.get(
        f"/dresden/verwaltung/offene-daten/reihen/{urlsplit(str(series)).path.rsplit('/', 1)[-1]}"
    )
    assert detail.status_code == 200
    assert "von einem Modul" in detail.text
