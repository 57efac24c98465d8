"""The council's open data (the meetings as a table, OParl as its data service) and what it
proposes to the city's channel."""

from __future__ import annotations

from smartcity.core.db import utcnow
from smartcity.council.demo import Seeded
from smartcity.council.open_data import meetings
from smartcity.council.proposals import AHEAD, upcoming_meetings
from smartcity.modules import installed_modules
from tests.conftest import World


def test_the_meetings_table_and_the_oparl_data_service(world: World, council: Seeded) -> None:
    dataset = installed_modules().datasets()["council.ratsinformationen"]
    assert dataset.api is not None
    assert dataset.api.path == "oparl/v1.1/body"
    assert dataset.api.conforms_to == "https://schema.oparl.org/1.1/"
    with world.tenant(world.dresden) as db:
        table = meetings(db, world.dresden, utcnow())
    assert [c.name for c in table.columns][:3] == ["id", "name", "organization"]
    assert len(table.rows) == len(council.meetings)
    assert all(row[2] for row in table.rows)  # every meeting names its organization
    with world.tenant(world.radebeul) as db:
        assert meetings(db, world.radebeul, utcnow()).rows == []


def test_upcoming_public_meetings_are_proposed_to_the_channel(
    world: World, council: Seeded
) -> None:
    with world.tenant(world.dresden) as db:
        proposals = upcoming_meetings(db)
    upcoming = [m for m in council.meetings if utcnow() <= m.start <= utcnow() + AHEAD]
    assert proposals
    assert [p.title for p in proposals] == [m.name for m in upcoming]
    assert all(p.kind == "event" and p.location == "Rathaus, Ratssaal" for p in proposals)
