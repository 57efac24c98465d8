"""The data officer keeps the series in the back office: changes a series' texts (checked,
audited with old and new values), takes datasets out and puts them in, withdraws a series
(its URI answers 410, its datasets stay published on their own) and publishes it again.
Only holders of opendata.manage, only with the form's CSRF token; German by default,
English on request; a module's series is not edited by hand."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.opendata import services
from smartcity.opendata.models import OpenDatasetSeries
from tests.conftest import World
from tests.opendata.conftest import CATALOG, parse, submit, web_staff

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
IN_SERIES = URIRef(DCAT + "inSeries")
TITLE = URIRef(DCT + "title")
MANAGE = "/dresden/verwaltung/offene-daten"


def _budget(world: World) -> tuple[str, dict[str, str]]:
    """The demo's budget series' UUID, and its members' UUIDs by title."""
    with world.tenant(world.dresden) as db:
        series = db.scalar(
            select(OpenDatasetSeries).where(OpenDatasetSeries.title == "Haushaltsübersicht")
        )
        assert series is not None
        members = {d.title: d.uuid for d in services.series_members(db, series)}
        return series.uuid, members


def _actions(world: World) -> list[tuple[str, Any]]:
    with world.tenant(world.dresden) as db:
        return [
            (e.action, e.changes)
            for e in db.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("opendata.series.%"))
                .order_by(AuditEntry.id)
            )
        ]


def test_the_data_officer_changes_a_series_and_it_is_audited(
    client: TestClient, steward: TestClient, demo_catalogue: World
) -> None:
    series, _ = _budget(demo_catalogue)
    page = steward.get(f"{MANAGE}/reihen/{series}")
    assert page.status_code == 200
    assert "Reihe ändern" in page.text
    assert "Haushaltsübersicht 2025" in page.text
    assert "Change the series" in steward.get(f"{MANAGE}/reihen/{series}?lang=en").text
    assert "Reihe ändern" in steward.get(f"{MANAGE}/reihen/{series}?lang=de").text
    # An empty title is refused with the reason, and nothing changes.
    refused = submit(
        steward,
        f"{MANAGE}/reihen/{series}",
        {"series_title": " ", "series_description": "x", "series_themes": "ECON"},
    )
    assert refused.status_code == 422
    assert "Bitte geben Sie einen Titel ein." in refused.text
    changed = submit(
        steward,
        f"{MANAGE}/reihen/{series}",
        {
            "series_title": "Haushalt <b>kompakt</b>",
            "series_description": "Jedes Jahr neu.",
            "series_themes": "ECON",
            "series_frequency": "ANNUAL",
            "series_keywords": "Haushalt",
        },
    )
    assert changed.status_code == 303
    graph = parse(client.get(f"{CATALOG}.ttl"))
    node = URIRef(demo_catalogue.platform.portal.base(demo_catalogue.dresden))
    node = URIRef(f"{node}/dcat/series/{series}")
    assert graph.value(node, TITLE) == Literal("Haushalt <b>kompakt</b>", lang="de")
    # Text, never markup, on the page.
    assert "Haushalt &lt;b&gt;kompakt&lt;/b&gt;" in steward.get(f"{MANAGE}/reihen/{series}").text
    ((action, changes),) = _actions(demo_catalogue)
    assert action == "opendata.series.edited"
    assert changes["old"]["title"] == "Haushaltsübersicht"
    assert changes["new"]["title"] == "Haushalt <b>kompakt</b>"
    assert "frequency" not in changes["new"]


def test_datasets_leave_and_join_a_series(
    client: TestClient, steward: TestClient, demo_catalogue: World
) -> None:
    series, members = _budget(demo_catalogue)
    member = members["Haushaltsübersicht 2025"]
    out = submit(
        steward,
        f"{MANAGE}/reihen/{series}/datensaetze",
        {"dataset": member, "action": "remove"},
    )
    assert out.status_code == 303
    graph = parse(client.get(f"{CATALOG}.ttl"))
    dataset = next(s for s in graph.subjects(TITLE, Literal("Haushaltsübersicht 2025", "de")))
    # Still published, on its own.
    assert (dataset, IN_SERIES, None) not in graph
    assert steward.get(f"{MANAGE}/reihen/{series}").text.count("Haushaltsübersicht 2025") == 1
    # Back in (the office's dataset list offers it, with the other dataset of its own).
    offered = steward.get(f"{MANAGE}/reihen/{series}").text
    assert "Bürgerbüros und Öffnungszeiten" in offered
    joined = submit(
        steward, f"{MANAGE}/reihen/{series}/datensaetze", {"dataset": member, "action": "add"}
    )
    assert joined.status_code == 303
    assert (dataset, IN_SERIES, None) in parse(client.get(f"{CATALOG}.ttl"))
    # A dataset of a module cannot be put into it; an unknown one neither.
    with demo_catalogue.tenant(demo_catalogue.dresden) as db:
        parking = services.released(db)["parking.belegung"].uuid
    for wrong in (parking, "00000000-0000-4000-8000-000000000000"):
        refused = submit(
            steward, f"{MANAGE}/reihen/{series}/datensaetze", {"dataset": wrong, "action": "add"}
        )
        assert refused.status_code == 422
        assert "Bitte wählen Sie einen Ihrer Datensätze aus der Liste." in refused.text
    assert [a for a, _ in _actions(demo_catalogue)] == [
        "opendata.series.member_removed",
        "opendata.series.member_added",
    ]


def test_a_withdrawn_series_is_gone_and_its_datasets_stay(
    client: TestClient, steward: TestClient, demo_catalogue: World
) -> None:
    series, members = _budget(demo_catalogue)
    path = f"/dresden/dcat/series/{series}.ttl"
    assert client.get(path).status_code == 200
    gone = submit(steward, f"{MANAGE}/reihen/{series}/status", {"status": "withdrawn"})
    assert gone.status_code == 303
    assert client.get(path).status_code == 410
    graph = parse(client.get(f"{CATALOG}.ttl"))
    assert (None, IN_SERIES, None) in graph  # the sensors' monthly series is still there
    for uuid in members.values():
        assert client.get(f"/dresden/dcat/datasets/{uuid}.ttl").status_code == 200
    assert not any(series in str(o) for o in graph.objects(None, IN_SERIES))
    assert "?reihe=" + series not in client.get("/dresden/offene-daten").text
    # Withdrawing twice is refused with a reason; publishing again brings it back.
    twice = submit(steward, f"{MANAGE}/reihen/{series}/status", {"status": "withdrawn"})
    assert twice.status_code == 422
    assert "Diese Reihe ist bereits zurückgezogen." in twice.text
    back = submit(steward, f"{MANAGE}/reihen/{series}/status", {"status": "published"})
    assert back.status_code == 303
    assert client.get(path).status_code == 200
    assert [a for a, _ in _actions(demo_catalogue)] == [
        "opendata.series.withdrawn",
        "opendata.series.published",
    ]


def test_only_the_data_officer_with_the_form_token_and_not_a_modules_series(
    app: object, steward: TestClient, demo_catalogue: World
) -> None:
    series, _ = _budget(demo_catalogue)
    operator = web_staff(app, "dd.operator")
    assert operator.get(f"{MANAGE}/reihen/{series}").status_code == 403
    assert (
        submit(operator, f"{MANAGE}/reihen/{series}/status", {"status": "withdrawn"}).status_code
        == 403
    )
    # Without the CSRF token nothing happens.
    forged = steward.post(
        f"{MANAGE}/reihen/{series}/status", data={"status": "withdrawn"}, follow_redirects=False
    )
    assert forged.status_code == 403
    # Radebeul's series is not Dresden's to see.
    with demo_catalogue.tenant(demo_catalogue.radebeul) as db:
        foreign = services.all_series(db)[0].uuid
    assert steward.get(f"{MANAGE}/reihen/{foreign}").status_code == 404
    # Nor to change, withdraw or fill: every form of it answers 404, and nothing is written.
    for path, data in (
        ("", {"series_title": "Fremd", "series_description": "x", "series_frequency": "ANNUAL"}),
        ("/status", {"status": "withdrawn"}),
        ("/datensaetze", {"dataset": series, "action": "add"}),
    ):
        assert submit(steward, f"{MANAGE}/reihen/{foreign}{path}", data).status_code == 404
    with demo_catalogue.tenant(demo_catalogue.radebeul) as db:
        foreign_series = services.series_by_uuid(db, foreign)
        assert foreign_series.status == "published"
        assert foreign_series.title != "Fremd"
        foreign_dataset = services.manual_datasets(db)[0].uuid
    # Radebeul's dataset is not one Dresden's officer can put into Dresden's series.
    refused_foreign = submit(
        steward,
        f"{MANAGE}/reihen/{series}/datensaetze",
        {"dataset": foreign_dataset, "action": "add"},
    )
    assert refused_foreign.status_code == 422
    # A module's series follows its module.
    with demo_catalogue.tenant(demo_catalogue.dresden) as db:
        sensors = services.released_series(db)["sensorthings.messwerte-monate"].uuid
    refused = submit(
        steward,
        f"{MANAGE}/reihen/{sensors}",
        {
            "series_title": "Neu",
            "series_description": "x",
            "series_themes": "ENVI",
            "series_frequency": "MONTHLY",
        },
    )
    assert refused.status_code == 422
    assert "Diese Reihe stammt aus einem Modul" in refused.text
    assert not _actions(demo_catalogue)
    assert urlsplit(f"{MANAGE}/reihen/{sensors}").path
