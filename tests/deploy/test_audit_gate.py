"""The supply-chain gate (tools/audit_gate.py, run by deploy/supply-chain/report.sh) on
pip-audit's JSON reports kept in tests/deploy/pip_audit: `unreachable.json` is what pip-audit
2.10 wrote on this machine, where its vulnerability services do not answer; `vulnerable.json`
is a report in the same format (`--format json --aliases on`) with real advisories of old
Jinja2 and Requests releases, as pip-audit writes it where the services answer."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tools.audit_gate import GateError, judge, main

ROOT = Path(__file__).resolve().parents[2]
REPORTS = Path(__file__).parent / "pip_audit"
TODAY = date(2026, 12, 3)


def report(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPORTS / name).read_text())
    return loaded


def test_a_known_vulnerability_without_an_accepted_risk_fails() -> None:
    verdict = judge(report("vulnerable.json"), "", TODAY)
    assert not verdict.passed
    assert sorted(f.advisory for f in verdict.unaccepted) == [
        "GHSA-9wx4-h78v-vm56",
        "GHSA-h5c8-rqwp-cp95",
        "GHSA-h75v-3vvj-5mfj",
    ]
    assert verdict.audited == 3
    assert verdict.skipped == [
        ("smartcity", "Dependency not found on PyPI and could not be audited: smartcity (0.3.0)")
    ]
    text = "\n".join(verdict.lines())
    assert "NOT ACCEPTED jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (CVE-2024-22195), fixed in 3.1.3" in text


def test_accepted_risks_let_it_pass_by_advisory_id_or_alias() -> None:
    accepted = (
        "# why and until when\n"
        "GHSA-h5c8-rqwp-cp95 sandbox escape needs templates from users; we have none; "
        "until 2027-03-31\n"
        "CVE-2024-34064 xmlattr with user keys; not used; until 2027-03-31\n"
        "CVE-2024-35195 verify=False on a session; not used; until 2026-12-03\n"
    )
    verdict = judge(report("vulnerable.json"), accepted, TODAY)
    assert verdict.passed, verdict.lines()
    assert len(verdict.accepted) == 3
    # One advisory left out: the gate fails on it alone.
    partial = judge(report("vulnerable.json"), accepted.splitlines(True)[1], TODAY)
    assert [f.advisory for f in partial.unaccepted] == [
        "GHSA-h75v-3vvj-5mfj",
        "GHSA-9wx4-h78v-vm56",
    ]


def test_an_acceptance_past_its_date_or_without_one_fails() -> None:
    past = "GHSA-h5c8-rqwp-cp95 accepted once; until 2026-12-02\n"
    verdict = judge(report("unreachable.json"), past, TODAY)
    assert not verdict.passed
    assert verdict.expired == ["GHSA-h5c8-rqwp-cp95"]
    undated = judge(report("unreachable.json"), "CVE-2024-22195 for now\n", TODAY)
    assert undated.expired == ["CVE-2024-22195"]
    with pytest.raises(GateError, match="no advisory id"):
        judge(report("unreachable.json"), "jinja2 is fine until 2027-01-01\n", TODAY)
    with pytest.raises(GateError, match="2027-13-01 is no date"):
        judge(report("unreachable.json"), "CVE-2024-22195 until 2027-13-01\n", TODAY)


def test_packages_that_could_not_be_audited_are_a_warning() -> None:
    verdict = judge(report("unreachable.json"), "", TODAY)
    assert verdict.passed
    assert verdict.audited == 0
    assert "pip-audit WARNING: 2 packages could NOT be audited" in "\n".join(verdict.lines())


def test_the_command_exits_non_zero_on_a_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    none = tmp_path / "accepted-risks.txt"
    none.write_text("")
    assert main([str(REPORTS / "vulnerable.json"), str(none), "--today", "2026-12-03"]) == 1
    assert "known vulnerabilities without an accepted risk" in capsys.readouterr().err
    assert main([str(REPORTS / "unreachable.json"), str(none)]) == 0
    # No report (pip-audit failed before writing one) or something else: refused.
    assert main([str(tmp_path / "missing.json"), str(none)]) == 1
    (tmp_path / "other.json").write_text('{"dependencies": [{"version": "1"}]}')
    assert main([str(tmp_path / "other.json"), str(none)]) == 1
    assert "not a pip-audit JSON report" in capsys.readouterr().err
    # No list of accepted risks: refused with a message, not a traceback.
    assert main([str(REPORTS / "unreachable.json"), str(tmp_path / "gone.txt")]) == 1
    assert "no list of accepted risks" in capsys.readouterr().err


def test_the_shipped_list_of_accepted_risks_is_read_by_the_gate() -> None:
    """As report.sh runs it, with the repository's accepted-risks.txt."""
    finished = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "audit_gate.py"),
            str(REPORTS / "vulnerable.json"),
            str(ROOT / "deploy" / "supply-chain" / "accepted-risks.txt"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert finished.returncode == 1
    assert "NOT ACCEPTED requests 2.31.0: GHSA-9wx4-h78v-vm56" in finished.stderr
