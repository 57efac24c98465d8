"""Access (GDPR Art. 15): everything a search found about one person as a ZIP archive —
`data.json` (machine-readable: each table's rows with the purposes, legal bases, recipients
and retention its declarations give), `auskunft.pdf` (the same, readable) and `files/` (the
person's uploads)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from smartcity.core.db import utcnow
from smartcity.core.documents import Document, local_time
from smartcity.core.modules import ERASE_KEEP
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.privacy.declarations import Declared
from smartcity.privacy.search import Found

# Columns never handed out, whoever asks: secrets, marked like the municipality export does.
EXPORT_FLAG = "export"


def declaration_facts(item: Declared) -> dict[str, Any]:
    data = item.data
    return {
        "module": item.module,
        "columns": list(data.columns),
        "categories": list(data.categories),
        "subject": data.subject,
        "purpose": data.purpose,
        "legal_basis": data.legal_basis,
        "recipients": list(data.recipients),
        "retention": data.retention.label,
        "on_erasure": data.erasure,
        "kept_because": data.keep_reason or None,
    }


def report(found: Found, municipality: Municipality, now: datetime | None = None) -> dict[str, Any]:
    """The machine-readable answer: per table, its declarations and the person's rows."""
    now = now or utcnow()
    tables: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(found.declarations):
        keys = found.keys(index)
        if not keys:
            continue
        entry = tables.setdefault(item.table, {"declarations": [], "rows": {}})
        entry["declarations"].append(declaration_facts(item))
        hidden = {c.name for c in item.model.__table__.c if c.info.get(EXPORT_FLAG) is False}
        for key in sorted(keys):
            row = found.rows[item.table][key]
            entry["rows"][str(key)] = {k: _plain(v) for k, v in row.items() if k not in hidden}
    return {
        "controller": municipality.name,
        "generated_at": now.isoformat(),
        "identifiers": {k: sorted(v) for k, v in found.identifiers.items() if v},
        "tables": {
            name: {"declarations": e["declarations"], "rows": list(e["rows"].values())}
            for name, e in sorted(tables.items())
        },
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def archive(found: Found, municipality: Municipality, data_dir: Path) -> bytes:
    """The ZIP archive handed to the person."""
    answer = report(found, municipality)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", json.dumps(answer, ensure_ascii=False, indent=2))
        zipped.writestr("auskunft.pdf", summary_pdf(answer, municipality))
        for row in answer["tables"].get(StoredFile.__tablename__, {}).get("rows", []):
            stored = StoredFile(
                municipality_id=row["municipality_id"], storage_name=row["storage_name"]
            )
            path = uploads.path_of(data_dir, stored)
            if path.exists():
                zipped.write(path, f"files/{row['public_id']}-{row['original_name']}")
    return buffer.getvalue()


def summary_pdf(answer: dict[str, Any], municipality: Municipality) -> bytes:
    """A letter-like summary in German: what is held, why, on what ground, for how long."""
    paragraphs = []
    for name, entry in answer["tables"].items():
        rows = len(entry["rows"])
        for facts in entry["declarations"]:
            kept = (
                f" Bei Löschung aufbewahrt: {facts['kept_because']}"
                if facts["on_erasure"] == ERASE_KEEP
                else ""
            )
            recipients = ", ".join(facts["recipients"]) or "keine außer der zuständigen Stelle"
            paragraphs.append(
                f"{name} ({rows} Einträge; Modul {facts['module']}): "
                f"{', '.join(facts['columns'])}. Zweck: {facts['purpose']}. "
                f"Rechtsgrundlage: {facts['legal_basis']}. Empfänger: {recipients}. "
                f"Speicherdauer: {facts['retention']}.{kept}"
            )
    if not paragraphs:
        paragraphs.append("Zu den angegebenen Merkmalen sind keine Daten gespeichert.")
    document = Document(
        title="Auskunft nach Art. 15 DSGVO",
        issuer=municipality.name,
        subtitle="Über Sie gespeicherte personenbezogene Daten",
        facts=[
            ("Erstellt", local_time(utcnow(), municipality)),
            ("Gesucht nach", ", ".join(sorted(answer["identifiers"]))),
            ("Einträge", str(sum(len(e["rows"]) for e in answer["tables"].values()))),
        ],
        paragraphs=paragraphs,
        small_print=[
            "Die vollständigen Daten enthält data.json in diesem Archiv, Ihre hochgeladenen "
            "Dateien der Ordner files/. Sie haben das Recht auf Berichtigung (Art. 16), "
            "Löschung (Art. 17), Einschränkung (Art. 18) und Widerspruch (Art. 21 DSGVO) "
            "sowie auf Beschwerde bei der Aufsichtsbehörde (Art. 77 DSGVO)."
        ],
    )
    return document.render()
