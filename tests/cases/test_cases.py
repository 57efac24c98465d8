"""A clerk takes an application from the inbox to a signed decision; the applicant sees it.
Two clerks never lose an update; departments see only their own cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from smartcity.core.signing.services import verify
from tests.citizen.conftest import DRESDEN, PDF, complete_draft, mails, staff
from tests.conftest import World

CASES = "/dresden/api/v1/cases"


@pytest.fixture
def submitted(citizen: TestClient, dog_tax: str) -> dict[str, Any]:
    complete_draft(citizen, dog_tax)
    answer = citizen.post(f"{DRESDEN}/drafts/current/submit", json={"email": "erika@example.org"})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
def clerk(new_client: Callable[[], TestClient]) -> TestClient:
    """A case worker of the Bürgeramt, where Dresden files dog-tax applications."""
    return staff(new_client, "dd.clerk.a")


def _case_id(clerk: TestClient, code: str) -> int:
    cases = clerk.get(CASES).json()["cases"]
    found: int = next(c["id"] for c in cases if c["tracking_code"] == code)
    return found


def _version(clerk: TestClient, case_id: int) -> str:
    etag: str = clerk.get(f"{CASES}/{case_id}").headers["ETag"]
    return etag


def test_from_inbox_to_signed_decision_and_the_applicant_sees_it(
    submitted: dict[str, Any], clerk: TestClient, citizen: TestClient, world: World
) -> None:
    code = submitted["tracking_code"]
    case_id = _case_id(clerk, code)
    case = clerk.get(f"{CASES}/{case_id}")
    assert case.json()["status"] == "eingegangen"
    assert dict(case.json()["answers"])["Name des Hundes"] == "Bello"
    assert case.json()["files"][0]["name"] == "versicherung.pdf"
    download = clerk.get(urlsplit(case.json()["files"][0]["url"]).path)
    assert download.content == PDF

    me = clerk.get("/auth/me").json()["id"]
    assigned = clerk.patch(
        f"{CASES}/{case_id}", json={"assignee_id": me}, headers={"If-Match": case.headers["ETag"]}
    )
    assert assigned.status_code == 200, assigned.text
    working = clerk.post(
        f"{CASES}/{case_id}/status",
        json={"status": "in_bearbeitung", "note": "Versicherung geprüft"},
        headers={"If-Match": assigned.headers["ETag"]},
    )
    assert working.status_code == 200, working.text
    clerk.post(f"{CASES}/{case_id}/messages", json={"text": "Ihre Steuermarke kommt per Post."})
    decided = clerk.post(
        f"{CASES}/{case_id}/decision",
        json={"outcome": "approved", "text": "Die Hundesteuer beträgt 108 Euro im Jahr."},
        headers={"If-Match": _version(clerk, case_id)},
    )
    assert decided.status_code == 200, decided.text

    status = citizen.get(f"{DRESDEN}/status/{code}").json()
    assert status["status_label"] == "Entschieden"
    assert [e["kind"] for e in status["events"]] == ["status", "status", "message", "decision"]
    assert status["events"][2]["text"] == "Ihre Steuermarke kommt per Post."
    assert "Versicherung geprüft" not in str(status)  # internal notes stay internal
    decision = status["decision"]
    assert decision["outcome"] == "approved"
    assert "Ihrem Antrag wird stattgegeben." in decision["text"]
    assert "108 Euro" in decision["text"]
    claims = verify(decision["document"], citizen.get("/.well-known/jwks.json").json())
    assert claims["sub"] == code
    assert claims["outcome"] == "approved"
    pdf = citizen.get(f"{DRESDEN}/status/{code}/decision.pdf")
    assert pdf.content.startswith(b"%PDF")
    subjects = [m["Subject"] for m in mails(world)]
    assert subjects.count(f"Neuigkeiten zu Ihrem Vorgang {code}") == 2  # message, decision

    history = clerk.get(f"{CASES}/{case_id}/history").json()
    assert [h["action"] for h in history] == [
        "submission.create",
        "case.update",
        "case.status",
        "case.message",
        "case.decision",
    ]
    closed = clerk.post(
        f"{CASES}/{case_id}/status",
        json={"status": "abgeschlossen"},
        headers={"If-Match": _version(clerk, case_id)},
    )
    assert closed.json()["status"] == "abgeschlossen"


def test_two_clerks_never_overwrite_each_other(
    submitted: dict[str, Any], clerk: TestClient, new_client: Callable[[], TestClient]
) -> None:
    colleague = staff(new_client, "dd.admin")
    case_id = _case_id(clerk, submitted["tracking_code"])
    seen_by_both = _version(clerk, case_id)
    assert _version(colleague, case_id) == seen_by_both

    first = clerk.post(
        f"{CASES}/{case_id}/status",
        json={"status": "in_bearbeitung"},
        headers={"If-Match": seen_by_both},
    )
    assert first.status_code == 200
    second = colleague.post(
        f"{CASES}/{case_id}/status",
        json={"status": "abgeschlossen"},
        headers={"If-Match": seen_by_both},
    )
    assert second.status_code == 412
    assert "inzwischen geändert" in second.json()["detail"]
    missing = colleague.patch(f"{CASES}/{case_id}", json={"deadline": None})
    assert missing.status_code == 428
    assert clerk.get(f"{CASES}/{case_id}").json()["status"] == "in_bearbeitung"


def test_the_workflow_decides_which_steps_are_possible(
    submitted: dict[str, Any], clerk: TestClient
) -> None:
    case_id = _case_id(clerk, submitted["tracking_code"])
    jump = clerk.post(
        f"{CASES}/{case_id}/status",
        json={"status": "rueckfrage"},
        headers={"If-Match": _version(clerk, case_id)},
    )
    assert jump.status_code == 409
    assert "in_bearbeitung" in jump.json()["detail"]
    sign_by_status = clerk.post(
        f"{CASES}/{case_id}/status",
        json={"status": "entschieden"},
        headers={"If-Match": _version(clerk, case_id)},
    )
    assert sign_by_status.status_code == 409
    early = clerk.post(
        f"{CASES}/{case_id}/decision",
        json={"outcome": "rejected", "text": "x"},
        headers={"If-Match": _version(clerk, case_id)},
    )
    assert early.status_code == 409


def test_departments_see_only_their_cases(
    submitted: dict[str, Any], clerk: TestClient, new_client: Callable[[], TestClient]
) -> None:
    case_id = _case_id(clerk, submitted["tracking_code"])
    other = staff(new_client, "dd.clerk.b")  # Ordnungsamt
    assert other.get(CASES).json()["total"] == 0
    assert other.get(f"{CASES}/{case_id}").status_code == 403
    operator = staff(new_client, "dd.operator")
    assert operator.get(CASES).status_code == 403
    neighbour = staff(new_client, "rb.admin")
    assert neighbour.get(f"/radebeul/api/v1/cases/{case_id}").status_code == 404
    assert neighbour.get(f"{CASES}/{case_id}").status_code == 403  # not staff of Dresden


def test_inbox_filters_and_overdue_flags(
    submitted: dict[str, Any], clerk: TestClient, citizen: TestClient, dog_tax: str
) -> None:
    complete_draft(citizen, dog_tax)
    second = citizen.post(f"{DRESDEN}/drafts/current/submit", json={}).json()["tracking_code"]
    first_id = _case_id(clerk, submitted["tracking_code"])
    second_id = _case_id(clerk, second)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    clerk.patch(
        f"{CASES}/{first_id}",
        json={"deadline": past},
        headers={"If-Match": _version(clerk, first_id)},
    )
    me = clerk.get("/auth/me").json()["id"]
    clerk.patch(
        f"{CASES}/{second_id}",
        json={"assignee_id": me},
        headers={"If-Match": _version(clerk, second_id)},
    )

    def ids(query: str) -> list[int]:
        return [c["id"] for c in clerk.get(f"{CASES}?{query}").json()["cases"]]

    assert ids("overdue=true") == [first_id]
    assert ids("overdue=false") == [second_id]
    assert ids("assignee=me") == [second_id]
    assert ids("assignee=none") == [first_id]
    assert set(ids("status=eingegangen&service=hundesteuer-anmeldung")) == {first_id, second_id}
    assert ids("status=abgeschlossen") == []
    assert ids("older_than_days=1") == []
    assert clerk.get(f"{CASES}?assignee=everyone").status_code == 422
    overdue = clerk.get(f"{CASES}/{first_id}").json()
    assert overdue["overdue"] is True
    unknown = clerk.patch(
        f"{CASES}/{first_id}",
        json={"assignee_id": 99999},
        headers={"If-Match": _version(clerk, first_id)},
    )
    assert unknown.status_code == 422


def test_staff_attach_files_and_the_applicant_can_reply(
    submitted: dict[str, Any], clerk: TestClient, citizen: TestClient
) -> None:
    case_id = _case_id(clerk, submitted["tracking_code"])
    attached = clerk.post(f"{CASES}/{case_id}/attachments", files={"file": ("vermerk.pdf", PDF)})
    assert attached.status_code == 201, attached.text
    assert (
        clerk.post(f"{CASES}/{case_id}/attachments", files={"file": ("x.pdf", b"no")}).status_code
        == 415
    )
    files = clerk.get(f"{CASES}/{case_id}").json()["files"]
    assert [(f["name"], f["source"]) for f in files] == [
        ("versicherung.pdf", "applicant"),
        ("vermerk.pdf", "staff"),
    ]
    replied = citizen.post(
        f"{DRESDEN}/status/{submitted['tracking_code']}/replies", json={"text": "Danke!"}
    )
    assert replied.status_code == 204
    events = clerk.get(f"{CASES}/{case_id}").json()["events"]
    assert events[-1]["kind"] == "reply"
    assert events[-1]["text"] == "Danke!"


def test_a_wildcard_if_match_is_not_a_version_and_a_closed_case_takes_no_replies(
    submitted: dict[str, Any], clerk: TestClient, citizen: TestClient
) -> None:
    case_id = _case_id(clerk, submitted["tracking_code"])
    wildcard = clerk.post(
        f"{CASES}/{case_id}/status", json={"status": "abgeschlossen"}, headers={"If-Match": "*"}
    )
    assert wildcard.status_code == 428
    several = clerk.post(
        f"{CASES}/{case_id}/status",
        json={"status": "abgeschlossen"},
        headers={"If-Match": f'"99", {_version(clerk, case_id)}'},
    )
    assert several.status_code == 200  # one of the listed versions is the current one
    late = citizen.post(
        f"{DRESDEN}/status/{submitted['tracking_code']}/replies", json={"text": "Noch etwas"}
    )
    assert late.status_code == 409
    assert "abgeschlossen" in late.json()["detail"]


def test_the_inbox_pages_in_the_database(
    submitted: dict[str, Any], clerk: TestClient, citizen: TestClient, dog_tax: str
) -> None:
    for _ in range(2):
        complete_draft(citizen, dog_tax)
        citizen.post(f"{DRESDEN}/drafts/current/submit", json={})
    first = clerk.get(f"{CASES}?limit=2").json()
    rest = clerk.get(f"{CASES}?limit=2&offset=2").json()
    assert first["total"] == rest["total"] == 3
    assert len(first["cases"]) == 2
    assert len(rest["cases"]) == 1
    seen = {c["id"] for c in first["cases"]} | {c["id"] for c in rest["cases"]}
    assert len(seen) == 3
    assert clerk.get(f"{CASES}?overdue=false").json()["total"] == 3  # deadlines ahead


def test_the_applicant_s_answer_to_a_query_puts_the_case_back_in_progress(
    submitted: dict[str, Any], clerk: TestClient, citizen: TestClient
) -> None:
    code = submitted["tracking_code"]
    case_id = _case_id(clerk, code)
    for target in ("in_bearbeitung", "rueckfrage"):
        moved = clerk.post(
            f"{CASES}/{case_id}/status",
            json={"status": target},
            headers={"If-Match": _version(clerk, case_id)},
        )
        assert moved.status_code == 200, moved.text
    clerk.post(f"{CASES}/{case_id}/messages", json={"text": "Welche Rasse hat der Hund?"})
    seen_before = _version(clerk, case_id)

    answered = citizen.post(f"{DRESDEN}/status/{code}/replies", json={"text": "Ein Dackel."})
    assert answered.status_code == 204, answered.text

    case = clerk.get(f"{CASES}/{case_id}").json()
    assert case["status"] == "in_bearbeitung"
    last = case["events"][-1]
    assert (last["kind"], last["status"], last["actor"]) == (
        "status",
        "in_bearbeitung",
        "applicant",
    )
    assert [c["id"] for c in clerk.get(f"{CASES}?status=in_bearbeitung").json()["cases"]] == [
        case_id
    ]
    # A clerk who had the case open before the answer is told it changed.
    stale = clerk.post(
        f"{CASES}/{case_id}/status",
        json={"status": "abgeschlossen"},
        headers={"If-Match": seen_before},
    )
    assert stale.status_code == 412
    status = citizen.get(f"{DRESDEN}/status/{code}").json()
    assert status["status"] == "in_bearbeitung"
    assert status["awaiting_reply"] is False

    # A further word from the applicant while it is in progress changes no state.
    again = citizen.post(f"{DRESDEN}/status/{code}/replies", json={"text": "Und er ist brav."})
    assert again.status_code == 204
    events = clerk.get(f"{CASES}/{case_id}").json()["events"]
    assert [e["kind"] for e in events[-2:]] == ["status", "reply"]
