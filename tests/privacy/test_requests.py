"""The officer's register of requests over HTTP: a request entered, its identity check, the
deadline and its extension, the access archive and the erasure; the citizen's request from
the portal, confirmed by e-mail; nobody else sees any of it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from smartcity.core.db import utcnow
from smartcity.privacy.requests import add_months
from tests.citizen.conftest import mails
from tests.conftest import World
from tests.privacy.conftest import Person, files_with, scan

BASE = "/dresden/api/v1/privacy"


def test_a_deadline_of_one_month_ends_on_the_same_day_or_the_months_last() -> None:
    assert add_months(datetime(2026, 1, 31, 9, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 2) == datetime(2027, 1, 15, tzinfo=UTC)


def test_the_officer_answers_access_and_erasure_requests_within_the_deadline(
    dpo: TestClient, erika: Person, world: World
) -> None:
    created = dpo.post(f"{BASE}/requests", json={"kind": "access", "email": erika.email})
    assert created.status_code == 201, created.text
    access = created.json()
    assert access["due_at"][:10] == add_months(utcnow(), 1).date().isoformat()
    # Not before the identity is checked.
    refused = dpo.post(f"{BASE}/requests/{access['id']}/carry-out")
    assert refused.status_code == 409
    dpo.post(f"{BASE}/requests/{access['id']}/identity", json={"how": "Personalausweis vorgelegt"})
    extended = dpo.post(
        f"{BASE}/requests/{access['id']}/extension", json={"reason": "Viele Akten"}
    ).json()
    assert extended["due_at"][:7] == add_months(utcnow(), 3).date().isoformat()[:7]
    counts = dpo.get(f"{BASE}/requests/{access['id']}/findings").json()
    assert counts["submission"] == 2

    zipped = dpo.post(f"{BASE}/requests/{access['id']}/carry-out")
    assert zipped.status_code == 200, zipped.text
    assert zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        answer = json.loads(archive.read("data.json"))
    assert "meter_reading" in answer["tables"]
    assert dpo.get(f"{BASE}/requests/{access['id']}").json()["status"] == "done"

    erasure = dpo.post(
        f"{BASE}/requests", json={"kind": "erasure", "tracking_codes": erika.tracking_codes[:1]}
    ).json()
    dpo.post(f"{BASE}/requests/{erasure['id']}/identity", json={"how": "Brief mit Unterschrift"})
    done = dpo.post(f"{BASE}/requests/{erasure['id']}/carry-out").json()
    assert done["status"] == "done"
    assert done["outcome"]["rows"]["stored_file"] == {"delete": 3}
    kept = dict(done["outcome"]["kept"])
    assert "§ 147 AO" in kept["meter_reading"]
    assert files_with(world, erika.file_marker) == []
    # Only the register keeps the e-mail address: the requests themselves (proof).
    assert {t for t, _, _ in scan(world, [erika.email])} == {"privacy_request"}


def test_a_citizen_asks_on_the_portal_and_confirms_by_e_mail(
    new_client: Callable[[], TestClient], dpo: TestClient, world: World
) -> None:
    citizen = new_client()
    asked = citizen.post(
        f"{BASE}/portal/requests", json={"kind": "access", "email": "erika@example.org"}
    )
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "unconfirmed"
    # Unconfirmed, it is nobody's work yet.
    assert dpo.get(f"{BASE}/requests").json() == []
    (mail,) = [m for m in mails(world) if "Datenschutz" in m["Subject"]]
    token = mail.get_payload(decode=True).decode().split("token=")[1].split()[0]
    assert citizen.post(f"{BASE}/portal/confirm", json={"token": token}).status_code == 200
    assert citizen.post(f"{BASE}/portal/confirm", json={"token": token}).status_code == 404
    (listed,) = dpo.get(f"{BASE}/requests").json()
    assert listed["status"] == "open"
    assert listed["identity_check"]


def test_staff_without_the_officers_role_see_nothing(
    app: object, world: World, new_client: Callable[[], TestClient], dpo: TestClient
) -> None:
    created = dpo.post(f"{BASE}/requests", json={"kind": "access", "email": "a@example.org"})
    assert created.status_code == 201
    from tests.conftest import login

    for username in ("dd.admin", "dd.clerk.a", "dd.auditor", "dd.steward", "rb.admin"):
        client = new_client()
        login(client, username)
        for path in (
            "/requests",
            f"/requests/{created.json()['id']}",
            "/register.csv",
            "/retention",
        ):
            assert client.get(BASE + path).status_code == 403, (username, path)
