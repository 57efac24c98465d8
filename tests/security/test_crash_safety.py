"""Crash safety of form submissions: the server is killed (-9) while citizens are sending
applications. After a restart every application that was answered 201 is there with its
case, no half-written one is visible, and the audit chain still verifies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from smartcity.cases.models import Case
from smartcity.citizen import catalog
from smartcity.citizen.models import Submission
from smartcity.citizen.schemas import AdoptionIn, TemplateIn
from smartcity.core.audit import services as audit
from smartcity.core.settings import Settings
from tests.conftest import World
from tests.server import Server

pytestmark = pytest.mark.timeout(300)
KEY = "sperrmuell-termin"
SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 2, "maxLength": 100}},
}
UI = {"fields": {"name": {"label": {"de": "Name", "en": "Name"}}}}


@pytest.fixture
def service(world: World) -> str:
    with world.tenant(world.dresden) as db:
        template = catalog.create_template(
            db,
            world.dresden.region_id,
            TemplateIn.model_validate(
                {
                    "key": KEY,
                    "name": {"de": "Sperrmülltermin", "en": "Bulky waste pick-up"},
                    "description": {"de": "Termin beantragen", "en": "Ask for a date"},
                    "default_department": "Abfallwirtschaft",
                }
            ),
            "test",
        )
        catalog.publish_form(db, catalog.add_form(db, template, SCHEMA, UI, "test"), "test")
        catalog.adopt(db, world.dresden, AdoptionIn(template=KEY), "test")
    return KEY


@pytest.fixture
def server(settings: Settings, world: World, service: str) -> Iterator[Server]:
    running = Server(settings, None, SMARTCITY_ANONYMOUS_SUBMISSIONS_PER_HOUR="0")
    running.start()
    yield running
    running.stop()


def _send_until_refused(base: str, acknowledged: list[str], stop: threading.Event) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                answer = client.post(
                    f"/dresden/api/v1/citizen/services/{KEY}/submissions",
                    json={"data": {"name": f"Bürgerin {n}"}},
                )
            except httpx.TransportError:
                return  # the server is gone
            if answer.status_code == 201:
                acknowledged.append(answer.json()["tracking_code"])


def test_kill_9_during_submissions_loses_no_acknowledged_one(server: Server, world: World) -> None:
    acknowledged: list[str] = []
    stop = threading.Event()
    senders = [
        threading.Thread(target=_send_until_refused, args=(server.base, acknowledged, stop))
        for _ in range(4)
    ]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # in the middle of the stream: some requests are mid-transaction
    stop.set()
    for sender in senders:
        sender.join(15)
    assert len(acknowledged) >= 40

    server.start()
    for code in acknowledged:
        status = httpx.get(f"{server.base}/dresden/api/v1/citizen/status/{code}")
        assert status.status_code == 200, code
    with world.tenant(world.dresden) as db:
        submissions = db.scalar(select(func.count()).select_from(Submission))
        with_case = db.scalar(
            select(func.count())
            .select_from(Submission)
            .join(Case, Case.submission_id == Submission.id)
        )
        # What was written is whole: never a submission without its case.
        assert submissions == with_case
        assert (submissions or 0) >= len(acknowledged)
        assert len(set(acknowledged)) == len(acknowledged)
        verified = audit.verify(db, municipality_id=world.dresden.id)
    assert verified.ok, verified.problem
