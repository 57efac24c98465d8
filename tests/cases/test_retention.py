"""Closed cases are deleted or anonymised after their service's retention period (the clock
is passed in, so the test sets the day)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from smartcity.cases.models import Case, CaseEvent
from smartcity.cases.retention import apply_case_retention
from smartcity.citizen.models import Submission
from smartcity.core.audit.models import AuditEntry
from smartcity.core.uploads.models import StoredFile
from tests.citizen.conftest import CATALOG, DRESDEN, complete_draft, staff
from tests.conftest import World

CASES = "/dresden/api/v1/cases"


def _closed_case(citizen: TestClient, clerk: TestClient, key: str) -> tuple[str, int]:
    complete_draft(citizen, key)
    code = citizen.post(f"{DRESDEN}/drafts/current/submit", json={"email": "e@example.org"}).json()[
        "tracking_code"
    ]
    case_id = next(c["id"] for c in clerk.get(CASES).json()["cases"] if c["tracking_code"] == code)
    clerk.post(f"{CASES}/{case_id}/notes", json={"text": "Hund heißt Bello, Halterin Erika"})
    etag = clerk.get(f"{CASES}/{case_id}").headers["ETag"]
    closed = clerk.post(
        f"{CASES}/{case_id}/status", json={"status": "abgeschlossen"}, headers={"If-Match": etag}
    )
    assert closed.status_code == 200, closed.text
    return code, case_id


def _closed_at(world: World, case_id: int) -> Any:
    with world.tenant(world.dresden) as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case.closed_at


def _upload_files(world: World) -> list[Path]:
    return list((Path(world.platform.settings.data_dir) / "uploads").rglob("*"))


def test_anonymised_after_the_period_not_before(
    citizen: TestClient,
    dog_tax: str,
    world: World,
    new_client: Callable[[], TestClient],
    region_admin: TestClient,
) -> None:
    region_admin.patch(
        f"{CATALOG.format('dresden')}/templates/{dog_tax}",
        json={"retention_days": 30, "retention_action": "anonymise"},
    )
    clerk = staff(new_client, "dd.clerk.a")
    code, case_id = _closed_case(citizen, clerk, dog_tax)
    closed_at = _closed_at(world, case_id)
    assert any(p.is_file() for p in _upload_files(world))

    assert apply_case_retention(world.platform, closed_at + timedelta(days=29)) == {
        "deleted": 0,
        "anonymised": 0,
    }
    done = apply_case_retention(world.platform, closed_at + timedelta(days=30, minutes=1))
    assert done == {"deleted": 0, "anonymised": 1}

    with world.tenant(world.dresden) as db:
        submission = db.query(Submission).one()
        assert submission.data == {}
        assert submission.contact_email is None
        assert submission.receipt == ""
        assert all(e.text is None for e in db.query(CaseEvent).all())
        assert db.query(StoredFile).count() == 0
        case = db.get(Case, case_id)
        assert case is not None
        assert case.status == "abgeschlossen"
    assert not any(p.is_file() for p in _upload_files(world))
    # The status page still answers, without personal data.
    status = citizen.get(f"{DRESDEN}/status/{code}").json()
    assert status["status"] == "abgeschlossen"
    assert "Bello" not in str(status)
    # Running again changes nothing.
    assert apply_case_retention(world.platform, closed_at + timedelta(days=60))["anonymised"] == 0


def test_deleted_after_the_period(
    citizen: TestClient,
    dog_tax: str,
    world: World,
    new_client: Callable[[], TestClient],
    region_admin: TestClient,
) -> None:
    region_admin.patch(
        f"{CATALOG.format('dresden')}/templates/{dog_tax}",
        json={"retention_days": 10, "retention_action": "delete"},
    )
    clerk = staff(new_client, "dd.clerk.a")
    code, case_id = _closed_case(citizen, clerk, dog_tax)
    closed_at = _closed_at(world, case_id)

    done = apply_case_retention(world.platform, closed_at + timedelta(days=11))

    assert done == {"deleted": 1, "anonymised": 0}
    assert citizen.get(f"{DRESDEN}/status/{code}").status_code == 404
    assert clerk.get(f"{CASES}/{case_id}").status_code == 404
    with world.tenant(world.dresden) as db:
        assert db.query(Case).count() == 0
        assert db.query(Submission).count() == 0
        # The audit log keeps the fact, not the content.
        actions = [
            e.action
            for e in db.query(AuditEntry)
            .filter_by(resource_id=str(case_id))
            .order_by(AuditEntry.id)
        ]
        assert actions[-1] == "case.retention.delete"
