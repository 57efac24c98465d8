"""Receipts: what a citizen gets for a submission. The signed receipt is a compact JWS
(Ed25519, the municipality's key, `kid` in the header) over these claims:

    iss            the municipality's base URL
    sub            the tracking code
    iat            when it was signed (seconds since 1970)
    submitted_at   ISO 8601
    service        {"key", "name", "leika_key"}
    form_version   the form version the data was entered in
    data_sha256    SHA-256 (hex) of the submitted data as canonical JSON: keys sorted, no
                   spaces (separators "," and ":"), UTF-8 without escaping
    attachments    [{"name", "sha512"}] of the uploaded files

Anyone holding the data can recompute the hash and check the signature against the published
JWK Set. The PDF shows the same facts for people."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from smartcity.citizen.catalog import OfferedService
from smartcity.citizen.forms import FormDefinition
from smartcity.citizen.models import FormVersion, Submission
from smartcity.core.documents import Document, Sender, local_time
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads.models import StoredFile
from smartcity.core.web.i18n import day


def canonical_hash(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def claims(
    *,
    base_url: str,
    code: str,
    submitted_at: datetime,
    service: OfferedService,
    form: FormVersion,
    data_sha256: str,
    files: list[StoredFile],
) -> dict[str, Any]:
    return {
        "iss": base_url,
        "sub": code,
        "iat": int(submitted_at.timestamp()),
        "submitted_at": submitted_at.isoformat(),
        "service": {
            "key": service.template.key,
            "name": service.name("de"),
            "leika_key": service.template.leika_key,
        },
        "form_version": form.version,
        "data_sha256": data_sha256,
        "attachments": [{"name": f.original_name, "sha512": f.sha512} for f in files],
    }


def answers(
    form: FormDefinition, data: dict[str, Any], files: list[StoredFile], language: str
) -> list[tuple[str, str]]:
    """The submitted answers as label and readable value, in the form's order."""
    names = {f.public_id: f.original_name for f in files}
    order = [path for step in form.steps() for path in step] or form.property_paths()
    shown: list[tuple[str, str]] = []
    for path in order:
        value: Any = data
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None or value == "" or value == []:
            continue
        if path in form.file_fields():
            items = value if isinstance(value, list) else [value]
            value = ", ".join(names.get(str(item), "?") for item in items)
        elif isinstance(value, bool):
            value = ("Ja" if value else "Nein") if language == "de" else ("Yes" if value else "No")
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif (form.schema_at(path) or {}).get("format") == "date":
            value = day(str(value), language)
        shown.append((form.label(path, language), str(value)))
    return shown


def receipt_pdf(
    *,
    municipality: Municipality,
    service: OfferedService,
    form_version: FormVersion,
    submission: Submission,
    files: list[StoredFile],
    keys_url: str,
    sender: Sender | None = None,
) -> bytes:
    language = submission.language
    form = FormDefinition(form_version.schema, form_version.ui)
    german = language == "de"
    sender = sender or Sender()
    received = local_time(submission.submitted_at, municipality, language)
    facts = [
        ("Leistung" if german else "Service", service.name(language)),
        ("Eingegangen am" if german else "Received", received),
    ]
    data = submission.data if submission.anonymised_at is None else {}
    if data:
        facts += answers(form, data, files, language)
    document = Document(
        title="Eingangsbestätigung" if german else "Acknowledgement of receipt",
        issuer=municipality.name,
        office=service.department,
        sender_address=sender.address,
        recipient=form.addressee(data),
        references=[
            *_references(submission, service, sender, german),
            ("Datum" if german else "Date", received.split(",")[0]),
        ],
        subtitle=f"{service.name(language)} – "
        + ("Vorgangsnummer " if german else "tracking code ")
        + submission.tracking_code,
        facts=facts,
        paragraphs=[
            (
                "Guten Tag,\n\nIhr Antrag ist bei uns eingegangen. Den Bearbeitungsstand sehen "
                "Sie jederzeit mit Ihrer Vorgangsnummer. Ihre Angaben haben wir unten "
                "aufgeführt."
            )
            if german
            else (
                "Hello,\n\nwe have received your application. Use your tracking code to follow "
                "it at any time. Your entries are listed below."
            )
        ],
        small_print=[
            f"Prüfsumme der Angaben (SHA-256): {submission.data_sha256}",
            "Elektronisch signierte Bestätigung (JWS, Ed25519); prüfbar mit den öffentlichen "
            f"Schlüsseln unter {keys_url}:",
            submission.receipt,
        ],
        language=language,
    )
    return document.render()


def _references(
    submission: Submission, service: OfferedService, sender: Sender, german: bool
) -> list[tuple[str, str]]:
    """The letter's information block: our reference, who is responsible, how to reach
    them (the date follows)."""
    phone = service.adoption.contact_phone or sender.phone
    email = service.adoption.contact_email or sender.email
    shown = [
        ("Unser Zeichen" if german else "Our reference", submission.tracking_code),
        ("Zuständig" if german else "Responsible", service.department),
    ]
    if phone:
        shown.append(("Telefon" if german else "Phone", phone))
    if email:
        shown.append(("E-Mail" if german else "E-mail", email))
    return shown
