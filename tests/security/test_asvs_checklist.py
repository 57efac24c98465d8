"""The security documents point at tests that exist, and the ASVS checklist's summary counts
what its tables say: a renamed test or a changed status cannot leave the documents wrong."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "docs" / "asvs-l2.md", ROOT / "docs" / "security.md"]
REFERENCE = re.compile(r"`(tests/[^`\s]+?)(?:::(\w+))?`")
ROW = re.compile(r"^\| (\d[^|]*?) \| [\d–]+ \| [^|]+ \| ([\w/]+) \|", re.MULTILINE)
SUMMARY = re.compile(r"Summary \(L1 \+ L2, (\d+) rows\): (.+)\.")


def test_every_test_the_security_documents_name_exists() -> None:
    named = 0
    for document in DOCUMENTS:
        for path, name in REFERENCE.findall(document.read_text()):
            target = ROOT / path
            assert target.exists(), f"{document.name} names {path}, which does not exist"
            if name:
                assert f"def {name}(" in target.read_text(), f"{document.name}: {path}::{name}"
            named += 1
    assert named > 60


def test_the_checklist_summary_counts_its_rows() -> None:
    text = (ROOT / "docs" / "asvs-l2.md").read_text()
    statuses = Counter(status for _, status in ROW.findall(text))
    assert set(statuses) <= {"met", "partly", "gap", "n/a", "operator"}, statuses
    summary = SUMMARY.search(text)
    assert summary is not None
    claimed = {
        status: int(count)
        for count, status in (part.split(" ")[::-1] for part in summary.group(2).split(" · "))
    }
    assert int(summary.group(1)) == sum(statuses.values())
    assert claimed == dict(statuses)
