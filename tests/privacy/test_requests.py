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
from sqlalchemy import select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
from smartcity.participation.models import Proposal
from smartcity.privacy.requests import add_months
from smartcity.watermeter.models import WaterMeter
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


def _rectify(dpo: TestClient, email: str, kind: str, old: str, new: str) -> dict[str, int]:
    created = dpo.post(
        f"{BASE}/requests",
        json={
            "kind": "rectification",
            "email": email,
            "correction": {"kind": kind, "old": old, "new": new},
        },
    )
    assert created.status_code == 201, created.text
    request = created.json()["id"]
    dpo.post(f"{BASE}/requests/{request}/identity", json={"how": "Personalausweis vorgelegt"})
    done = dpo.post(f"{BASE}/requests/{request}/carry-out")
    assert done.status_code == 200, done.text
    rows: dict[str, int] = done.json()["outcome"]["rows"]
    return rows


def test_the_officer_corrects_a_public_name_and_an_address_in_the_persons_rows_only(
    dpo: TestClient, erika: Person, max_neighbour: Person, world: World
) -> None:
    renamed = _rectify(dpo, erika.email, "public_name", erika.name.upper(), "E. Privat")
    assert renamed == {"participation_proposal": 1, "participation_comment": 1}
    moved = _rectify(
        dpo, erika.email, "address", "Altmarkt 1, 01067 Dresden", "Altmarkt 1a, 01067 Dresden"
    )
    assert moved == {"water_meter": 1}
    # Max's contributions and meter are his: the same name or address elsewhere is not hers.
    with world.tenant(world.dresden) as db:
        names = set(db.scalars(select(Proposal.public_name)))
        addresses = set(db.scalars(select(WaterMeter.address)))
    assert names == {"E. Privat", max_neighbour.name}
    assert addresses == {"Altmarkt 1a, 01067 Dresden", "Neumarkt 2, 01067 Dresden"}
    # The audit log says what kind was corrected and how many rows, never the values.
    assert {t for t, _, _ in scan(world, ["E. Privat", "Altmarkt 1a"])} == {
        "participation_proposal",
        "participation_comment",
        "water_meter",
        "privacy_request",
    }
    with world.system() as db:
        changes = [
            e.changes
            for e in db.scalars(
                select(AuditEntry).where(AuditEntry.action == "privacy.rectification")
            )
        ]
    assert [c["kind"] for c in changes] == ["public_name", "address"]
    # A kind nobody declares is refused with a message, not carried out.
    refused = dpo.post(
        f"{BASE}/requests",
        json={
            "kind": "rectification",
            "email": erika.email,
            "correction": {"kind": "shoe_size", "old": "38", "new": "39"},
        },
    )
    assert refused.status_code == 422
