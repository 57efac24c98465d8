"""What keeps OParl's pages fast as the archive grows: with the planner statistics (core's job
`core.statistics`, SQLite) a page's embedded files are read through their parent's index, and a
file list is read from its index instead of the files' rows with their texts. And what the
two-statement page read must not do: serve an object unpublished between its statements."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update

from smartcity.core.db import gather_statistics
from smartcity.core.platform import Platform
from smartcity.council import oparl
from smartcity.council.demo import Seeded
from smartcity.council.models import AgendaItem, CouncilFile, Meeting, Paper
from tests.conftest import World
from tests.council.conftest import fetch


def _plans(platform: Platform, client: TestClient, url: str) -> dict[str, str]:
    """The SQLite query plans of the statements a request sends, by statement."""
    sent: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(platform.engine, "before_cursor_execute", seen)
    try:
        fetch(client, url)
    finally:
        event.remove(platform.engine, "before_cursor_execute", seen)
    plans = {}
    with platform.engine.connect() as connection:
        for statement, parameters in sent:
            if statement.lstrip().upper().startswith("SELECT"):
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                plans[statement] = " | ".join(str(row[-1]) for row in rows)
    return plans


# The parent column of the files a page embeds (Writer._files_of), and its own index.
PARENTS = {
    "paper_id": "ix_council_file_paper_id",
    "agenda_item_id": "ix_council_file_agenda_item_id",
    "meeting_id": "ix_council_file_meeting_id",
}


def _files_on_agenda_items(world: World) -> None:
    """Some of the demo's paper files moved to the first meeting's agenda items (the demo has
    none there, and an index without entries has no statistics)."""
    with world.tenant(world.dresden) as db:
        meeting = db.scalar(select(func.min(Meeting.id)).where(Meeting.deleted.is_(False)))
        items = db.scalars(
            select(AgendaItem.id)
            .where(
                AgendaItem.meeting_id == meeting,
                AgendaItem.public.is_(True),
                AgendaItem.deleted.is_(False),
            )
            .order_by(AgendaItem.id)
            .limit(3)
        ).all()
        files = db.scalars(
            select(CouncilFile.id)
            .where(CouncilFile.paper_id.is_not(None))
            .order_by(CouncilFile.id.desc())  # not the first papers' files: those are asked for
            .limit(len(items))
        ).all()
        assert items
        assert len(files) == len(items)
        for item, file in zip(items, files, strict=True):
            db.execute(
                update(CouncilFile)
                .where(CouncilFile.id == file)
                .values(agenda_item_id=item, paper_id=None)
            )


@pytest.mark.parametrize("kind", ["paper", "meeting"])
def test_a_pages_embedded_files_are_read_through_their_parents_index(
    world: World, council: Seeded, client: TestClient, backend: str, kind: str
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL chooses by the table's size; bench/oparl.py measures it there")
    _files_on_agenda_items(world)
    gather_statistics(world.platform.engine)  # what core's job does at start-up and daily
    # A page of few objects among many files, as in an archive (the demo's are few).
    url = {
        "paper": "/dresden/oparl/v1.1/paper?limit=2",
        "meeting": "/dresden/oparl/v1.1/meeting?limit=1",
    }[kind]
    plans = _plans(world.platform, client, url)
    # The statements the Writer sends for them (Writer._files_of), by the parent they name.
    embedded = {
        column: plan
        for statement, plan in plans.items()
        if statement.lstrip().startswith("SELECT council_file.")
        for column in PARENTS
        if f"WHERE council_file.{column} IN" in statement
    }
    wanted = {"paper": {"paper_id"}, "meeting": {"agenda_item_id", "meeting_id"}}[kind]
    assert set(embedded) == wanted, plans
    for column, plan in embedded.items():
        assert f"INDEX {PARENTS[column]} " in plan, plan
        assert "ix_council_file_municipality_id" not in plan, plan


@pytest.mark.parametrize("analysed", [False, True])
def test_a_file_list_page_and_its_total_are_read_from_the_listing_index(
    world: World, council: Seeded, client: TestClient, backend: str, analysed: bool
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL chooses by the table's size; bench/oparl.py measures it there")
    if analysed:
        gather_statistics(world.platform.engine)
    page = fetch(client, "/dresden/oparl/v1.1/file", limit="2", page="2")
    assert page["data"]
    assert page["pagination"]["totalElements"] > 2
    plans = _plans(world.platform, client, "/dresden/oparl/v1.1/file?limit=2&page=2")
    chosen = [
        plan
        for statement, plan in plans.items()
        if "council_file" in statement and ("LIMIT" in statement or "count(" in statement)
    ]
    assert len(chosen) == 2, plans  # the total and the page's ids
    for plan in chosen:
        assert "COVERING INDEX ix_council_file_listing" in plan, plan


def test_an_object_unpublished_between_a_pages_ids_and_its_rows_is_not_served(
    world: World, council: Seeded
) -> None:
    with world.tenant(world.dresden) as db:
        writer = oparl.Writer(db, oparl.Urls.of("https://example.org", world.dresden))
        kind = oparl.KINDS["paper"]
        before = oparl.list_page(db, writer, kind, oparl.ListQuery(), "https://example.org/p")
        gone = before["data"][0]["id"]
        read = db.scalars

        def ids_then_unpublished(statement: Any, *args: Any, **kwargs: Any) -> Any:
            # The page's ids are read (list_page's first `scalars`); then the office unpublishes
            # the first paper: on PostgreSQL the next statement sees what was committed
            # meanwhile. The same transaction stands in for that on both databases.
            del db.scalars
            ids = list(read(statement, *args, **kwargs))
            db.execute(update(Paper).where(Paper.id == ids[0]).values(public=False))
            return iter(ids)

        db.scalars = ids_then_unpublished
        page = oparl.list_page(db, writer, kind, oparl.ListQuery(), "https://example.org/p")
    served = [document["id"] for document in page["data"]]
    assert gone not in served  # left out: neither in full nor as a tombstone
    assert served == [document["id"] for document in before["data"]][1:]
    assert all(not document.get("deleted") for document in page["data"])
