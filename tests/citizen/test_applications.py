"""A citizen applies online: fills in a multi-step form with uploads, saves and resumes the
draft, submits, gets a receipt whose signature verifies with the published key, and follows
the status by tracking code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from smartcity.citizen import applications
from smartcity.citizen.examples import DOG_TAX_TEMPLATE
from smartcity.citizen.models import Draft
from smartcity.citizen.receipts import canonical_hash
from smartcity.core.db import utcnow
from smartcity.core.signing.services import verify
from tests.citizen.conftest import (
    CATALOG,
    DOG,
    DRESDEN,
    OWNER,
    PDF,
    PNG,
    adopt,
    complete_draft,
    define_service,
    mails,
    staff,
    start,
    upload,
)
from tests.conftest import World


def test_the_whole_application_with_a_receipt_that_verifies(
    citizen: TestClient, dog_tax: str, world: World
) -> None:
    data = complete_draft(citizen, dog_tax)

    submitted = citizen.post(
        f"{DRESDEN}/drafts/current/submit", json={"email": "erika@example.org"}
    )

    assert submitted.status_code == 201, submitted.text
    body = submitted.json()
    keys = citizen.get("/dresden/.well-known/jwks.json").json()
    claims = verify(body["receipt"], keys)
    assert claims["sub"] == body["tracking_code"]
    assert claims["data_sha256"] == canonical_hash(data) == body["data_sha256"]
    assert claims["service"]["key"] == dog_tax
    assert [a["name"] for a in claims["attachments"]] == ["versicherung.pdf"]
    # The instance-wide key set has it too, so a verifier needs one address only.
    assert verify(body["receipt"], citizen.get("/.well-known/jwks.json").json()) == claims

    pdf = citizen.get(f"{DRESDEN}/status/{body['tracking_code']}/receipt.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")

    status = citizen.get(f"{DRESDEN}/status/{body['tracking_code']}").json()
    assert status["status"] == "eingegangen"
    assert status["status_label"] == "Eingegangen"
    assert status["service"] == "Hund zur Hundesteuer anmelden"

    # The draft is used up by the submission.
    assert citizen.get(f"{DRESDEN}/drafts/current").status_code == 404
    sent = [m for m in mails(world) if body["tracking_code"] in m["Subject"]]
    assert len(sent) == 1
    assert sent[0]["To"] == "erika@example.org"


def test_a_tampered_receipt_does_not_verify(citizen: TestClient, dog_tax: str) -> None:
    complete_draft(citizen, dog_tax)
    receipt = citizen.post(f"{DRESDEN}/drafts/current/submit", json={}).json()["receipt"]
    header, payload, signature = receipt.split(".")
    forged = f"{header}.{payload[:-2]}AA.{signature}"
    keys = citizen.get("/dresden/.well-known/jwks.json").json()
    try:
        verify(forged, keys)
    except ValueError:
        return
    raise AssertionError("a changed receipt verified")


def test_each_step_is_checked_with_messages_a_citizen_understands(
    citizen: TestClient, dog_tax: str
) -> None:
    start(citizen, dog_tax)
    checked = citizen.put(
        f"{DRESDEN}/drafts/current",
        json={"data": {"name": "E", "postcode": "1067"}, "step": 1, "check_step": 0},
    )
    assert checked.status_code == 200  # what was entered is kept
    body = checked.json()
    assert body["step"] == 0  # but the citizen stays on the step
    assert body["errors"] == {
        "name": "„Vor- und Nachname“ muss mindestens 2 Zeichen lang sein.",
        "postcode": "Die Postleitzahl hat fünf Ziffern.",
        "street": "Bitte geben Sie „Straße und Hausnummer“ an.",
        "city": "Bitte geben Sie „Ort“ an.",
    }
    assert body["data"] == {"name": "E", "postcode": "1067"}

    english = citizen.put(
        f"{DRESDEN}/drafts/current?lang=en", json={"data": {}, "check_step": 0}
    ).json()
    assert english["errors"]["city"] == "Please fill in “Town”."

    fine = citizen.put(
        f"{DRESDEN}/drafts/current", json={"data": OWNER, "step": 1, "check_step": 0}
    ).json()
    assert fine["errors"] == {}
    assert fine["step"] == 1


def test_a_listed_breed_needs_the_permit(citizen: TestClient, dog_tax: str) -> None:
    """A conditional field: required only when another field says so."""
    data = complete_draft(citizen, dog_tax)
    citizen.put(f"{DRESDEN}/drafts/current", json={"data": {**data, "listed_breed": True}})
    refused = citizen.post(f"{DRESDEN}/drafts/current/submit", json={})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "certificate": "Bitte geben Sie „Erlaubnis zur Haltung“ an."
    }

    permit = upload(citizen, "certificate", "erlaubnis.pdf", PDF).json()["id"]
    citizen.put(
        f"{DRESDEN}/drafts/current",
        json={"data": {**data, "listed_breed": True, "certificate": permit}},
    )
    assert citizen.post(f"{DRESDEN}/drafts/current/submit", json={}).status_code == 201


def test_uploads_must_be_what_they_claim_to_be(citizen: TestClient, dog_tax: str) -> None:
    start(citizen, dog_tax)
    assert upload(citizen, "insurance", "foto.png", PNG).status_code == 201
    renamed = upload(citizen, "insurance", "versicherung.pdf", PNG)
    assert renamed.status_code == 415
    assert "passt nicht zur Endung" in renamed.json()["detail"]
    script = upload(citizen, "insurance", "virus.exe", b"MZ\x90\x00")
    assert script.status_code == 415
    # The permit field takes PDFs only.
    assert upload(citizen, "certificate", "erlaubnis.png", PNG).status_code == 415
    assert upload(citizen, "dog_name", "x.pdf", PDF).status_code == 422  # not a file field
    traversal = upload(citizen, "insurance", "../../etc/passwd.pdf", PDF).json()
    assert traversal["name"] == "passwd.pdf"


def test_too_large_and_too_many_uploads_are_refused(
    citizen: TestClient, dog_tax: str, world: World
) -> None:
    world.platform.settings.upload_max_bytes = 2048
    world.platform.settings.upload_max_files = 2
    start(citizen, dog_tax)
    large = upload(citizen, "insurance", "gross.pdf", PDF + b"0" * 4096)
    assert large.status_code == 413
    assert "höchstens" in large.json()["detail"]
    assert upload(citizen, "insurance", "a.pdf", PDF).status_code == 201
    assert upload(citizen, "insurance", "b.pdf", PDF).status_code == 201
    third = upload(citizen, "insurance", "c.pdf", PDF)
    assert third.status_code == 422
    assert "höchstens 2 Dateien" in third.json()["detail"]


def test_a_saved_draft_resumes_once_through_the_mailed_link(
    citizen: TestClient, dog_tax: str, world: World, new_client: Any
) -> None:
    start(citizen, dog_tax)
    saved = citizen.put(
        f"{DRESDEN}/drafts/current",
        json={"data": {**OWNER, **DOG}, "step": 1, "email": "erika@example.org"},
    ).json()
    resume_token = saved["resume_url"].rsplit("#", 1)[1]
    mailed = [m for m in mails(world) if "gespeicherter Antrag" in m["Subject"]]
    assert resume_token in mailed[0].get_payload()

    later = new_client()  # another device, days later
    resumed = later.post(f"{DRESDEN}/drafts/resume", json={"token": resume_token})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["data"]["dog_name"] == "Bello"
    assert resumed.json()["step"] == 1

    again = later.post(f"{DRESDEN}/drafts/resume", json={"token": resume_token})
    assert again.status_code == 404  # one-time
    # The first device's token no longer works; the new one does.
    assert citizen.get(f"{DRESDEN}/drafts/current").status_code == 404
    later.headers["Draft-Token"] = resumed.json()["access_token"]
    assert later.get(f"{DRESDEN}/drafts/current").status_code == 200


def test_an_expired_draft_is_gone(citizen: TestClient, dog_tax: str, world: World) -> None:
    start(citizen, dog_tax)
    with world.tenant(world.dresden) as db:
        for draft in db.query(Draft).all():
            draft.expires_at = utcnow() - timedelta(minutes=1)
    answer = citizen.get(f"{DRESDEN}/drafts/current")
    assert answer.status_code == 410
    assert "abgelaufen" in answer.json()["detail"]
    assert applications.remove_expired_drafts(world.platform) == 1


def test_submissions_keep_their_form_version(
    citizen: TestClient, dog_tax: str, region_admin: TestClient
) -> None:
    complete_draft(citizen, dog_tax)
    code = citizen.post(f"{DRESDEN}/drafts/current/submit", json={}).json()["tracking_code"]
    forms = "/dresden/api/v1/catalog/templates/hundesteuer-anmeldung/forms"
    published = region_admin.get(forms).json()[0]
    frozen = region_admin.put(f"{forms}/1", json={"schema": published["schema"], "ui": {}})
    assert frozen.status_code == 409
    new = region_admin.post(forms, json={"schema": published["schema"], "ui": published["ui"]})
    region_admin.post(f"{forms}/{new.json()['version']}/publish")

    service = citizen.get(f"{DRESDEN}/services/{dog_tax}").json()
    assert service["form_version"] == 2
    receipt = citizen.get(f"{DRESDEN}/status/{code}")
    assert receipt.status_code == 200


def test_tracking_codes_are_forgiving_to_type_and_private_to_their_municipality(
    citizen: TestClient, dog_tax: str
) -> None:
    complete_draft(citizen, dog_tax)
    code = citizen.post(f"{DRESDEN}/drafts/current/submit", json={}).json()["tracking_code"]
    typed = code.lower().replace("-", " ")
    assert citizen.get(f"{DRESDEN}/status/{typed}").status_code == 200
    elsewhere = citizen.get(f"/radebeul/api/v1/citizen/status/{code}")
    assert elsewhere.status_code == 404
    assert citizen.get(f"{DRESDEN}/status/AAAA-BBBB-CCCC").status_code == 404


def test_a_service_that_is_not_offered_takes_no_applications(
    citizen: TestClient, dog_tax: str
) -> None:
    assert (
        citizen.post(
            "/radebeul/api/v1/citizen/services/hundesteuer-anmeldung/drafts", json={}
        ).status_code
        == 404
    )
    listed = citizen.get(f"{DRESDEN}/services").json()
    assert [s["key"] for s in listed] == [dog_tax]
    assert citizen.get("/radebeul/api/v1/citizen/services").json() == []


def test_direct_submissions_follow_a_paused_service_and_a_new_form_at_once(
    citizen: TestClient, region_admin: TestClient, new_client: Callable[[], TestClient]
) -> None:
    # The direct path reads the service from a copy kept for a few seconds (core/snapshots);
    # a change made through this process must still count from the next request on.
    template = {
        **DOG_TAX_TEMPLATE,
        "key": "sperrmuell",
        "name": {"de": "Sperrmüll anmelden"},
        "description": {"de": "Abholung von Sperrmüll"},
    }
    schema: dict[str, Any] = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string", "minLength": 2}},
    }
    define_service(region_admin, template, schema, {"fields": {"name": {"label": {"de": "Name"}}}})
    admin = staff(new_client, "dd.admin")
    adopt(admin, "dresden", "sperrmuell")
    url = f"{DRESDEN}/services/sperrmuell/submissions"
    assert citizen.post(url, json={"data": {"name": "Erika"}}).status_code == 201
    # Dresden's copy of its service is no service of Radebeul's.
    elsewhere = "/radebeul/api/v1/citizen/services/sperrmuell/submissions"
    assert citizen.post(elsewhere, json={"data": {"name": "Erika"}}).status_code == 404

    admin.patch(f"{CATALOG.format('dresden')}/adoptions/sperrmuell", json={"active": False})
    paused = citizen.post(url, json={"data": {"name": "Erika"}})
    assert paused.status_code == 404
    assert "sperrmuell" in paused.json()["detail"]

    admin.patch(f"{CATALOG.format('dresden')}/adoptions/sperrmuell", json={"active": True})
    forms = f"{CATALOG.format('dresden')}/templates/sperrmuell/forms"
    stricter = {
        **schema,
        "required": ["name", "items"],
        "properties": {**schema["properties"], "items": {"type": "string", "minLength": 3}},
    }
    labels = {"fields": {"name": {"label": {"de": "Name"}}, "items": {"label": {"de": "Was?"}}}}
    new = region_admin.post(forms, json={"schema": stricter, "ui": labels})
    assert region_admin.post(f"{forms}/{new.json()['version']}/publish").status_code == 200
    incomplete = citizen.post(url, json={"data": {"name": "Erika"}})
    assert incomplete.status_code == 422
    assert set(incomplete.json()["errors"]) == {"items"}
    complete = citizen.post(url, json={"data": {"name": "Erika", "items": "Schrank"}})
    assert complete.status_code == 201, complete.text
