"""Export in FIT-Connect's shape: the destination decrypts metadata, data and attachments with
its private key, and the hashes in the metadata match what it got."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable

from fastapi.testclient import TestClient
from joserfc import jwe
from joserfc.jwk import RSAKey

from tests.citizen.conftest import CATALOG, DRESDEN, PDF, complete_draft, staff

CASES = "/dresden/api/v1/cases"
ALGORITHMS = ["RSA-OAEP-256", "A256GCM"]


def test_the_destination_decrypts_and_checks_every_part(
    citizen: TestClient,
    dog_tax: str,
    region_admin: TestClient,
    new_client: Callable[[], TestClient],
) -> None:
    # A LeiKa-shaped key for the test (14 digits); the URN is built from it.
    region_admin.patch(
        f"{CATALOG.format('dresden')}/templates/{dog_tax}", json={"leika_key": "99000000000001"}
    )
    data = complete_draft(citizen, dog_tax)
    code = citizen.post(
        f"{DRESDEN}/drafts/current/submit", json={"email": "erika@example.org"}
    ).json()["tracking_code"]
    clerk = staff(new_client, "dd.clerk.a")
    case_id = next(c["id"] for c in clerk.get(CASES).json()["cases"] if c["tracking_code"] == code)
    destination = RSAKey.generate_key(3072)
    public = {**destination.as_dict(private=False), "kid": "fachverfahren-1"}

    exported = clerk.post(f"{CASES}/{case_id}/fit-connect", json={"destination_key": public})

    assert exported.status_code == 200, exported.text
    parts = exported.json()
    metadata_jwe = jwe.decrypt_compact(
        parts["encryptedMetadata"], destination, algorithms=ALGORITHMS
    )
    assert metadata_jwe.protected["kid"] == "fachverfahren-1"
    assert metadata_jwe.plaintext is not None
    metadata = json.loads(metadata_jwe.plaintext)
    content = metadata["contentStructure"]
    fachdaten = jwe.decrypt_compact(parts["encryptedData"], destination, algorithms=ALGORITHMS)
    assert fachdaten.plaintext is not None
    assert json.loads(fachdaten.plaintext) == data
    assert content["data"]["hash"] == {
        "type": "sha512",
        "content": hashlib.sha512(fachdaten.plaintext).hexdigest(),
    }
    assert content["data"]["submissionSchema"]["mimeType"] == "application/json"
    schema = citizen.get(content["data"]["submissionSchema"]["schemaUri"].split(":8000")[-1])
    assert schema.json()["required"][0] == "name"
    (attachment,) = content["attachments"]
    decrypted = jwe.decrypt_compact(
        parts["encryptedAttachments"][attachment["attachmentId"]],
        destination,
        algorithms=ALGORITHMS,
    ).plaintext
    assert decrypted == PDF
    assert attachment["hash"]["content"] == hashlib.sha512(PDF).hexdigest()
    assert attachment["filename"] == "versicherung.pdf"
    assert attachment["mimeType"] == "application/pdf"
    assert metadata["publicServiceType"]["identifier"] == "urn:de:fim:leika:leistung:99000000000001"
    assert metadata["replyChannel"] == {"eMail": {"address": "erika@example.org"}}


def test_unsuitable_destination_keys_are_refused(
    citizen: TestClient, dog_tax: str, new_client: Callable[[], TestClient]
) -> None:
    complete_draft(citizen, dog_tax)
    code = citizen.post(f"{DRESDEN}/drafts/current/submit", json={}).json()["tracking_code"]
    clerk = staff(new_client, "dd.clerk.a")
    case_id = next(c["id"] for c in clerk.get(CASES).json()["cases"] if c["tracking_code"] == code)
    private = RSAKey.generate_key(3072).as_dict(private=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the weak key is the point of the test
        small = RSAKey.generate_key(2048).as_dict(private=False)
    for key, words in (
        (private, "public key only"),
        (small, "2048 bits"),
        ({"kty": "EC", "crv": "P-256"}, "RSA key"),
    ):
        answer = clerk.post(f"{CASES}/{case_id}/fit-connect", json={"destination_key": key})
        assert answer.status_code == 422
        assert words in answer.json()["detail"]
