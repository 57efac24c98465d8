"""What anyone may send without logging in is limited per client address: the limit counts
refused attempts too, answers 429 with Retry-After, and stores no address in clear."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.identity.models import SubmissionHit
from tests.conftest import World

READINGS = "/dresden/api/v1/watermeter/readings"
FORM = {"meter_number": "WZ-0", "reading": "1", "read_on": "2026-11-20"}


def test_anonymous_submissions_are_limited_per_address(client: TestClient, world: World) -> None:
    world.platform.settings.anonymous_submissions_per_hour = 2
    answers = [client.post(READINGS, data=FORM).status_code for _ in range(3)]
    # Unknown meter: refused, but counted.
    assert 429 not in answers[:2]
    assert answers[2] == 429
    blocked = client.post(READINGS, data=FORM)
    assert blocked.headers["retry-after"] == "3600"
    assert "Zu viele Einsendungen" in blocked.json()["detail"]
    # Staff work is not an anonymous submission.
    assert client.get("/dresden/api/v1/parking/car-parks").status_code == 200
    with world.system() as db:
        keys = list(db.scalars(select(SubmissionHit.client_key)))
    assert len(keys) == 2
    assert all(len(k) == 64 and "testclient" not in k for k in keys)


def test_no_limit_when_switched_off(client: TestClient, world: World) -> None:
    world.platform.settings.anonymous_submissions_per_hour = 0
    assert all(client.post(READINGS, data=FORM).status_code != 429 for _ in range(5))
