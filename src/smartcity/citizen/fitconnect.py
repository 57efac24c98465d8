"""A submission in the shape FIT-Connect uses, so that a Fachverfahren can take it over.

FIT-Connect (FITKO's transport for German online applications) carries a submission as
encrypted parts: the metadata (metadata schema 1.x: `contentStructure` with the data's schema
reference and SHA-512 hash and one entry per attachment, `publicServiceType` with the LeiKa
URN, `replyChannel`), the data (`Fachdaten`, JSON) and each attachment, each a JWE in compact
form with RSA-OAEP-256 and A256GCM for the destination's public key. We do not run the
transport; this export is what a sender would hand over."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from typing import Any

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from sqlalchemy.orm import Session

from smartcity.cases.models import Case
from smartcity.citizen.catalog import adoption_by_id
from smartcity.citizen.models import FormVersion, Submission
from smartcity.core.errors import Conflict, InvalidInput
from smartcity.core.portal import Portal
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads

METADATA_SCHEMA = "https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json"
ALGORITHMS = ["RSA-OAEP-256", "A256GCM"]
# 128-bit security (ASVS 5.0 11.2.3); FIT-Connect itself issues 4096-bit destination keys.
MIN_KEY_BITS = 3072
# Attachment ids are UUIDs; derived from our file ids so that a second export names the same
# attachment the same way.
NAMESPACE = uuid.UUID("5b0c1f5e-8a7d-4c61-9a53-8f5b1e2a7c40")


def destination_key(jwk: dict[str, Any]) -> RSAKey:
    if jwk.get("kty") != "RSA":
        raise InvalidInput("The destination key must be an RSA key (kty RSA).")
    if "d" in jwk:
        raise InvalidInput("Send the destination's public key only, never its private part.")
    if jwk.get("alg", "RSA-OAEP-256") != "RSA-OAEP-256":
        raise InvalidInput("The destination key must be meant for RSA-OAEP-256.")
    modulus = jwk.get("n")
    if not isinstance(modulus, str):
        raise InvalidInput("The destination key has no modulus (n).")
    try:
        bits = int.from_bytes(
            base64.urlsafe_b64decode(modulus + "=" * (-len(modulus) % 4))
        ).bit_length()
    except (TypeError, ValueError, binascii.Error):
        raise InvalidInput("The destination key has no readable modulus (n).") from None
    if bits < MIN_KEY_BITS:
        raise InvalidInput(f"The destination key has {bits} bits; at least {MIN_KEY_BITS}.")
    try:
        return RSAKey.import_key(jwk)
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidInput(f"The destination key cannot be read: {exc}") from None


def _encrypt(key: RSAKey, kid: str | None, content_type: str, plaintext: bytes) -> str:
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": content_type, "zip": None}
    header = {k: v for k, v in header.items() if v is not None}
    if kid:
        header["kid"] = kid
    return jwe.encrypt_compact(header, plaintext, key, algorithms=ALGORITHMS)


def export(
    db: Session,
    portal: Portal,
    municipality: Municipality,
    case: Case,
    jwk: dict[str, Any],
    schema_uri: str | None = None,
) -> dict[str, Any]:
    key = destination_key(jwk)
    submission = db.get(Submission, case.submission_id)
    assert submission is not None
    if submission.anonymised_at is not None:
        raise Conflict("This application was anonymised after its retention period.")
    service = adoption_by_id(db, case.adoption_id)
    version = db.get(FormVersion, submission.form_version_id)
    assert version is not None
    data = json.dumps(submission.data, ensure_ascii=False, separators=(",", ":")).encode()
    files = uploads.files_of(db, "submission", submission.id)
    attachment_ids = {f.public_id: str(uuid.uuid5(NAMESPACE, f.public_id)) for f in files}
    schema = schema_uri or (
        f"{portal.base(municipality)}/api/v1/citizen/services/{service.template.key}"
        f"/forms/{version.version}/schema.json"
    )
    metadata: dict[str, Any] = {
        "$schema": METADATA_SCHEMA,
        "contentStructure": {
            "data": {
                "submissionSchema": {"schemaUri": schema, "mimeType": "application/json"},
                "hash": {"type": "sha512", "content": hashlib.sha512(data).hexdigest()},
            },
            "attachments": [
                {
                    "hash": {"type": "sha512", "content": f.sha512},
                    "purpose": "attachment",
                    "filename": f.original_name,
                    "mimeType": f.content_type,
                    "attachmentId": attachment_ids[f.public_id],
                }
                for f in files
            ],
        },
    }
    if service.template.leika_key:
        metadata["publicServiceType"] = {
            "name": service.name("de"),
            "identifier": f"urn:de:fim:leika:leistung:{service.template.leika_key}",
        }
    if submission.contact_email:
        metadata["replyChannel"] = {"eMail": {"address": submission.contact_email}}
    kid = jwk.get("kid")
    return {
        "caseId": str(uuid.uuid5(NAMESPACE, f"case:{case.id}:{submission.tracking_code}")),
        "encryptedMetadata": _encrypt(
            key, kid, "application/json", json.dumps(metadata, ensure_ascii=False).encode()
        ),
        "encryptedData": _encrypt(key, kid, "application/json", data),
        "encryptedAttachments": {
            attachment_ids[f.public_id]: _encrypt(
                key, kid, f.content_type, uploads.read(portal.data_dir, f)
            )
            for f in files
        },
    }
