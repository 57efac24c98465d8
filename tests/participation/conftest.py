"""Fixtures of the participation tests: processes in a given phase, signed-in citizens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcity.citizen import login as citizen_login
from smartcity.core.db import utcnow
from smartcity.participation import services
from smartcity.participation.models import Process, Proposal
from tests.conftest import World
from tests.web.conftest import Browser

DAY = timedelta(days=1)


def citizen_browser(new_client: Callable[[], TestClient], world: World, sub: str) -> Browser:
    """A browser signed in with the citizen login (issuer and subject as the provider says)."""
    client = new_client()
    with world.system() as db:
        token = citizen_login.start(db, {"iss": "https://id.example", "sub": sub, "name": sub})
    client.cookies.set(citizen_login.COOKIE, token)
    return Browser(client)


def make_process(
    world: World,
    slug: str,
    current: str,
    *,
    municipality: Any = None,
    others: Sequence[str] = (),
    before: Sequence[str] = (),
    **fields: Any,
) -> Process:
    """A process of Dresden whose phase `current` runs now; `before` ran earlier (the nearest
    last), `others` follow it."""
    now = utcnow()
    phases = [services.PhaseInput(current, now - DAY, now + DAY)]
    for number, kind in enumerate(reversed(before), start=1):
        phases.append(
            services.PhaseInput(kind, now - (number * 2 + 1) * DAY, now - number * 2 * DAY)
        )
    for number, kind in enumerate(others, start=1):
        phases.append(
            services.PhaseInput(kind, now + number * 2 * DAY, now + (number * 2 + 1) * DAY)
        )
    with world.tenant(municipality or world.dresden) as db:
        process = services.create_process(
            db, services.ProcessInput(slug=slug, title=f"Verfahren {slug}", **fields), actor="test"
        )
        services.set_phases(db, process, phases, actor="test")
        db.expunge(process)
    return process


def set_phase(world: World, process: Process, kind: str, start: datetime, end: datetime) -> None:
    """Moves the process into another phase (directly in the table: the tests travel in time)."""
    from smartcity.participation.models import Phase

    with world.tenant(world.dresden) as db:
        for phase in db.query(Phase).filter(Phase.process_id == process.id):
            db.delete(phase)
        db.flush()
        db.add(Phase(process_id=process.id, kind=kind, starts_at=start, ends_at=end))


def add_proposal(
    world: World, process: Process, title: str = "Mehr Bäume", *, sub: str = "anna", **fields: Any
) -> Proposal:
    """A proposal made while the process collects proposals (the clock set back if needed)."""
    from smartcity.participation.models import Phase

    with world.tenant(world.dresden) as db:
        collecting = (
            db.query(Phase)
            .filter(Phase.process_id == process.id, Phase.kind == "proposals")
            .one_or_none()
        )
        found = db.get(Process, process.id)
        assert found is not None
        when = collecting.starts_at + timedelta(minutes=1) if collecting else None
        proposal = services.submit_proposal(
            db,
            found,
            services.ProposalInput(
                title=title,
                text=fields.pop("text", "<p>Bitte mehr Bäume pflanzen.</p>"),
                public_name=fields.pop("public_name", "Anna"),
                **fields,
            ),
            citizen_subject=f"https://id.example|{sub}",
            now=when,
        )
        db.expunge(proposal)
    return proposal


@pytest.fixture
def press(world: World, new_client: Callable[[], TestClient]) -> Browser:
    browser = Browser(new_client())
    assert browser.login("dd.press").status_code == 303
    return browser


@pytest.fixture
def moderator(world: World, new_client: Callable[[], TestClient]) -> Browser:
    """Dresden's moderator (a role of its own: no other right in the back office)."""
    from smartcity.core.identity import users
    from smartcity.participation.permissions import MODERATOR
    from tests.conftest import PASSWORD

    with world.system() as db:
        account = users.create_user(
            db,
            username="dd.moderator",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
        )
        users.assign_role(
            db,
            account,
            MODERATOR,
            municipality=world.dresden,
            region=None,
            department=None,
            actor="test",
        )
    browser = Browser(new_client())
    assert browser.login("dd.moderator").status_code == 303
    return browser


def resident_browser(
    new_client: Callable[[], TestClient],
    world: World,
    sub: str,
    *,
    birthdate: str | None = "1990-05-01",
    ags: str | None = "14612000",
    postal_code: str | None = "01067",
) -> Browser:
    """A browser signed in with the citizen login as the eID/BundID path sends it: with the
    date of birth and the address (municipality key and postal code), each left out as None."""
    claims: dict[str, Any] = {"iss": "https://id.example", "sub": sub, "name": sub}
    if birthdate is not None:
        claims["birthdate"] = birthdate
    if ags is not None:
        claims["ags"] = ags
    if postal_code is not None:
        claims["address"] = {"postal_code": postal_code, "locality": "Dresden"}
    client = new_client()
    with world.system() as db:
        token = citizen_login.start(db, claims)
    client.cookies.set(citizen_login.COOKIE, token)
    return Browser(client)
