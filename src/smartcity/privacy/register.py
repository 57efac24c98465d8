"""The record of processing activities (GDPR Art. 30 (1)) of one municipality, built from the
installed modules' declarations: one activity per module and purpose, with the categories of
data and persons, the legal basis, the recipients and the retention — in the order of the
DSK's template. The municipality is the controller; where the instance serves several
municipalities of a region, the operator processes on their behalf (Art. 28)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.documents import Document
from smartcity.core.tenancy.models import Municipality, Region
from smartcity.privacy.declarations import Declared

TOMS = (
    "Technische und organisatorische Maßnahmen (Art. 32 DSGVO): Verschlüsselung der "
    "Verbindungen (TLS), rollenbasierte Berechtigungen je Kommune, Zwei-Faktor-Anmeldung, "
    "manipulationssicheres Audit-Protokoll (Hash-Kette), Mandantentrennung in jeder Abfrage, "
    "Löschung und Anonymisierung nach Fristen (Löschkonzept nach DIN 66398)."
)


@dataclass(frozen=True)
class Activity:
    module: str
    purpose: str
    legal_basis: str
    subjects: tuple[str, ...]
    categories: tuple[str, ...]
    recipients: tuple[str, ...]
    retention: tuple[str, ...]
    data: tuple[str, ...]


@dataclass(frozen=True)
class Register:
    controller: str
    processor: str | None
    activities: list[Activity]


def build(db: Session, municipality: Municipality, declarations: Sequence[Declared]) -> Register:
    shared = (
        db.scalar(
            select(func.count())
            .select_from(Municipality)
            .where(Municipality.region_id == municipality.region_id)
        )
        or 0
    ) > 1
    region = db.get(Region, municipality.region_id)
    processor = (
        f"Betreiber der gemeinsamen Plattform der Region {region.name} (Auftragsverarbeitung, "
        "Art. 28 DSGVO)"
        if shared and region is not None
        else None
    )
    grouped: dict[tuple[str, str], list[Declared]] = {}
    for item in declarations:
        grouped.setdefault((item.module, item.data.purpose), []).append(item)
    activities = [
        Activity(
            module=module,
            purpose=purpose,
            legal_basis="; ".join(sorted({i.data.legal_basis for i in items})),
            subjects=tuple(sorted({i.data.subject for i in items})),
            categories=tuple(sorted({c for i in items for c in i.data.categories})),
            recipients=tuple(sorted({r for i in items for r in i.data.recipients})),
            retention=tuple(sorted({i.data.retention.label for i in items})),
            data=tuple(f"{i.table}: {', '.join(i.data.columns)}" for i in items),
        )
        for (module, purpose), items in grouped.items()
    ]
    activities.sort(key=lambda a: (a.module, a.purpose))
    return Register(municipality.name, processor, activities)


HEADER = (
    "Modul",
    "Zweck",
    "Rechtsgrundlage",
    "Betroffene",
    "Datenkategorien",
    "Empfänger",
    "Löschfristen",
    "Daten (Tabelle: Spalten)",
)


def _cells(activity: Activity) -> list[str]:
    return [
        activity.module,
        activity.purpose,
        activity.legal_basis,
        ", ".join(activity.subjects),
        ", ".join(activity.categories),
        ", ".join(activity.recipients) or "nur die zuständige Stelle",
        "; ".join(activity.retention),
        "; ".join(activity.data),
    ]


def as_csv(register: Register) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Verantwortlicher", register.controller])
    writer.writerow(["Auftragsverarbeiter", register.processor or "-"])
    writer.writerow(HEADER)
    for activity in register.activities:
        writer.writerow(_cells(activity))
    return out.getvalue()


def as_pdf(register: Register) -> bytes:
    paragraphs = []
    for number, activity in enumerate(register.activities, start=1):
        cells = _cells(activity)
        lines = [f"{name}: {value}" for name, value in zip(HEADER[2:], cells[2:], strict=True)]
        paragraphs.append(f"{number}. {activity.purpose} ({activity.module})\n" + "\n".join(lines))
    document = Document(
        title="Verzeichnis von Verarbeitungstätigkeiten",
        issuer=register.controller,
        subtitle="nach Art. 30 Abs. 1 DSGVO",
        facts=[
            ("Verantwortlicher", register.controller),
            ("Auftragsverarbeiter", register.processor or "-"),
            ("Tätigkeiten", str(len(register.activities))),
        ],
        paragraphs=paragraphs,
        small_print=[TOMS],
    )
    return document.render()
