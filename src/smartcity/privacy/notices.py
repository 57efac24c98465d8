"""Privacy notices (GDPR Art. 13) per portal service, generated from the declarations that
name the service: what is collected, for what, on which legal basis, for whom, how long."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smartcity.privacy.declarations import Declared

# The portal's services whose forms collect personal data, with their names (English
# message ids; pages translate them).
SERVICES = {
    "applications": "Applications (online services)",
    "defect-report": "Defect reports",
    "water-meter-reading": "Water meter readings",
}


@dataclass(frozen=True)
class Entry:
    purpose: str
    legal_basis: str
    categories: tuple[str, ...]
    recipients: tuple[str, ...]
    retention: str


def services(declarations: Sequence[Declared]) -> list[str]:
    named = {d.data.service for d in declarations if d.data.service}
    return [s for s in SERVICES if s in named] + sorted(named - set(SERVICES))


def notice(declarations: Sequence[Declared], service: str) -> list[Entry]:
    """The service's processing, one entry per purpose (the same purpose once)."""
    entries: dict[str, Entry] = {}
    for item in declarations:
        data = item.data
        if data.service != service:
            continue
        known = entries.get(data.purpose)
        entries[data.purpose] = Entry(
            data.purpose,
            data.legal_basis,
            tuple(sorted({*data.categories, *(known.categories if known else ())})),
            tuple(sorted({*data.recipients, *(known.recipients if known else ())})),
            data.retention.label,
        )
    return list(entries.values())
